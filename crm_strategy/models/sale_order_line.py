from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _crm_loyalty_context(self, entry_type, reason, orders):
        ctx = {"crm_loyalty_entry_type": entry_type, "crm_loyalty_reason": reason}
        if len(orders) == 1:
            ctx["crm_loyalty_source"] = ("sale.order", orders.id)
        return self.with_context(**ctx)

    @api.model_create_multi
    def create(self, vals_list):
        """A reward added to a confirmed order spends the card's points (redeem entry)."""
        orders = self.env["sale.order"].browse({v.get("order_id") for v in vals_list} - {None})
        lines = super(
            SaleOrderLine,
            self._crm_loyalty_context(
                "redeem", self.env._("Reward on order %s", ", ".join(orders.mapped("name"))), orders
            ),
        ).create(vals_list)
        return lines.with_env(self.env)

    def write(self, vals):
        if "points_cost" not in vals:
            return super().write(vals)
        orders = self.order_id
        return super(
            SaleOrderLine,
            self._crm_loyalty_context(
                "redeem",
                self.env._("Reward changed on order %s", ", ".join(orders.mapped("name"))),
                orders,
            ),
        ).write(vals)

    def unlink(self):
        orders = self.order_id
        return super(
            SaleOrderLine,
            self._crm_loyalty_context(
                "reversal",
                self.env._("Reward removed from order %s", ", ".join(orders.mapped("name"))),
                orders,
            ),
        ).unlink()
