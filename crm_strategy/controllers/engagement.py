import json
import logging

import psycopg2

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..models.crm_engagement_event import EventRejected

_logger = logging.getLogger(__name__)

# A full batch of 1,000 events with payloads stays well below this.
MAX_BODY_BYTES = 5 * 1024 * 1024


class EngagementController(http.Controller):
    """POST /crm_strategy/events: websites and marketing tools send engagement events.

    Authorization: `Bearer <key>` (or header X-Api-Key). Body: a JSON list of events or
    {"events": [...]}, at most 1,000. The batch is stored entirely or not at all; every
    refusal is a 4xx with a JSON body {"error": ..., "errors": [{"index", "error"}]}.
    """

    @http.route(
        "/crm_strategy/events",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def receive_events(self):
        env = request.env(user=SUPERUSER_ID)
        key = request.httprequest.headers.get("X-Api-Key")
        authorization = request.httprequest.headers.get("Authorization", "")
        if authorization.lower().startswith("bearer "):
            key = authorization[7:].strip()
        if not key:
            return self._answer(401, "Missing API key: send 'Authorization: Bearer <key>'.")
        integration = env["crm.scoring.integration"]._find_by_key(key)
        if not integration:
            return self._answer(401, "Unknown or revoked API key.")
        if (request.httprequest.content_length or 0) > MAX_BODY_BYTES:
            return self._answer(413, f"The request body exceeds {MAX_BODY_BYTES} bytes.")
        try:
            body = json.loads(request.httprequest.get_data(as_text=True) or "null")
        except ValueError as error:
            return self._answer(400, f"Malformed JSON: {error}")
        events = body.get("events") if isinstance(body, dict) else body
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
    def _answer(status, message, errors=None, result=None):
        body = dict(result or {})
        if message:
            body["error"] = message
        if errors:
            body["errors"] = errors
        return request.make_json_response(body, status=status)
