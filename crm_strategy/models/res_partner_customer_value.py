from odoo import api, fields, models

STRATEGY_USER = "crm_strategy.group_crm_strategy_user"


class ResPartner(models.Model):
    """The customer's value in the current company, read from crm.customer.value."""

    _inherit = "res.partner"

    customer_value_ids = fields.One2many(
        "crm.customer.value", "partner_id", "Customer values", groups=STRATEGY_USER
    )
    customer_segment_history_ids = fields.One2many(
        "crm.customer.segment.history", "partner_id", "Segment history", groups=STRATEGY_USER
    )
    customer_value_id = fields.Many2one(
        "crm.customer.value",
        "Customer value",
        compute="_compute_customer_value_id",
        search="_search_customer_value_id",
        groups=STRATEGY_USER,
    )
    rfm_segment_id = fields.Many2one(
        "crm.rfm.segment",
        "RFM segment",
        compute="_compute_customer_value_id",
        search="_search_rfm_segment_id",
        groups=STRATEGY_USER,
    )
    rfm_segment_since = fields.Date(
        "In segment since", related="customer_value_id.segment_since", groups=STRATEGY_USER
    )
    rfm_code = fields.Char("RFM", related="customer_value_id.rfm_code", groups=STRATEGY_USER)
    rfm_r_score = fields.Integer("R", related="customer_value_id.r_score", groups=STRATEGY_USER)
    rfm_f_score = fields.Integer("F", related="customer_value_id.f_score", groups=STRATEGY_USER)
    rfm_m_score = fields.Integer("M", related="customer_value_id.m_score", groups=STRATEGY_USER)
    clv_total = fields.Monetary(
        "Lifetime value", related="customer_value_id.clv_total", groups=STRATEGY_USER
    )
    clv_predicted = fields.Monetary(
        "Predicted CLV", related="customer_value_id.clv_predicted", groups=STRATEGY_USER
    )
    probability_alive = fields.Float(
        related="customer_value_id.probability_alive", groups=STRATEGY_USER
    )

    @api.depends_context("company")
    @api.depends("customer_value_ids")
    def _compute_customer_value_id(self):
        company = self.env.company
        values = self.env["crm.customer.value"].search(
            [("partner_id", "in", self.commercial_partner_id.ids), ("company_id", "=", company.id)]
        )
        by_partner = {value.partner_id.id: value for value in values}
        empty = self.env["crm.customer.value"]
        for partner in self:
            value = by_partner.get(partner.commercial_partner_id.id, empty)
            partner.customer_value_id = value
            partner.rfm_segment_id = value.segment_id

    def _search_customer_value_id(self, operator, value):
        return [("commercial_partner_id.customer_value_ids", operator, value)]

    def _search_rfm_segment_id(self, operator, value):
        company_id = self.env.company.id
        if operator in ("=", "in") and not value:
            # "No segment": no value row in the current company.
            return [
                (
                    "commercial_partner_id.customer_value_ids",
                    "not any",
                    [("company_id", "=", company_id)],
                )
            ]
        return [
            (
                "commercial_partner_id.customer_value_ids",
                "any",
                [("company_id", "=", company_id), ("segment_id", operator, value)],
            )
        ]
