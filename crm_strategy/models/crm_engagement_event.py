import logging
import math
import random
import re
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.service.model import (
    MAX_TRIES_ON_CONCURRENCY_FAILURE,
    PG_CONCURRENCY_EXCEPTIONS_TO_RETRY,
)
from odoo.tools import SQL, email_normalize

from .crm_scoring_rule import EVENT_TYPES
from .cursor_flag import cursor_flag, cursor_flag_raised

_logger = logging.getLogger(__name__)

MAX_BATCH = 1000
# key of the cursor's cache: events created now are rescored by their creator (ingestion)
DEFER_SCORING = "crm_strategy.defer_event_scoring"
CLOCK_SKEW = timedelta(minutes=5)
# older events say nothing about a lead's interest today; older dates are typos or epochs of 0
MIN_TIMESTAMP = datetime(1970, 1, 1)
MAX_ID = 2**31 - 1  # PostgreSQL integer
# an event is a JSON object (depth 0), its payload depth 1: payload values may nest 8 deep
MAX_EVENT_DEPTH = 9
# what PostgreSQL or UTF-8 cannot store, anywhere in an event
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# what no one-line text field (url, e-mail, keys...) may hold
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")
TEXT_LIMITS = {
    "url": 2048,
    "subject": 512,
    "utm_source": 256,
    "idempotency_key": 255,
    "visitor_key": 255,
    "email": 320,
}


class EventRejected(Exception):
    """A batch of events refused as a whole; `status` is the HTTP status to answer."""

    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _is_url(value):
    try:
        urlsplit(value).port  # noqa: B018  raises on a malformed host or port
    except ValueError:
        return False
    return True


def storable_url(value):
    """`value` cut to what an event's url may hold, or None when no event could store it
    (bridges sending URLs they did not choose: website tracks, mailing links)."""
    url = (value or "").strip()[: TEXT_LIMITS["url"]] if isinstance(value, str) else ""
    if not url or UNSTORABLE.search(url) or CONTROL_CHARACTERS.search(url) or not _is_url(url):
        return None
    return url


