"""Page views of known visitors become engagement events (a batched cron, nothing at serving).

Invariants:
- A page view (`website.track` row) becomes at most one engagement event per company: its
  idempotency key is ``website.track:<track id>``, unique per company in crm_strategy.
- Only views of visitors Odoo links to a lead (website_crm) or a contact (a logged-in visitor)
  are converted; the lead and contact must be of the website's company (or shared), and not of
  a contact who withdrew consent to profiling.
- Events go through crm_strategy's ingestion (`crm.engagement.event._ingest`): its validation,
  lead matching and rescoring, nothing of our own.
"""

from odoo import api, models
from odoo.addons.crm_strategy.models.crm_engagement_event import (
    MAX_BATCH,
    storable_url,
)
from odoo.tools import SQL

# rows read per pending query (one cron call); ingested MAX_BATCH at a time
CRON_BATCH = 10 * MAX_BATCH

KEY_PREFIX = "website.track:"


class WebsiteTrack(models.Model):
    _inherit = "website.track"

    @api.model
    def _crm_engagement_pending_sql(self, limit):
        """SQL of the page views still to convert, oldest first: (track id, url, visit
        datetime, visitor id, company id, lead id, partner id).

        Driven by the linked visitors (few) rather than by the tracks (many, mostly
        anonymous); a view already converted is skipped through the events' unique
        (company_id, idempotency_key) index.
        """
        return SQL(
            """
            WITH linked AS MATERIALIZED (
                SELECT v.id AS visitor_id, w.company_id,
                       (SELECT l.id
                          FROM crm_lead_website_visitor_rel r
                          JOIN crm_lead l ON l.id = r.crm_lead_id
                         WHERE r.website_visitor_id = v.id
                           AND l.active
                           AND (l.company_id IS NULL OR l.company_id = w.company_id)
                           AND NOT EXISTS (SELECT 1 FROM res_partner lp
                                            WHERE lp.id = l.partner_id
                                              AND lp.crm_profiling_withdrawn)
                      ORDER BY l.id DESC LIMIT 1) AS lead_id,
                       p.id AS partner_id
                  FROM website_visitor v
                  JOIN website w ON w.id = v.website_id
             LEFT JOIN res_partner p
                    ON p.id = v.partner_id
                   AND (p.company_id IS NULL OR p.company_id = w.company_id)
                   AND p.crm_profiling_withdrawn IS NOT TRUE
                 WHERE v.partner_id IS NOT NULL
                    OR EXISTS (SELECT 1 FROM crm_lead_website_visitor_rel r
                                WHERE r.website_visitor_id = v.id)
            )
            SELECT t.id, t.url, t.visit_datetime, t.visitor_id, linked.company_id,
                   linked.lead_id, linked.partner_id
              FROM linked
              JOIN website_track t ON t.visitor_id = linked.visitor_id
             WHERE (linked.lead_id IS NOT NULL OR linked.partner_id IS NOT NULL)
               AND NOT EXISTS (
                   SELECT 1 FROM crm_engagement_event e
                    WHERE e.company_id = linked.company_id
                      AND e.idempotency_key = %(prefix)s || t.id::text)
          ORDER BY t.id
             LIMIT %(limit)s
            """,
            prefix=KEY_PREFIX,
            limit=limit,
        )

    @api.model
    def _crm_engagement_event(self, row):
        track_id, url, visit_datetime, visitor_id, _company_id, lead_id, partner_id = row
        event = {
            "type": "page_view",
            "timestamp": visit_datetime.isoformat(),
            "idempotency_key": f"{KEY_PREFIX}{track_id}",
            "payload": {"website_track_id": track_id, "website_visitor_id": visitor_id},
        }
        url = storable_url(url)
        if url:
            event["url"] = url
        if lead_id:
            event["lead_id"] = lead_id
        if partner_id:
            event["partner_id"] = partner_id
        return event

    @api.model
    def _crm_engagement_convert(self, batch_size=CRON_BATCH):
        """Convert one batch of page views; returns (converted, more to do)."""
        batch_size = max(1, batch_size)
        self.env["crm.engagement.event"].flush_model()
        self.env["website.visitor"].flush_model(["partner_id", "website_id"])
        self.env["crm.lead"].flush_model(["active", "company_id", "visitor_ids"])
        rows = self.env.execute_query(self._crm_engagement_pending_sql(batch_size + 1))
        more = len(rows) > batch_size
        by_company = {}
        for row in rows[:batch_size]:
            by_company.setdefault(row[4], []).append(self._crm_engagement_event(row))
        converted = (
            self.env["crm.engagement.event"].sudo()._ingest_by_company(by_company, "page view(s)")
        )
        return converted, more

    @api.model
    def _cron_crm_engagement_events(self, batch_size=CRON_BATCH):
        done, more = self._crm_engagement_convert(batch_size)
        self.env["ir.cron"]._notify_progress(done=done, remaining=batch_size if more else 0)
