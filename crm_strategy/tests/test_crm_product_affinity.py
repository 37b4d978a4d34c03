from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .product_affinity_common import AS_OF, ProductAffinityCase


@tagged("post_install", "-at_install")
class TestCrmProductAffinity(ProductAffinityCase):
    def test_support_confidence_and_lift(self):
        self._refresh_all()
        rules = self._rules()
        coffee, cups, machines = self.coffee, self.cups, self.machines
        self.assertEqual(
            set(rules),
            {(coffee, cups), (cups, coffee), (cups, machines), (machines, cups)},
            "Coffee and machines go together less often than by chance: no rule",
        )
        figures = {
            pair: (
                rule.antecedent_count,
                rule.customer_count,
                rule.target_count,
                round(rule.support, 2),
                round(rule.confidence, 2),
                round(rule.lift, 4),
            )
            for pair, rule in rules.items()
        }
        self.assertEqual(figures[coffee, cups], (6, 3, 3, 30.0, 50.0, 1.25))
        self.assertEqual(figures[cups, coffee], (4, 3, 1, 30.0, 75.0, 1.25))
        self.assertEqual(figures[cups, machines], (4, 1, 3, 10.0, 25.0, 1.25))
        self.assertEqual(figures[machines, cups], (2, 1, 1, 10.0, 50.0, 1.25))
        self.assertEqual(rules[coffee, cups].display_name, "X Coffee → X Cups")

    def test_thresholds_and_refresh_replaces_rules(self):
        self._refresh_all()
        self.company.crm_affinity_min_support = 20.0
        self._refresh_all()
        self.assertEqual(set(self._rules()), {(self.coffee, self.cups), (self.cups, self.coffee)})
        self.company.write({"crm_affinity_min_support": 1.0, "crm_affinity_min_confidence": 60})
        self._refresh_all()
        self.assertEqual(set(self._rules()), {(self.cups, self.coffee)})
        # a rule exactly at the threshold is kept
        self.company.write({"crm_affinity_min_confidence": 0, "crm_affinity_min_lift": 1.25})
        self._refresh_all()
        self.assertEqual(len(self._rules()), 4)
        self.company.crm_affinity_min_lift = 0.8
        self._refresh_all()
        self.assertIn((self.coffee, self.machines), self._rules())

    def test_thresholds_out_of_range_are_refused(self):
        for field, value in (
            ("crm_affinity_min_support", 0.0),
            ("crm_affinity_min_support", 101.0),
            ("crm_affinity_min_confidence", -1.0),
            ("crm_affinity_min_lift", -0.5),
        ):
            with self.subTest(field=field, value=value), self.assertRaises(ValidationError):
                self.company.write({field: value})

    def test_companies_are_isolated(self):
        # each company has its own thresholds
        other = self.env["res.company"].create(
            {"name": "Other Tea House", "crm_affinity_min_lift": 1.0}
        )
        c = self.c
        # in the other company, c4 buys cups and tea: no effect on this company's rules
        self._orders_of([(c[4], self.cups), (c[4], self.tea), (c[9], self.tea)], company=other)
        self._refresh_all()
        self._refresh_all(other)
        self.assertEqual(self._rules()[self.coffee, self.cups].customer_count, 3)
        other_rules = self._rules(other)
        # N = 2: cups 1, tea 2, both 1 -> lift 1 * 2 / (1 * 2) = 1, kept at a minimum of 1
        self.assertEqual(set(other_rules), {(self.cups, self.tea), (self.tea, self.cups)})
        self.assertEqual(round(other_rules[self.cups, self.tea].confidence), 100)
        self.assertEqual(round(other_rules[self.tea, self.cups].confidence), 50)
        self.assertIn(
            self.cups, c[4].with_company(self.company).crm_cross_sell_ids.consequent_categ_id
        )
        self.assertNotIn(
            self.cups,
            c[4].with_company(self.company).crm_bought_category_ids,
            "what a customer bought in another company does not count here",
        )
        rep = self.rep
        rep.write({"company_ids": [Command.set(self.company.ids)], "company_id": self.company.id})
        visible = self.env["crm.product.affinity"].with_user(rep).search([])
        self.assertFalse(visible.filtered(lambda r: r.company_id == other))

    def test_deleted_category_takes_its_rules(self):
        self._refresh_all()
        self.products[self.machines].categ_id = self.tea
        self.machines.unlink()
        self.assertEqual(set(self._rules()), {(self.coffee, self.cups), (self.cups, self.coffee)})
        self._refresh_all()
        self.assertNotIn(self.machines.id, [c.id for pair in self._rules() for c in pair])

    def test_suggestions_skip_what_the_customer_bought(self):
        self._refresh_all()
        c = self.c
        rules = self._rules()
        # c4 bought coffee only (the cups order was cancelled, the other is a quotation)
        self.assertEqual(c[4].crm_cross_sell_ids, rules[self.coffee, self.cups])
        # c7 bought cups: coffee and machines, the more confident first (lifts are equal)
        self.assertEqual(
            c[7].crm_cross_sell_ids.ids,
            [rules[self.cups, self.coffee].id, rules[self.cups, self.machines].id],
        )
        # c2 bought coffee and cups: only machines is left to offer
        self.assertEqual(c[2].crm_cross_sell_ids, rules[self.cups, self.machines])
        # c1 (and its contact) bought all three: nothing to offer
        self.assertFalse(c[1].crm_cross_sell_ids)
        self.assertFalse(self.c1_buyer.crm_cross_sell_ids)
        self.assertFalse(c[9].crm_cross_sell_ids, "tea goes with nothing")

    def test_suggestions_are_one_query_for_many_customers(self):
        self._refresh_all()
        self.env.invalidate_all()
        count = self.env.cr.sql_log_count
        self.env["res.partner"].browse(self.c[4].id).mapped("crm_cross_sell_ids")
        one = self.env.cr.sql_log_count - count
        self.env.invalidate_all()
        count = self.env.cr.sql_log_count
        self.customers.mapped("crm_cross_sell_ids")
        self.assertEqual(self.env.cr.sql_log_count - count, one)

    def test_opportunity_shows_its_customer_suggestions(self):
        self._refresh_all()
        lead = self.env["crm.lead"].create(
            {"name": "More coffee", "type": "opportunity", "partner_id": self.c[4].id}
        )
        other = self.env["crm.lead"].create(
            {"name": "Everything", "type": "opportunity", "partner_id": self.c1_buyer.id}
        )
        self.assertEqual(lead.crm_cross_sell_ids, self._rules()[self.coffee, self.cups])
        self.assertFalse(other.crm_cross_sell_ids)

    def test_audience_bought_a_never_b(self):
        self._refresh_all()
        c = self.c
        Partner = self.env["res.partner"]
        audience = Partner.search(
            [
                ("crm_bought_category_ids", "in", self.coffee.ids),
                ("crm_bought_category_ids", "not in", self.cups.ids),
            ]
        )
        self.assertEqual(audience, c[4] | c[5] | c[6])
        self.assertEqual(
            Partner.search(
                [("crm_bought_category_ids", "=", False), ("id", "in", self.customers.ids)]
            ),
            Partner,
        )
        self.assertEqual(c[1].crm_bought_category_ids, self.coffee | self.cups | self.machines)
        # the rule's button: the same customers, minus those who withdrew consent
        c[6].crm_profiling_withdrawn = True
        rule = self._rules()[self.coffee, self.cups]
        self.assertEqual(rule.target_count, 3)
        action = rule.action_customers_to_target()
        self.assertEqual(Partner.search(action["domain"]), c[4] | c[5])

    def test_salesperson_sees_own_customers_suggestions_and_cannot_refresh(self):
        self.c[5].user_id = self.manager
        self.c[4].user_id = self.rep
        self._refresh_all()
        Partner = self.env["res.partner"].with_user(self.rep)
        self.assertEqual(
            Partner.browse(self.c[4].id).crm_cross_sell_ids.consequent_categ_id, self.cups
        )
        self.assertFalse(
            Partner.browse(self.c[5].id).crm_cross_sell_ids,
            "another salesperson's customer: no preferences, no suggestions",
        )
        rule = self._rules()[self.coffee, self.cups]
        action = rule.with_user(self.rep).action_customers_to_target()
        self.assertEqual(Partner.search(action["domain"]), self.c[4] | self.c[6])
        with self.assertRaises(AccessError):
            self.env["crm.product.affinity"].with_user(self.rep).action_refresh()
        self.env["crm.product.affinity"].with_user(self.manager).action_refresh()
        self.assertEqual(len(self._rules()), 4)

    def test_cron_refreshes_one_company_per_call(self):
        self.env["crm.customer.value"]._refresh(self.company, AS_OF)
        companies = self.env["res.company"].search([])
        for _company in companies:
            self.env["crm.product.affinity"]._cron_refresh()
        self.assertEqual(len(self._rules()), 4)
