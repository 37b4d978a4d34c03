from odoo import models


class LoyaltyCardUpdateBalance(models.TransientModel):
    _inherit = "loyalty.card.update.balance"

    def action_update_card_point(self):
        """Odoo's wizard sets the card's points: the ledger records it as an adjustment with the
        wizard's description as reason (the manager threshold applies)."""
        return super(
            LoyaltyCardUpdateBalance, self.with_context(crm_loyalty_reason=self.description)
        ).action_update_card_point()
