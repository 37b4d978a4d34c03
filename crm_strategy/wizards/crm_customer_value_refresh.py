from odoo import fields, models


class CrmCustomerValueRefresh(models.TransientModel):
    """Manager action "Refresh RFM & CLV", optionally as of a past date."""

    _name = "crm.customer.value.refresh"
    _description = "Refresh RFM & CLV"

    as_of_date = fields.Date(
        "As of",
        required=True,
        default=fields.Date.context_today,
        help="Purchases up to and including this day count; recency is measured from it.",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )

    def action_refresh(self):
        self.ensure_one()
        values = self.env["crm.customer.value"]
        values._check_refresh_rights()
        for company in self.company_ids:
            values.sudo()._refresh(company, self.as_of_date)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_strategy.crm_customer_value_action"
        )
        action["target"] = "main"
        return action
