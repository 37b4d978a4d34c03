from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmLoyaltyStatementWizard(models.TransientModel):
    _name = "crm.loyalty.statement.wizard"
    _description = "Loyalty Member Statement Period"

    card_ids = fields.Many2many("loyalty.card", string="Cards", required=True)
    date_from = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self).replace(day=1)
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "loyalty.card":
            res["card_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return res

    def action_print(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(self.env._("The statement period ends before it starts."))
        return self.env.ref("crm_strategy.crm_loyalty_statement_report").report_action(
            self.card_ids,
            data={
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
            },
        )
