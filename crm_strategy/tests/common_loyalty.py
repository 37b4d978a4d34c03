from odoo import Command

from .common import CrmStrategyCase


class LoyaltyLedgerCase(CrmStrategyCase):
    """A loyalty program (1 point per unit of the product, a 10% discount for 10 points), a
    customer and their card."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, tracking_disable=True, loyalty_no_mail=True)
        )
        cls.Ledger = cls.env["crm.loyalty.ledger"]
        cls.product = cls.env["product.product"].create(
            {"name": "Espresso Beans", "list_price": 100.0, "type": "consu", "taxes_id": False}
        )
        cls.program = cls.env["loyalty.program"].create(
            {
                "name": "Coffee Club",
                "program_type": "loyalty",
                "trigger": "auto",
                "applies_on": "both",
                "crm_adjust_manager_threshold": 500,
                "rule_ids": [
                    Command.create(
                        {
                            "reward_point_mode": "unit",
                            "reward_point_amount": 10,
                            "product_ids": [cls.product.id],
                        }
                    )
                ],
                "reward_ids": [
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount": 10,
                            "discount_mode": "percent",
                            "discount_applicability": "order",
                            "required_points": 10,
                        }
                    )
                ],
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Carla Customer"})
        cls.card = cls.env["loyalty.card"].create(
            {"program_id": cls.program.id, "partner_id": cls.customer.id}
        )

    def assertBalanced(self, card):
        """The card's points are the sum of its posted entries, whose hash chain verifies."""
        self.env.flush_all()
        self.assertFalse(
            [row for row in self.Ledger._broken_chains() if row[1] == card.id],
            "the card's hash chain verifies",
        )
        entries = self.Ledger.search([("card_id", "=", card.id), ("state", "=", "posted")])
        self.assertAlmostEqual(card.points, sum(entries.mapped("points")), places=2)
        if entries:
            # the last posted entry (date_posted has a one-second resolution)
            latest = max(entries.mapped("date_posted"))
            last = entries.filtered(lambda e: e.date_posted == latest)
            self.assertIn(
                round(card.points, 2), [round(b, 2) for b in last.mapped("balance_after")]
            )

    def _order(self, qty=1, partner=None):
        return self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "product_uom_qty": qty})
                ],
            }
        )

    def _entries(self, card=None, **filters):
        domain = [("card_id", "=", (card or self.card).id)]
        domain += [(key, "=", value) for key, value in filters.items()]
        return self.Ledger.search(domain, order="id")

    def _pay(self, order):
        invoice = order._create_invoices()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        return invoice
