from odoo import models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare


class LoyaltyCardUpdateBalance(models.TransientModel):
    _inherit = "loyalty.card.update.balance"

    def action_update_card_point(self):
        """Odoo's wizard sets the card's points: the ledger posts the difference as an adjustment
        with the wizard's description as reason (the manager threshold applies), then Odoo's own
        loyalty history row is written as the original wizard does."""
        self.ensure_one()
        if float_compare(self.old_balance, self.new_balance, precision_digits=2) == 0 or (
            self.new_balance < 0
        ):
            raise ValidationError(
                self.env._("New Balance should be positive and different then old balance.")
            )
        difference = self.new_balance - self.old_balance
        self.card_id._crm_adjust(difference, self.description)
        self.env["loyalty.history"].create(
            {
                "card_id": self.card_id.id,
                "description": self.description or self.env._("Gift for customer"),
                "used": -difference if difference < 0 else 0,
                "issued": difference if difference > 0 else 0,
            }
        )
