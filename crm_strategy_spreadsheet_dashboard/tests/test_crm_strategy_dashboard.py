from datetime import date, datetime

from odoo import Command
from odoo.addons.crm_strategy.tests.customer_value_common import CustomerValueCase
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import dashboard_pivots, read_pivot


@tagged("post_install", "-at_install")
class TestCrmStrategyDashboard(CustomerValueCase):
    """The cockpit opens for managers and salespeople, and each figure is the
    user's: the pivots are read the way the Dashboards app reads them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref("crm_strategy_spreadsheet_dashboard.crm_strategy_dashboard")
        cls.my_dashboard = cls.env.ref(
            "crm_strategy_spreadsheet_dashboard.crm_strategy_my_dashboard"
        )
        source = cls.env["utm.source"].create({"name": "Cockpit Ads"})
        Partner = cls.env["res.partner"]
        cls.mine = Partner.create({"name": "Nobody's customer"})
        cls.theirs = Partner.create({"name": "Manager's customer", "user_id": cls.manager.id})
        cls._orders(
            [(cls.mine, date(2025, 1, 5), 100.0), (cls.theirs, date(2025, 1, 9), 300.0)],
            source_id=source.id,
        )
        cls.env["crm.marketing.spend"].create(
            {"date": date(2025, 1, 1), "source_id": source.id, "amount": 500.0}
        )
        cls.source = source
        cls.env["crm.customer.month"]._refresh()

    def _pivots(self, dashboard):
        return dashboard_pivots(dashboard)

    def _read_pivot(self, pivot, user, extra_domain=(), extra_measures=()):
        return read_pivot(self.env, pivot, user, extra_domain, extra_measures)

    def test_every_figure_opens_for_its_users(self):
        """Every pivot of each dashboard reads without error for the users who see it."""
        for dashboard, users in (
            (self.dashboard, [self.manager]),
            (self.my_dashboard, [self.manager, self.rep]),
        ):
            for pivot in self._pivots(dashboard):
                for user in users:
                    with self.subTest(dashboard=dashboard.name, pivot=pivot["name"], user=user):
                        self._read_pivot(pivot, user)

    def test_dashboards_per_group(self):
        Dashboard = self.env["spreadsheet.dashboard"]
        seen_by_rep = Dashboard.with_user(self.rep).search([])
        self.assertIn(self.my_dashboard, seen_by_rep)
        self.assertNotIn(self.dashboard, seen_by_rep, "acquisition cost is for managers")
        seen_by_manager = Dashboard.with_user(self.manager).search([])
        self.assertIn(self.dashboard, seen_by_manager)
        self.assertNotIn(
            "crm.acquisition.report", [p["model"] for p in self._pivots(self.my_dashboard)]
        )

    def test_figures_follow_the_user(self):
        """January 2025's cohort holds both customers for the manager, the rep's
        (unassigned) one only for the rep; the manager's CAC is 500 / 2."""
        cohort = next(
            p for p in self._pivots(self.my_dashboard) if p["name"].startswith("Retention Cohorts")
        )
        # the cockpit's cohorts start at month 1 (month 0 is 100 %); nobody bought again
        january = [("cohort_date", "=", date(2025, 1, 1)), ("month_number", "=", 1)]
        [manager_row] = self._read_pivot(cohort, self.manager, january, ["customers"])
        [rep_row] = self._read_pivot(cohort, self.rep, january, ["customers"])
        self.assertEqual((manager_row["customers"], manager_row["still_buying"]), (2, 0.0))
        self.assertEqual((rep_row["customers"], rep_row["still_buying"]), (1, 0.0))

        cac = next(
            p for p in self._pivots(self.dashboard) if p["model"] == "crm.acquisition.report"
        )
        [row] = self._read_pivot(cac, self.manager, [("source_id", "=", self.source.id)])
        self.assertEqual((row["spend"], row["new_customers"], row["cac"]), (500.0, 2, 250.0))
        with self.assertRaises(AccessError):
            self._read_pivot(cac, self.rep)

    def test_other_company_sees_none_of_it(self):
        other = self.env["res.company"].create({"name": "Cockpit Other Co"})
        manager = self.manager.copy(
            {"login": "cockpit_other_manager", "company_id": other.id, "company_ids": [other.id]}
        )
        for pivot in self._pivots(self.dashboard):
            if pivot["model"] in ("crm.acquisition.report", "crm.customer.cohort"):
                self.assertFalse(self._read_pivot(pivot, manager), pivot["name"])


@tagged("post_install", "-at_install")
class TestCrmStrategyDashboardTour(HttpCase):
    """A manager and a salesperson open the cockpit, see their own figures in it (read
    from the spreadsheet the browser evaluated), then the cohorts behind it."""

    def test_cockpit_tour(self):
        manager = new_test_user(
            self.env, login="cockpit_manager", groups="sales_team.group_sale_manager"
        )
        rep = new_test_user(self.env, login="cockpit_rep", groups="sales_team.group_sale_salesman")
        product = self.env["product.product"].create(
            {"name": "Cockpit service", "type": "service", "taxes_id": False}
        )
        Partner = self.env["res.partner"]
        customers = Partner.create({"name": "Cockpit nobody's"}) | Partner.create(
            {"name": "Cockpit manager's", "user_id": manager.id}
        )
        source = self.env["utm.source"].create({"name": "Cockpit tour ads"})
        self.env["crm.marketing.spend"].create(
            {"date": date(2025, 1, 1), "source_id": source.id, "amount": 500.0}
        )
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": customer.id,
                    "source_id": source.id,
                    "date_order": datetime(2025, 1, 10, 12),
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "price_unit": amount, "tax_id": False}
                        )
                    ],
                }
                for customer, amount in zip(customers, (100.0, 300.0), strict=True)
            ]
        )
        # 14 monthly cohorts of the manager's before them: more rows than a section shows
        earlier = Partner.create(
            [{"name": f"Cockpit earlier {i}", "user_id": manager.id} for i in range(14)]
        )
        orders |= self.env["sale.order"].create(
            [
                {
                    "partner_id": customer.id,
                    "date_order": datetime(2023 + (i // 12), i % 12 + 1, 15, 12),
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "price_unit": 10.0, "tax_id": False}
                        )
                    ],
                }
                for i, customer in enumerate(earlier)
            ]
        )
        orders.write({"state": "sale"})
        self.env["crm.customer.month"]._refresh()
        self.env["crm.customer.value"]._refresh(self.env.company)
        url = "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action"
        self.start_tour(url, "crm_strategy_cockpit_manager_tour", login=manager.login)
        self.start_tour(url, "crm_strategy_cockpit_rep_tour", login=rep.login)
