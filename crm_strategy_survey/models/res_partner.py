from odoo import api, fields, models

from .crm_satisfaction_response import NPS_CLASSES

STRATEGY_USER = "crm_strategy.group_crm_strategy_user"


class ResPartner(models.Model):
    """The customer's satisfaction in the current company, read from its latest answer."""

    _inherit = "res.partner"

    satisfaction_response_ids = fields.One2many(
        "crm.satisfaction.response", "partner_id", "Satisfaction history", groups=STRATEGY_USER
    )
    satisfaction_nps_class = fields.Selection(
        NPS_CLASSES,
        "NPS class",
        compute="_compute_satisfaction",
        search="_search_satisfaction_nps_class",
        groups=STRATEGY_USER,
    )
    satisfaction_last_score = fields.Integer(
        "Last NPS score", compute="_compute_satisfaction", groups=STRATEGY_USER
    )
    satisfaction_last_date = fields.Datetime(
        "Last NPS answer", compute="_compute_satisfaction", groups=STRATEGY_USER
    )

    @api.depends_context("company")
    @api.depends("satisfaction_response_ids.is_last")
    def _compute_satisfaction(self):
        responses = self.env["crm.satisfaction.response"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
                ("kind", "=", "nps"),
                ("is_last", "=", True),
            ],
            order="date_answered desc, id desc",
        )
        by_partner = {}
        for response in responses:
            by_partner.setdefault(response.partner_id.id, response)
        empty = self.env["crm.satisfaction.response"]
        for partner in self:
            response = by_partner.get(partner.commercial_partner_id.id, empty)
            partner.satisfaction_nps_class = response.nps_class
            partner.satisfaction_last_score = response.score
            partner.satisfaction_last_date = response.date_answered

    def _search_satisfaction_nps_class(self, operator, value):
        latest = [
            ("company_id", "=", self.env.company.id),
            ("kind", "=", "nps"),
            ("is_last", "=", True),
            ("scored", "=", True),
        ]
        if operator in ("=", "in") and not value:
            return [("commercial_partner_id.satisfaction_response_ids", "not any", latest)]
        if operator in ("!=", "not in") and not value:
            return [("commercial_partner_id.satisfaction_response_ids", "any", latest)]
        return [
            (
                "commercial_partner_id.satisfaction_response_ids",
                "any",
                [*latest, ("nps_class", operator, value)],
            )
        ]

    def _crm_satisfaction_opted_out(self):
        """No satisfaction survey: blacklisted address, or consent withdrawn by the contact
        or its company."""
        self.ensure_one()
        return (
            self.is_blacklisted
            or self.crm_profiling_withdrawn
            or self.commercial_partner_id.crm_profiling_withdrawn
        )

    def action_crm_send_satisfaction_survey(self):
        responses = self.env["crm.satisfaction.response"]._send_from_contacts(self)
        message = self.env._(
            "Satisfaction survey sent to %(count)s contact(s).", count=len(responses)
        )
        skipped = len(self) - len(responses)
        if skipped:
            message += " " + self.env._(
                "%(count)s skipped: blacklisted or withdrew consent.", count=skipped
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if responses else "warning",
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