def _quote(value, limit=60):
    """A short, printable rendering of a value a sender gave, for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class CrmEngagementEvent(models.Model):
    """Something a lead did: a page view, an e-mail click, a meeting booked..."""

    _name = "crm.engagement.event"
    _description = "Engagement Event"
    _order = "timestamp desc, id desc"
    _rec_name = "event_type"

    # no index of its own: the (company_id, idempotency_key) unique index leads with it
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    # the company of the lead is checked once per batch by `_check_references`
    lead_id = fields.Many2one("crm.lead", index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", index="btree_not_null", ondelete="set null")
    email = fields.Char(
        index="btree_not_null", help="Normalised e-mail; matched to a lead when one appears."
    )
    visitor_key = fields.Char(help="Anonymous visitor identifier from the website or tool.")
    event_type = fields.Selection(EVENT_TYPES, required=True)
    url = fields.Char(string="URL")
    url_path = fields.Char(string="URL Path", compute="_compute_url_path", store=True)
    subject = fields.Char()
    timestamp = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    utm_source = fields.Char(string="UTM Source")
    payload = fields.Json()
    idempotency_key = fields.Char(copy=False)
    integration_id = fields.Many2one(
        "crm.scoring.integration", readonly=True, ondelete="set null", index="btree_not_null"
    )

    _sql_constraints = [
        (
            "idempotency_key_unique",
            "UNIQUE(company_id, idempotency_key)",
            "This event was already received (same idempotency key).",
        ),
    ]

    @api.depends("url")
    def _compute_url_path(self):
        for event in self:
            event.url_path = urlsplit(event.url).path or "/" if event.url else False

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("email"):
                vals["email"] = email_normalize(vals["email"]) or vals["email"]
        events = super().create(vals_list)
        events._match_leads()
        if events._withdrawn() and not cursor_flag_raised(self.env, DEFER_SCORING):
            raise ValidationError(
                self.env._("This contact withdrew consent to profiling: no event is stored.")
            )
        if not cursor_flag_raised(self.env, DEFER_SCORING):
            self.env["crm.lead"].sudo()._score_leads(list(set(events.lead_id.ids)))
        return events

    @contextmanager
    def _scoring_deferred(self):
        """Create events without rescoring their leads, for a caller that rescores them once
        itself (batch ingestion). The flag lives on the cursor, out of reach of a client's
        context: nobody can skip the rescoring of the events they create."""
        with cursor_flag(self.env, DEFER_SCORING):
            yield

    def _withdrawn(self):
        """The events of contacts (or of leads of contacts) who withdrew consent to profiling."""
        partner_ids = set(self.partner_id.ids) | set(self.lead_id.sudo().partner_id.ids)
        emails = {email for email in self.mapped("email") if email}
        withdrawn, withdrawn_emails = self.env["res.partner"]._crm_withdrawn_partners(
            partner_ids, emails
        )
        if not withdrawn and not withdrawn_emails:
            return self.browse()
        return self.filtered(
            lambda e: (
                e.partner_id.id in withdrawn
                or e.lead_id.sudo().partner_id.id in withdrawn
                or e.email in withdrawn_emails
            )
        )

    # -------------------------------------------------------------- matching

    def _match_leads(self):
        """Find the lead of events that only name a partner or an e-mail (set-based)."""
        orphans = self.filtered(lambda e: not e.lead_id and (e.partner_id or e.email))
        if not orphans:
            return
        self.flush_model()
        self.env["crm.lead"].flush_model(["partner_id", "email_normalized", "company_id"])
        self.env.execute_query(
            SQL(
                """
                UPDATE crm_engagement_event e
                   SET lead_id = (
                       SELECT l.id FROM crm_lead l
                        WHERE (l.company_id = e.company_id OR l.company_id IS NULL)
                          AND l.active
                          AND ((e.partner_id IS NOT NULL AND l.partner_id = e.partner_id)
                               OR (e.email IS NOT NULL AND l.email_normalized = e.email))
                     ORDER BY l.id DESC LIMIT 1)
                 WHERE e.id = ANY(%s)
                """,
                orphans.ids,
            )
        )
        self.invalidate_model(["lead_id"])
        orphans.modified(["lead_id"])
        self.env["crm.lead"].invalidate_model(["engagement_event_ids", "engagement_event_count"])

    # ------------------------------------------------------------- ingestion

    @api.model
    def ingest_events(self, events):
        """Store a batch of engagement events (XML-RPC / JSON-RPC entry point).

        All or nothing: one bad event refuses the whole batch with a ValidationError listing
        every problem. Returns {"accepted": n, "ids": [...]}.
        """
        if not self.env.user.has_group("crm_strategy.group_crm_strategy_manager"):
            raise AccessError(self.env._("Only strategy managers may send engagement events."))
        try:
            return self.sudo()._ingest(events, self.env.company)
        except EventRejected as rejected:
            lines = [rejected.message] + [
                f"#{error['index']}: {error['error']}" for error in rejected.errors
            ]
            raise ValidationError("\n".join(lines)) from None

    @api.model
    def _ingest(self, events, company, integration=None):
        """Validate and store `events` for `company`; raise EventRejected, store nothing, on
        any bad event. Scores of the leads concerned are updated before returning."""
        vals_list = self._validate_batch(events, company)
        for vals in vals_list:
            vals["integration_id"] = integration.id if integration else False
        with self.env.cr.savepoint():
            with self._scoring_deferred():
                records = self.with_company(company).create(vals_list)
            # accepted (the sender cannot know) but not kept: consent to profiling withdrawn
            withdrawn = records._withdrawn()
            withdrawn.unlink()
            records -= withdrawn
        lead_ids = list(set(records.lead_id.ids))
        try:
            with self.env.cr.savepoint():
                self.env["crm.lead"].sudo()._score_leads(lead_ids)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # another request is rescoring some of these leads: keep the events (inserts do
            # not conflict) and rescore in a fresh transaction once this one is committed
            self._rescore_after_commit(lead_ids)
        return {"accepted": len(records), "ids": records.ids, "ignored": len(withdrawn)}

    @api.model
    def _ingest_by_company(self, by_company, what):
        """Ingest events collected by the app bridges ({company id: [event, ...]}), MAX_BATCH at
        a time; returns how many were stored. A refused event is logged and left out, the
        others of its batch are stored: the bridges read facts Odoo already checked, and one
        fact whose cause has not gone away yet must not hold up the rest."""
        converted = 0
        for company_id, events in by_company.items():
            company = self.env["res.company"].browse(company_id)
            for start in range(0, len(events), MAX_BATCH):
                chunk = events[start : start + MAX_BATCH]
                try:
                    converted += self._ingest(chunk, company)["accepted"]
                except EventRejected as rejected:
                    refused = {error["index"] for error in rejected.errors}
                    _logger.warning(
                        "%s %s not converted: %s", len(refused), what, rejected.errors[:5]
                    )
                    kept = [event for index, event in enumerate(chunk) if index not in refused]
                    if kept:
                        converted += self._ingest(kept, company)["accepted"]
        return converted

    def _rescore_after_commit(self, lead_ids):
        registry = self.env.registry

        @self.env.cr.postcommit.add
        def rescore():
            for attempt in range(MAX_TRIES_ON_CONCURRENCY_FAILURE):
                try:
                    with registry.cursor() as cr:
                        api.Environment(cr, SUPERUSER_ID, {})["crm.lead"]._score_leads(lead_ids)
                    return
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    time.sleep(random.uniform(0.05, 0.25) * 2**attempt)
            _logger.info(
                "%s leads stay unscored until the nightly rescoring (concurrent updates)",
                len(lead_ids),
            )

    @api.model
    def _validate_batch(self, events, company):
        if not isinstance(events, list):
            raise EventRejected(
                400, self.env._('Expected a JSON list of events (or {"events": [...]}).')
            )
        if not events:
            raise EventRejected(400, self.env._("The batch is empty."))
        if len(events) > MAX_BATCH:
            raise EventRejected(
                413,
                self.env._(
                    "A batch holds at most %(max)s events, got %(count)s.",
                    max=MAX_BATCH,
                    count=len(events),
                ),
            )
        known_types = dict(EVENT_TYPES)
        # to the second, like fields.Datetime.now() that the scoring compares with
        now = fields.Datetime.now()
        errors = []  # (status, index, message)
        vals_list = []
        for index, event in enumerate(events):
            if not isinstance(event, dict):
                errors.append((400, index, self.env._("An event must be a JSON object.")))
                continue
            problem = self._unstorable(event)
            if problem:
                errors.append((400, index, problem))
                continue
            vals, event_errors = self._validate_event(event, company, known_types, now)
            errors += [(status, index, message) for status, message in event_errors]
            vals_list.append(vals)
        if not errors:
            errors = self._check_references(vals_list, company) + self._check_idempotency(
                vals_list, company
            )
        if errors:
            # the most specific problem decides the status: wrong company, replay, bad data
            status = next(
                code for code in (403, 409, 422, 400) if any(e[0] == code for e in errors)
            )
            raise EventRejected(
                status,
                self.env._(
                    "%s event(s) rejected; nothing was stored.", len({e[1] for e in errors})
                ),
                [{"index": index, "error": message} for _status, index, message in errors],
            )
        return vals_list

    @api.model
    def _unstorable(self, event):
        """Why `event` cannot be stored as it is (NUL, lone surrogate, NaN, too deep), or None.

        Iterative, whatever the depth: the JSON parser may hand us hundreds of levels.
        """
        stack = [(event, 0)]
        while stack:
            value, depth = stack.pop()
            if depth > MAX_EVENT_DEPTH:
                return self.env._(
                    "The payload nests more than %s levels deep.", MAX_EVENT_DEPTH - 1
                )
            if isinstance(value, str):
                if UNSTORABLE.search(value):
                    return self.env._("A text holds a NUL character or a lone surrogate.")
            elif isinstance(value, float):
                if not math.isfinite(value):
                    return self.env._("Numbers must be finite.")
            elif isinstance(value, dict):
                stack += ((item, depth + 1) for pair in value.items() for item in pair)
            elif isinstance(value, list):
                stack += ((item, depth + 1) for item in value)
        return None

    @api.model
    def _parse_timestamp(self, stamp, now):
        """(naive UTC datetime, None) or (None, (status, message))."""
        if not isinstance(stamp, str) or len(stamp) > 64:
            return None, (400, self.env._("A timestamp is an ISO 8601 text."))
        try:
            parsed = datetime.fromisoformat(stamp)
            if parsed.tzinfo:
                parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        except (ValueError, OverflowError):
            return None, (400, self.env._("Invalid timestamp %r: use ISO 8601.", stamp))
        if parsed < MIN_TIMESTAMP:
            return None, (422, self.env._("Timestamp %s is before 1970.", stamp))
        if parsed > now + CLOCK_SKEW:
            return None, (422, self.env._("Timestamp %s is in the future.", stamp))
        # a sender's clock slightly ahead of ours: the event happened now
        return min(parsed.replace(microsecond=0), now), None

    @api.model
    def _validate_event(self, event, company, known_types, now):
        errors = []
        vals = {"company_id": company.id}
        event_type = event.get("type")
        if not isinstance(event_type, str) or event_type not in known_types:
            errors.append((422, self.env._("Unknown event type %s.", _quote(event_type))))
        vals["event_type"] = event_type
        if "company_id" in event and not _is_id(event["company_id"]):
            errors.append((400, self.env._("company_id must be an integer id.")))
        elif "company_id" in event and event["company_id"] != company.id:
            errors.append((403, self.env._("This key may only send events for its own company.")))
        stamp = event.get("timestamp")
        if stamp is None:
            vals["timestamp"] = now
        else:
            vals["timestamp"], error = self._parse_timestamp(stamp, now)
            if error:
                errors.append(error)
        for key in ("lead_id", "partner_id"):
            value = event.get(key)
            if value is not None and not _is_id(value):
                errors.append((400, self.env._("%s must be a positive integer id.", key)))
            elif value:
                vals[key] = value
        for key, limit in TEXT_LIMITS.items():
            value = event.get(key)
            # an empty idempotency key means none, every time (never a key of its own)
            if value is None or (key == "idempotency_key" and value == ""):
                continue
            if not isinstance(value, str) or len(value) > limit:
                errors.append(
                    (
                        400,
                        self.env._(
                            "%(key)s must be a text of at most %(limit)s characters.",
                            key=key,
                            limit=limit,
                        ),
                    )
                )
            elif CONTROL_CHARACTERS.search(value):
                errors.append((400, self.env._("%s may not hold control characters.", key)))
            elif key == "url" and not _is_url(value):
                errors.append((400, self.env._("url is not a valid URL.")))
            else:
                vals[key] = value
        payload = event.get("payload")
        if payload is not None and not isinstance(payload, dict):
            errors.append((400, self.env._("payload must be a JSON object.")))
        vals["payload"] = payload
        if not any(vals.get(key) for key in ("lead_id", "partner_id", "email", "visitor_key")):
            errors.append(
                (422, self.env._("Name the lead: lead_id, partner_id, email or visitor_key."))
            )
        unknown = set(event) - {
            "type",
            "timestamp",
            "company_id",
            "lead_id",
            "partner_id",
            "payload",
            *TEXT_LIMITS,
        }
        if unknown:
            names = ", ".join(sorted(_quote(name) for name in unknown)[:10])
            errors.append((400, self.env._("Unknown field(s): %s.", names)))
        return vals, errors

    @api.model
    def _check_references(self, vals_list, company):
        """Leads and partners must exist and belong to the key's company (one query each)."""
        errors = []
        for field, model in (("lead_id", "crm.lead"), ("partner_id", "res.partner")):
            ids = {vals[field] for vals in vals_list if vals.get(field)}
            if not ids:
                continue
            self.env[model].flush_model(["company_id"])
            companies = dict(
                self.env.execute_query(
                    SQL(
                        "SELECT id, company_id FROM %s WHERE id = ANY(%s)",
                        SQL.identifier(self.env[model]._table),
                        list(ids),
                    )
                )
            )
            for index, vals in enumerate(vals_list):
                value = vals.get(field)
                if not value:
                    continue
                if value not in companies:
                    errors.append(
                        (
                            422,
                            index,
                            self.env._("%(field)s %(id)s does not exist.", field=field, id=value),
                        )
                    )
                elif companies[value] not in (None, company.id):
                    errors.append(
                        (
                            403,
                            index,
                            self.env._(
                                "%(field)s %(id)s belongs to another company.",
                                field=field,
                                id=value,
                            ),
                        )
                    )
        return errors

    @api.model
    def _check_idempotency(self, vals_list, company):
        errors = []
        seen = {}
        for index, vals in enumerate(vals_list):
            key = vals.get("idempotency_key")
            if not key:
                continue
            if key in seen:
                errors.append(
                    (
                        409,
                        index,
                        self.env._(
                            "Idempotency key %(key)r repeats event #%(first)s.",
                            key=key,
                            first=seen[key],
                        ),
                    )
                )
            seen.setdefault(key, index)
        if seen:
            self.flush_model(["idempotency_key", "company_id"])
            rows = self.env.execute_query(
                SQL(
                    "SELECT idempotency_key FROM crm_engagement_event "
                    "WHERE company_id = %s AND idempotency_key = ANY(%s)",
                    company.id,
                    list(seen),
                )
            )
            for (key,) in rows:
                errors.append(
                    (409, seen[key], self.env._("Idempotency key %r was already received.", key))
                )
        return errors
