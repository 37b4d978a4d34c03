from datetime import datetime

from odoo.addons.crm_strategy_spreadsheet_dashboard.tests.common import (
    dashboard_pivots,
    read_pivot,
)
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCrmSatisfactionDashboard(TransactionCase):
    """The satisfaction dashboard opens for salespeople and managers, each with their
    customers' answers, the way the Dashboards app reads its pivots.

    March 2025: the rep's customer Rosa answers 10 (promoter), the manager's customer
    Mark answers 3 (detractor); April 2025: Rosa answers 8 (passive, her latest);
    an invitation to Mark in April is not answered.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref(
            "crm_strategy_survey_dashboard.crm_strategy_satisfaction_dashboard"
        )
        cls.rep = new_test_user(
            cls.env, login="cockpit_nps_rep", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            cls.env, login="cockpit_nps_manager", groups="sales_team.group_sale_manager"
        )
        Partner = cls.env["res.partner"]
        cls.rosa = Partner.create({"name": "Rosa", "user_id": cls.rep.id})
        cls.mark = Partner.create({"name": "Mark", "user_id": cls.manager.id})

        def answer(partner, when, score, last):
            return {
                "partner_id": partner.id,
                "user_id": partner.user_id.id,
                "kind": "nps",
                "state": "answered",
                "date_sent": when,
                "date_answered": when,
                "scored": True,
                "score": score,
                "is_last": last,
            }

        cls.env["crm.satisfaction.response"].create(
            [
                answer(cls.rosa, datetime(2025, 3, 5), 10, False),
                answer(cls.mark, datetime(2025, 3, 9), 3, True),
                answer(cls.rosa, datetime(2025, 4, 2), 8, True),
                {
                    "partner_id": cls.mark.id,
                    "user_id": cls.manager.id,
                    "kind": "nps",
                    "date_sent": datetime(2025, 4, 20),
                },
            ]
        )

    def _pivots(self):
        return {p["name"]: p for p in dashboard_pivots(self.dashboard)}

    def _read(self, pivot, user):
        """The pivot's groups as `user`, by the value of its row group-by."""
        key = pivot["rows"][0]["fieldName"]
        if pivot["rows"][0].get("granularity"):
            key = f"{key}:{pivot['rows'][0]['granularity']}"
        return {g[key]: g for g in read_pivot(self.env, pivot, user)}

    def test_dashboard_for_every_strategy_user(self):
        Dashboard = self.env["spreadsheet.dashboard"]
        self.assertIn(self.dashboard, Dashboard.with_user(self.rep).search([]))
        self.assertIn(self.dashboard, Dashboard.with_user(self.manager).search([]))

    def test_nps_by_month(self):
        nps = self._pivots()["Net Promoter Score by Month"]
        figures = self._read(nps, self.manager)
        self.assertEqual(
            {month: (g["__count"], g["nps_value"]) for month, g in figures.items()},
            {"March 2025": (2, 0.0), "April 2025": (1, 0.0)},
        )
        figures = self._read(nps, self.rep)
        self.assertEqual(
            {month: (g["__count"], g["nps_value"]) for month, g in figures.items()},
            {"March 2025": (1, 100.0), "April 2025": (1, 0.0)},
            "the rep sees Rosa's answers only",
        )

    def test_customers_by_class(self):
        classes = self._pivots()["Customers by NPS Class (Latest Answer)"]
        figures = self._read(classes, self.manager)
        self.assertEqual(
            {name: g["__count"] for name, g in figures.items()},
            {"passive": 1, "detractor": 1},
        )

    def test_response_rate(self):
        rate = self._pivots()["Survey Response Rate by Month"]
        figures = self._read(rate, self.manager)
        self.assertEqual(figures["April 2025"]["response_rate"], 50.0)
        self.assertEqual(figures["March 2025"]["response_rate"], 100.0)
