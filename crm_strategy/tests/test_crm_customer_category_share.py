from datetime import date

from odoo import Command
from odoo.tests import tagged

from .customer_value_common import CustomerValueCase


@tagged("post_install", "-at_install")
class TestCrmCustomerCategoryShare(CustomerValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.coffee, cls.machines, cls.service, cls.cups = Category.create(
            [
                {"name": "P Coffee"},
                {"name": "P Machines"},
                {"name": "P Service"},
                {"name": "P Cups"},
            ]
        )
        Product = cls.env["product.product"]

        def product(name, categ):
            return Product.create(
                {"name": name, "type": "service", "categ_id": categ.id, "taxes_id": False}
            )

        cls.beans = product("Beans", cls.coffee)
        cls.espresso = product("Espresso machine", cls.machines)
        cls.repair = product("Repair", cls.service)
        cls.mug = product("Mug", cls.cups)
        Partner = cls.env["res.partner"]
        cls.cafe = Partner.create({"name": "Cafe", "is_company": True})
        cls.barista = Partner.create({"name": "Barista", "parent_id": cls.cafe.id})
        cls.home = Partner.create({"name": "Home Brewer"})
        cls._lines_order(cls.cafe, date(2025, 5, 1), [(cls.beans, 300), (cls.espresso, 500)])
        cls._lines_order(cls.barista, date(2025, 6, 1), [(cls.repair, 150), (cls.mug, 50)])
        cls._lines_order(cls.home, date(2025, 6, 2), [(cls.beans, 40)])
        # a quotation does not count
        cls.env["sale.order"].create(
            {
                "partner_id": cls.home.id,
                "order_line": [Command.create({"product_id": cls.espresso.id, "price_unit": 900})],
            }
        )

    @classmethod
    def _lines_order(cls, partner, day, lines):
        vals = cls._order_vals(partner, day, 0)
        vals["order_line"] = [
            Command.create(
                {"product_id": p.id, "product_uom_qty": 1, "price_unit": amount, "tax_id": False}
            )
            for p, amount in lines
        ]
        order = cls.env["sale.order"].create(vals)
        order.write({"state": "sale"})
        return order

    def _shares(self, partner):
        return self.env["crm.customer.category.share"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )

    def test_refresh_stores_share_of_spend_rank_and_favourites(self):
        self._refresh(date(2025, 6, 30))
        shares = self._shares(self.cafe)
        self.assertEqual(
            [(s.categ_id, round(s.share, 1), s.rank, s.is_favourite) for s in shares],
            [
                (self.machines, 50.0, 1, True),
                (self.coffee, 30.0, 2, True),
                (self.service, 15.0, 3, True),
                (self.cups, 5.0, 4, False),
            ],
        )
        self.assertAlmostEqual(sum(shares.mapped("amount")), 1000.0)
        self.assertEqual(self.cafe.favourite_categ_ids, self.machines | self.coffee | self.service)
        # a contact shows its company's preferences
        self.assertEqual(self.barista.favourite_categ_ids, self.cafe.favourite_categ_ids)
        self.assertEqual(self._shares(self.home).categ_id, self.coffee)

    def test_as_of_date_and_quotations_bound_the_spend(self):
        self._refresh(date(2025, 5, 15))
        self.assertEqual(self._shares(self.cafe).categ_id, self.machines | self.coffee)
        self.assertFalse(self._shares(self.home))

    def test_filter_customers_by_favourite_category(self):
        self._refresh(date(2025, 6, 30))
        Partner = self.env["res.partner"]
        coffee_lovers = Partner.search([("favourite_categ_ids", "in", self.coffee.ids)])
        self.assertIn(self.cafe, coffee_lovers)
        self.assertIn(self.home, coffee_lovers)
        machine_lovers = Partner.search([("favourite_categ_ids", "in", self.machines.ids)])
        self.assertNotIn(self.home, machine_lovers)
        self.assertNotIn(self.home, Partner.search([("favourite_categ_ids", "=", False)]))

    def test_deleted_category_and_refresh_again(self):
        self._refresh(date(2025, 6, 30))
        self.mug.categ_id = self.service
        self.cups.unlink()
        self.assertFalse(self._shares(self.cafe).filtered(lambda s: not s.categ_id))
        self._refresh(date(2025, 6, 30))
        self.assertEqual(
            self._shares(self.cafe).categ_id, self.machines | self.coffee | self.service
        )
        self.assertAlmostEqual(sum(self._shares(self.cafe).mapped("share")), 100.0)

    def test_rep_reads_preferences_of_own_customers_only(self):
        self.cafe.user_id = self.manager
        self._refresh(date(2025, 6, 30))
        Share = self.env["crm.customer.category.share"].with_user(self.rep)
        self.assertFalse(Share.search([("partner_id", "=", self.cafe.id)]))
        self.assertTrue(Share.search([("partner_id", "=", self.home.id)]))
