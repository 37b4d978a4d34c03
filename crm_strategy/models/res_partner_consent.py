"""Consent to profiling: a contact who withdrew it is neither scored, nor matched to a persona,
nor put into automated audiences, and its behaviour (engagement events) can be forgotten.

Invariants:
- Leads of a contact who withdrew consent have no score (`crm.lead._models_for` skips them) and
  no automatic persona (`crm.persona._assignable_domain`).
- No engagement event of such a contact, or of its leads, is stored by ingestion (the HTTP
  endpoint, RPC and the bridges all go through `crm.engagement.event._ingest`), nor created
  directly.
- *Forget behaviour* deletes the contact's events and logs who did it, and when, in its chatter.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

STRATEGY_MANAGER = "crm_strategy.group_crm_strategy_manager"


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    crm_profiling_withdrawn = fields.Boolean(
        string="Profiling Consent Withdrawn",
        tracking=True,
        copy=False,
        help="The contact withdrew consent to profiling: neither the contact nor its leads are "
        "scored, matched to buyer personas or put into automated audiences, and engagement "
        "events about them are not stored.",
    )

    def write(self, vals):
        result = super().write(vals)
        if vals.get("crm_profiling_withdrawn"):
            self._crm_stop_profiling()
        return result

    def _crm_stop_profiling(self):
        """Clear what profiling computed about these contacts and their leads."""
        leads = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.ids)])
        )
        if leads:
            leads.flush_recordset()
            self.env.execute_query(
                SQL(
                    "UPDATE crm_lead SET score = 0, score_fit = 0, score_engagement = 0, "
                    "score_hot = FALSE, score_model_id = NULL WHERE id = ANY(%s)",
                    leads.ids,
                )
            )
            leads.invalidate_recordset(
                ["score", "score_fit", "score_engagement", "score_hot", "score_model_id"]
            )
            leads.modified(["score", "score_fit", "score_engagement", "score_hot"])
        for records in (self.sudo(), leads):
            records.filtered(lambda r: r.persona_id and not r.persona_manual).write(
                {"persona_id": False, "persona_manual": False}
            )

    def _crm_behaviour_events_domain(self):
        emails = [email for email in self.mapped("email_normalized") if email]
        return [
            "|",
            "|",
            ("partner_id", "in", self.ids),
            ("lead_id.partner_id", "in", self.ids),
            ("email", "in", emails),
        ]

    def action_crm_forget_behaviour(self):
        """Delete the engagement events of these contacts and their leads (right to erasure)."""
        if not self.env.user.has_group(STRATEGY_MANAGER):
            raise AccessError(
                self.env._("Only strategy managers may forget a contact's behaviour.")
            )
        Event = self.env["crm.engagement.event"].sudo().with_context(active_test=False)
        for partner in self:
            events = Event.search(partner._crm_behaviour_events_domain())
            count = len(events)
            leads = events.lead_id
            events.unlink()
            self.env["crm.lead"].sudo()._score_leads(leads.ids)
            partner.message_post(
                body=self.env._(
                    "Behaviour forgotten by %(user)s on %(date)s: %(count)s engagement event(s) "
                    "deleted.",
                    user=self.env.user.name,
                    date=fields.Datetime.to_string(fields.Datetime.now()) + " UTC",
                    count=count,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    @api.model
    def _crm_withdrawn_partners(self, partner_ids, emails):
        """(ids among `partner_ids`, addresses among `emails`) of contacts who withdrew
        consent to profiling (one query)."""
        if not partner_ids and not emails:
            return set(), set()
        self.flush_model(["crm_profiling_withdrawn", "email_normalized"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id, email_normalized FROM res_partner
                 WHERE crm_profiling_withdrawn
                   AND (id = ANY(%s) OR email_normalized = ANY(%s))
                """,
                list(partner_ids),
                list(emails),
            )
        )
        return {row[0] for row in rows} & set(partner_ids), {row[1] for row in rows} & set(emails)
