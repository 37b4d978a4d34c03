from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        """A reward added to a confirmed order spends the card's points (redeem entry)."""
        with self.env["crm.loyalty.ledger"]._order_window():
            lines = super().create(vals_list)
        # the lines sale_loyalty takes points for
        for line in lines.filtered(
            lambda line: line.coupon_id and line.points_cost and line.state == "sale"
        ):
            line.order_id._crm_loyalty_post_delta(
                line.coupon_id,
                "redeem",
                line.points_cost,
                self.env._("Reward on order %s", line.order_id.name),
                # a new line with a negative cost gives back nothing the order spent
                reverse=False,
            )
        return lines

    def write(self, vals):
        """A reward's cost changed on a confirmed order: redeem the difference or give it back."""
        if "points_cost" not in vals:
            return super().write(vals)
        previous = {line: (line.coupon_id, line.points_cost) for line in self}
        with self.env["crm.loyalty.ledger"]._order_window():
            res = super().write(vals)
        for line, (card, cost) in previous.items():
            if line.state == "sale" and card and line.points_cost != cost:
                line.order_id._crm_loyalty_post_delta(
                    card,
                    "redeem",
                    line.points_cost - cost,
                    self.env._("Reward changed on order %s", line.order_id.name),
                )
        return res

    def unlink(self):
        """A reward removed from a confirmed order gives its points back: reversal of the order's
        redemption. sale_loyalty removes the reward's sibling lines too (same reward and coupon)."""
        rewards = {(line.reward_id, line.coupon_id, line.reward_identifier_code) for line in self}
        removed = self | self.order_id.order_line.filtered(
            lambda line: (
                line.reward_id
                and (line.reward_id, line.coupon_id, line.reward_identifier_code) in rewards
            )
        )
        given_back = [
            (line.order_id, line.coupon_id, line.points_cost)
            for line in removed
            if line.reward_id and line.coupon_id and line.points_cost and line.state == "sale"
        ]
        with self.env["crm.loyalty.ledger"]._order_window():
            res = super().unlink()
        for order, card, cost in given_back:
            order._crm_loyalty_post_delta(
                card,
                "redeem",
                -cost,
                self.env._("Reward removed from order %s", order.name),
            )
        return res
