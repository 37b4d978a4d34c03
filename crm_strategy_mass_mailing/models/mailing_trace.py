"""What recipients did with a mailing becomes engagement events (a batched cron).

Invariants:
- Each fact is converted once per company, its idempotency key names its source row:
  ``mailing.trace.open:<trace>``, ``mailing.trace.reply:<trace>``, ``mailing.trace.bounce:<trace>``,
  ``link.tracker.click:<click>`` (with the clicked URL), ``mail.blacklist:<entry>:<lead>`` and
  ``mailing.subscription:<subscription>:<lead>`` (unsubscribes, one per lead of that address).
- A trace of a lead or contact becomes an event of that lead or contact, if it still exists; a
  trace of another model (mailing list contacts...) an event of its e-mail address, matched to
  the address's lead by crm_strategy.
- Nothing is converted for a contact who withdrew consent to profiling, or for its leads.
- Only facts of the last LOOKBACK_DAYS days are looked at: each run reads a bounded window.
- Events go through crm_strategy's ingestion (`crm.engagement.event._ingest`): its validation,
  lead matching and rescoring, nothing of our own.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.crm_strategy.models.crm_engagement_event import (
    MAX_BATCH,
    TEXT_LIMITS,
    storable_url,
)
from odoo.tools import SQL

# rows read per pending query (one cron call); ingested MAX_BATCH at a time
CRON_BATCH = 10 * MAX_BATCH

LOOKBACK_DAYS = 30


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    @api.model
    def _crm_engagement_pending_sql(self, since, limit):
        """SQL of the mailing facts still to convert, oldest first: (key, event type,
        timestamp, company id, lead id, partner id, e-mail, url, mailing id, trace id)."""
        return SQL(
            """
            WITH traces AS (
                SELECT t.id, t.open_datetime, t.reply_datetime, t.trace_status, t.write_date,
                       t.mass_mailing_id,
                       COALESCE(l.company_id, p.company_id, u.company_id, %(company)s)
                           AS company_id,
                       l.id AS lead_id, p.id AS partner_id,
                       CASE WHEN t.model NOT IN ('crm.lead', 'res.partner')
                            THEN t.email END AS email
                  FROM mailing_trace t
             LEFT JOIN mailing_mailing m ON m.id = t.mass_mailing_id
             LEFT JOIN res_users u ON u.id = m.user_id
             LEFT JOIN crm_lead l ON t.model = 'crm.lead' AND l.id = t.res_id
             LEFT JOIN res_partner p ON t.model = 'res.partner' AND p.id = t.res_id
             LEFT JOIN res_partner lp ON lp.id = l.partner_id
                 WHERE t.write_date >= %(since)s
                   AND lp.crm_profiling_withdrawn IS NOT TRUE
                   AND p.crm_profiling_withdrawn IS NOT TRUE
                   AND (l.id IS NOT NULL OR p.id IS NOT NULL
                        OR (t.model NOT IN ('crm.lead', 'res.partner')
                            AND t.email IS NOT NULL AND length(t.email) <= %(email_max)s))
            ),
            facts AS (
                SELECT 'mailing.trace.open:' || id AS key, 'email_open' AS event_type,
                       open_datetime AS ts, company_id, lead_id, partner_id, email,
                       NULL::varchar AS url, mass_mailing_id, id AS trace_id
                  FROM traces WHERE open_datetime IS NOT NULL
             UNION ALL
                SELECT 'mailing.trace.reply:' || id, 'email_reply', reply_datetime, company_id,
                       lead_id, partner_id, email, NULL, mass_mailing_id, id
                  FROM traces WHERE reply_datetime IS NOT NULL
             UNION ALL
                SELECT 'mailing.trace.bounce:' || id, 'bounce', write_date, company_id,
                       lead_id, partner_id, email, NULL, mass_mailing_id, id
                  FROM traces WHERE trace_status = 'bounce'
             UNION ALL
                SELECT 'link.tracker.click:' || c.id, 'email_click', c.create_date,
                       tr.company_id, tr.lead_id, tr.partner_id, tr.email, lt.url,
                       tr.mass_mailing_id, tr.id
                  FROM link_tracker_click c
                  JOIN traces tr ON tr.id = c.mailing_trace_id
                  JOIN link_tracker lt ON lt.id = c.link_id
             UNION ALL
                SELECT 'mail.blacklist:' || b.id || ':' || l.id, 'unsubscribe', b.write_date,
                       COALESCE(l.company_id, %(company)s), l.id, NULL, NULL, NULL, NULL, NULL
                  FROM mail_blacklist b
                  JOIN crm_lead l ON l.email_normalized = b.email AND l.active
                 WHERE b.active AND b.write_date >= %(since)s
                   AND NOT EXISTS (SELECT 1 FROM res_partner lp
                                    WHERE lp.id = l.partner_id AND lp.crm_profiling_withdrawn)
             UNION ALL
                SELECT 'mailing.subscription:' || s.id || ':' || l.id, 'unsubscribe',
                       s.opt_out_datetime, COALESCE(l.company_id, %(company)s), l.id,
                       NULL, NULL, NULL, NULL, NULL
                  FROM mailing_subscription s
                  JOIN mailing_contact mc ON mc.id = s.contact_id
                  JOIN crm_lead l ON l.email_normalized = mc.email_normalized AND l.active
                 WHERE s.opt_out AND s.opt_out_datetime >= %(since)s
                   AND NOT EXISTS (SELECT 1 FROM res_partner lp
                                    WHERE lp.id = l.partner_id AND lp.crm_profiling_withdrawn)
            )
            SELECT f.key, f.event_type, f.ts, f.company_id, f.lead_id, f.partner_id, f.email,
                   f.url, f.mass_mailing_id, f.trace_id
              FROM facts f
             WHERE f.ts IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM crm_engagement_event e
                                WHERE e.company_id = f.company_id AND e.idempotency_key = f.key)
          ORDER BY f.ts, f.key
             LIMIT %(limit)s
            """,
            since=since,
            limit=limit,
            company=self.env.company.id,
            email_max=TEXT_LIMITS["email"],
        )

    @api.model
    def _crm_engagement_event(self, row, subjects):
        key, event_type, stamp, _company_id, lead_id, partner_id, email, url, mailing_id, trace = (
            row
        )
        event = {
            "type": event_type,
            "timestamp": stamp.isoformat(),
            "idempotency_key": key,
            "payload": {"mailing_id": mailing_id, "mailing_trace_id": trace},
        }
        for name, value in (("lead_id", lead_id), ("partner_id", partner_id), ("email", email)):
            if value:
                event[name] = value
        if url := storable_url(url):
            event["url"] = url
        if subject := subjects.get(mailing_id):
            event["subject"] = subject[: TEXT_LIMITS["subject"]]
        return event

    @api.model
    def _crm_engagement_convert(self, batch_size=CRON_BATCH):
        """Convert one batch of mailing facts; returns (converted, more to do)."""
        batch_size = max(1, batch_size)
        since = fields.Datetime.now() - timedelta(days=LOOKBACK_DAYS)
        self.env.flush_all()
        rows = self.env.execute_query(self._crm_engagement_pending_sql(since, batch_size + 1))
        more = len(rows) > batch_size
        rows = rows[:batch_size]
        mailings = self.env["mailing.mailing"].sudo().browse({row[8] for row in rows if row[8]})
        subjects = {mailing.id: mailing.subject for mailing in mailings if mailing.subject}
        by_company = {}
        for row in rows:
            by_company.setdefault(row[3], []).append(self._crm_engagement_event(row, subjects))
        converted = (
            self.env["crm.engagement.event"]
            .sudo()
            ._ingest_by_company(by_company, "mailing fact(s)")
        )
        return converted, more

    @api.model
    def _cron_crm_engagement_events(self, batch_size=CRON_BATCH):
        done, more = self._crm_engagement_convert(batch_size)
        self.env["ir.cron"]._notify_progress(done=done, remaining=batch_size if more else 0)
