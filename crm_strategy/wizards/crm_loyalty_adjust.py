from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmLoyaltyAdjust(models.TransientModel):
    _name = "crm.loyalty.adjust"
    _description = "Loyalty Points Adjustment"

    card_id = fields.Many2one("loyalty.card", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="card_id.partner_id")
    current_points = fields.Float(related="card_id.points", string="Current Balance")
    points = fields.Float(
        string="Points to Add", required=True, help="Negative to take points from the card."
    )
    reason = fields.Char(required=True)
    threshold = fields.Float(related="card_id.program_id.crm_adjust_manager_threshold")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "card_id" in fields_list and not res.get("card_id"):
            if self.env.context.get("active_model") == "loyalty.card":
                res["card_id"] = self.env.context.get("active_id")
        return res

    def action_apply(self):
        """Post the adjustment; a rep's adjustment above the program's threshold is stored as a
        pending request that a strategy manager approves or rejects."""
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(self.env._("An adjustment needs a reason."))
        if not self.points:
            raise UserError(self.env._("Enter the number of points to add or remove."))
        # the wizard posts through the service: only for cards the user may change themselves
        self.card_id.check_access("write")
        vals = {
            "card": self.card_id,
            "entry_type": "adjust",
            "points": self.points,
            "reason": self.reason,
        }
        if self.card_id._crm_adjust_needs_manager(self.points):
            entry = self.env["crm.loyalty.ledger"]._post_entries([{**vals, "state": "pending"}])
            entry._crm_request_approval()
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "message": self.env._(
                        "Adjustments of more than %s points need a manager: your request was "
                        "sent for approval.",
                        self.threshold,
                    ),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        self.card_id._crm_adjust(self.points, self.reason)
        return {"type": "ir.actions.act_window_close"}
