from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        """Paid orders release their pending points and their referral bonuses."""
        res = super()._invoice_paid_hook()
        orders = self.filtered(
            lambda m: m.move_type == "out_invoice"
        ).invoice_line_ids.sale_line_ids.order_id
        if orders:
            orders._crm_loyalty_release_paid()
            orders._crm_loyalty_referral_bonus()
        return res

    def _post(self, soft=True):
        """A posted credit note takes back the points its orders earned, in proportion."""
        posted = super()._post(soft=soft)
        for refund in posted.filtered(lambda m: m.move_type == "out_refund"):
            orders = refund.invoice_line_ids.sale_line_ids.order_id
            for order in orders:
                base = order.amount_untaxed
                lines = refund.invoice_line_ids.filtered(
                    lambda line, o=order: o in line.sale_line_ids.order_id
                )
                if base:
                    ratio = min(sum(lines.mapped("price_subtotal")) / base, 1.0)
                    order._crm_loyalty_refund(ratio, refund)
        return posted
