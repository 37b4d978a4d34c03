import json
import logging
import math

import psycopg2
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..models.crm_engagement_event import EventRejected

_logger = logging.getLogger(__name__)

# A full batch of 1,000 events with payloads stays well below this.
MAX_BODY_BYTES = 5 * 1024 * 1024
# Past the limit we read and drop up to this much more, so that the client gets to read our
# 413 rather than a reset connection; a longer body is cut off unread.
MAX_DRAIN_BYTES = 4 * MAX_BODY_BYTES
READ_BLOCK = 64 * 1024


class EngagementDispatcher(http.HttpDispatcher):
    """Routes of type "crm_strategy_events": HTTP routes whose body is left to the controller.

    Odoo's HttpDispatcher parses the query string and any form body (a form content type)
    before the controller runs: a broken chunked body then fails there (500 with a
    traceback) and an endless one is read without limit. This one passes no parameters and
    parses nothing; werkzeug's 4xx raised around the controller are answered in JSON.
    """

    routing_type = "crm_strategy_events"

    def dispatch(self, endpoint, args):
        self.request.params = dict(args)  # the path's converters only: none on our route
        return self.request.registry["ir.http"]._dispatch(endpoint)

    def handle_error(self, exc):
        if isinstance(exc, HTTPException) and exc.code and 400 <= exc.code < 500:
            return self.request.make_json_response(
                {"error": exc.description or exc.name}, status=exc.code
            )
        return super().handle_error(exc)


class EngagementController(http.Controller):
    """POST /crm_strategy/events: websites and marketing tools send engagement events.

    Authorization: `Bearer <key>` (or header X-Api-Key). Body: a JSON list of events or
    {"events": [...]}, at most 1,000, in UTF-8. The batch is stored entirely or not at all;
    every refusal is a 4xx with a JSON body {"error": ..., "errors": [{"index", "error"}]},
    whatever the request holds: the body is read here, at most MAX_BODY_BYTES of it even
    without a Content-Length (chunked transfer), and decoded strictly.
    """

    # no `methods=`: a GET or PUT gets our JSON 405 rather than werkzeug's HTML page
    @http.route(
        "/crm_strategy/events",
        type=EngagementDispatcher.routing_type,
        auth="none",
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def receive_events(self):
        if request.httprequest.method != "POST":
            return self._answer(405, "Send the events with POST.", headers=[("Allow", "POST")])
        try:
            body = self._read_body()
        except (OSError, ClientDisconnected) as error:
            return self._answer(400, f"The request body could not be read: {error}")
        if body is None:
            return self._answer(413, f"The request body exceeds {MAX_BODY_BYTES} bytes.")
        env = request.env(user=SUPERUSER_ID)
        integration = env["crm.scoring.integration"]._find_by_key(self._api_key())
        if not integration:
            if not self._api_key():
                return self._answer(401, "Missing API key: send 'Authorization: Bearer <key>'.")
            return self._answer(401, "Unknown or revoked API key.")
        try:
            payload = self._parse_json(body)
        except UnicodeDecodeError:
            return self._answer(400, "Malformed JSON: the body is not UTF-8 text.")
        except RecursionError:
            return self._answer(400, "Malformed JSON: nested too deeply.")
        except ValueError as error:
            return self._answer(400, f"Malformed JSON: {error}")
        events = payload.get("events") if isinstance(payload, dict) else payload
        company = integration.company_id
        Event = env["crm.engagement.event"].with_company(company)
        try:
            result = Event._ingest(events, company, integration)
        except EventRejected as rejected:
            return self._answer(rejected.status, rejected.message, rejected.errors)
        except psycopg2.errors.UniqueViolation:
            # a concurrent request stored the same idempotency key first
            return self._answer(409, "An idempotency key of this batch was already received.")
        return self._answer(201, None, result=result)

    @staticmethod
    def _api_key():
        headers = request.httprequest.headers
        authorization = headers.get("Authorization", "")
        if authorization[:7].lower() == "bearer ":
            return authorization[7:].strip()
        return headers.get("X-Api-Key", "").strip()

    @staticmethod
    def _read_body():
        """The raw body, or None when it is longer than MAX_BODY_BYTES.

        Read from the input stream with a hard cap: `get_data()` would read a chunked body
        (no Content-Length) to its end, whatever its size. Cached on the request, for
        `retrying` calls the endpoint again after a serialization failure.
        """
        httprequest = request.httprequest
        cached = getattr(httprequest, "_crm_strategy_body", False)
        if cached is not False:
            return cached
        # Odoo's request wrapper hides the input stream; the werkzeug request holds it
        stream = httprequest._HTTPRequest__wrapped.stream  # pylint: disable=protected-access
        chunks, size = [], 0
        try:
            if (httprequest.content_length or 0) > MAX_BODY_BYTES:
                size = httprequest.content_length
            while size <= MAX_BODY_BYTES:
                block = stream.read(min(READ_BLOCK, MAX_BODY_BYTES + 1 - size))
                if not block:
                    break
                chunks.append(block)
                size += len(block)
            if size > MAX_BODY_BYTES:
                chunks.clear()
                drained = 0
                while drained < MAX_DRAIN_BYTES and (block := stream.read(READ_BLOCK)):
                    drained += len(block)
        except RequestEntityTooLarge:  # werkzeug >= 2.3 limits the stream itself
            size = MAX_BODY_BYTES + 1
        body = b"".join(chunks) if size <= MAX_BODY_BYTES else None
        httprequest._crm_strategy_body = body
        return body

    @staticmethod
    def _parse_json(body):
        """Strict JSON: UTF-8 only, no NaN or Infinity (PostgreSQL's jsonb refuses them)."""

        def refuse_constant(name):
            raise ValueError(f"{name} is not a JSON number")

        def finite_float(text):
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(f"{text[:40]} is out of range")
            return number

        return json.loads(
            body.decode("utf-8") or "null",
            parse_constant=refuse_constant,
            parse_float=finite_float,
        )

    @staticmethod
    def _answer(status, message, errors=None, result=None, headers=None):
        body = dict(result or {})
        if message:
            body["error"] = message
        if errors:
            body["errors"] = errors
        # ensure_ascii: a message quoting a lone surrogate still encodes
        return request.make_response(
            json.dumps(body, ensure_ascii=True),
            headers=[("Content-Type", "application/json; charset=utf-8"), *(headers or [])],
            status=status,
        )
