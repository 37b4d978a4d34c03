from datetime import date

from odoo.tests import tagged

from .customer_value_common import CustomerValueCase, company_goal


@tagged("post_install", "-at_install")
class TestCrmRetention(CustomerValueCase):
    """Cohorts, retention, churn and repeat purchases on hand-checked data.

    Ann buys in January 2025, twice in February and in April; Bob in January only
    (he is the manager's customer); Cleo in February and March. The January cohort is
    Ann and Bob, the February cohort is Cleo.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.ann, cls.cleo = Partner.create([{"name": "Ann"}, {"name": "Cleo"}])
        cls.bob = Partner.create({"name": "Bob", "user_id": cls.manager.id})
        d = date
        cls._orders(
            [
                (cls.ann, d(2025, 1, 5), 100.0),
                (cls.ann, d(2025, 2, 10), 100.0),
                (cls.ann, d(2025, 2, 20), 100.0),
                (cls.ann, d(2025, 4, 1), 60.0),
                (cls.bob, d(2025, 1, 20), 80.0),
                (cls.cleo, d(2025, 2, 3), 100.0),
                (cls.cleo, d(2025, 3, 3), 100.0),
            ]
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.dan = Partner.create({"name": "Dan"})
        cls._orders([(cls.dan, d(2025, 1, 7), 500.0)], company_id=cls.other_company.id)
        cls.env["crm.customer.month"]._refresh()

    def _cohorts(self, user):
        rows = (
            self.env["crm.retention.cohort.report"]
            .with_user(user)
            ._read_group(
                [("cohort_date", "<", date(2025, 3, 1)), ("month_number", "<=", 3)],
                ["cohort_date:month", "month_number"],
                ["__count", "still_buying:avg", "repeat_buyer:avg", "revenue_per_customer:avg"],
            )
        )
        return {(cohort, month): tuple(values) for cohort, month, *values in rows}

    def test_cohorts(self):
        jan, feb = date(2025, 1, 1), date(2025, 2, 1)
        self.assertEqual(
            self._cohorts(self.manager),
            {
                (jan, 0): (2, 100.0, 0.0, 90.0),
                (jan, 1): (2, 50.0, 50.0, 100.0),
                (jan, 2): (2, 0.0, 50.0, 0.0),
                (jan, 3): (2, 50.0, 50.0, 30.0),
                (feb, 0): (1, 100.0, 0.0, 100.0),
                (feb, 1): (1, 100.0, 100.0, 100.0),
                (feb, 2): (1, 0.0, 100.0, 0.0),
                (feb, 3): (1, 0.0, 100.0, 0.0),
            },
        )

    def test_cohorts_of_a_salesperson(self):
        """The rep sees the customers of nobody (Ann, Cleo), not the manager's Bob."""
        cohorts = self._cohorts(self.rep)
        self.assertEqual(cohorts[(date(2025, 1, 1), 0)], (1, 100.0, 0.0, 100.0))
        self.assertEqual(cohorts[(date(2025, 1, 1), 1)], (1, 100.0, 100.0, 200.0))

    def test_retention_and_churn_per_month(self):
        rows = (
            self.env["crm.retention.report"]
            .with_user(self.manager)
            ._read_group(
                [("date", "<=", date(2025, 6, 1))],
                ["date:month"],
                ["__count", "retention_rate:avg", "churn_rate:avg"],
            )
        )
        self.assertEqual(
            {month: tuple(values) for month, *values in rows},
            {
                # January has nobody who bought the month before: no row, no rate
                date(2025, 2, 1): (2, 50.0, 50.0),
                date(2025, 3, 1): (2, 50.0, 50.0),
                date(2025, 4, 1): (1, 0.0, 100.0),
                date(2025, 5, 1): (1, 0.0, 100.0),
            },
        )

    def test_other_company_is_not_counted(self):
        Cohort = self.env["crm.retention.cohort.report"].with_user(self.manager)
        self.assertFalse(Cohort.search_count([("partner_id", "=", self.dan.id)]))
        self.assertTrue(
            self.env["crm.retention.cohort.report"].search_count([("partner_id", "=", self.dan.id)])
        )

    def test_goal_metrics(self):
        """February and March 2025: 2 of 4 customer-months retained; by the end of
        February, Ann of Ann, Bob and Cleo has bought twice."""
        period = (date(2025, 2, 1), date(2025, 3, 31))
        self.assertEqual(company_goal(self.env, "retention_rate", *period).current_value, 50.0)
        self.assertEqual(company_goal(self.env, "churn_rate", *period).current_value, 50.0)
        repeat = company_goal(self.env, "repeat_purchase_rate", date(2025, 2, 1), date(2025, 2, 28))
        self.assertAlmostEqual(repeat.current_value, 100 / 3)
        empty = company_goal(self.env, "retention_rate", date(2025, 1, 1), date(2025, 1, 31))
        self.assertEqual(empty.current_value, 0.0)

    # The cockpit's stored totals (crm.customer.cohort) against the per-customer reports.

    def _totals(self, user, domain, groupby, measures):
        rows = (
            self.env["crm.customer.cohort"].with_user(user)._read_group(domain, groupby, measures)
        )
        return {tuple(row[: len(groupby)]): tuple(row[len(groupby) :]) for row in rows}

    def test_cohort_totals_are_the_customers_averages(self):
        """For the manager and the rep, at every grouping, the totals give the cohort
        report's figures: the shares are divided per group, never averaged."""
        measures = ["still_buying:sum", "repeat_buyer:sum", "revenue_per_customer:sum"]
        report_measures = ["still_buying:avg", "repeat_buyer:avg", "revenue_per_customer:avg"]
        for user in (self.manager, self.rep):
            for groupby in (["cohort_date:month", "month_number"], ["date:month"], ["user_id"], []):
                with self.subTest(user=user.login, groupby=groupby):
                    totals = self._totals(user, [], groupby, ["customers:sum", *measures])
                    rows = (
                        self.env["crm.retention.cohort.report"]
                        .with_user(user)
                        ._read_group([], groupby, ["__count", *report_measures])
                    )
                    expected = {tuple(r[: len(groupby)]): tuple(r[len(groupby) :]) for r in rows}
                    self.assertEqual(totals.keys(), expected.keys())
                    for key, values in expected.items():
                        self.assertEqual(totals[key][0], values[0])
                        for got, want in zip(totals[key][1:], values[1:], strict=True):
                            self.assertAlmostEqual(got, want)

    def test_cohort_totals_hand_checked(self):
        """January 2025's cohort in February: Ann bought (twice, 200), Bob did not."""
        jan, feb = date(2025, 1, 1), date(2025, 2, 1)
        totals = self._totals(
            self.manager,
            [("cohort_date", "=", jan), ("date", "=", feb)],
            [],
            [
                "customers:sum",
                "buyers:sum",
                "still_buying:sum",
                "repeat_buyer:sum",
                "revenue_per_customer:sum",
                "last_month_buyers:sum",
                "retention_rate:sum",
                "churn_rate:sum",
            ],
        )
        self.assertEqual(totals[()], (2, 1, 50.0, 50.0, 100.0, 2, 50.0, 50.0))
        # Bob's row (the manager's) and the unassigned row (Ann) are stored apart
        rows = self.env["crm.customer.cohort"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("cohort_date", "=", jan),
                ("date", "=", feb),
            ]
        )
        self.assertEqual(
            {(r.user_id, r.customers, r.buyers, r.revenue) for r in rows},
            {(self.manager, 1, 0, 0.0), (self.env["res.users"], 1, 1, 200.0)},
        )

    def test_retention_totals_are_the_retention_report(self):
        for user in (self.manager, self.rep):
            with self.subTest(user=user.login):
                totals = self._totals(
                    user,
                    [("last_month_buyers", ">", 0)],
                    ["date:month"],
                    ["last_month_buyers:sum", "retention_rate:sum", "churn_rate:sum"],
                )
                rows = (
                    self.env["crm.retention.report"]
                    .with_user(user)
                    ._read_group(
                        [], ["date:month"], ["__count", "retention_rate:avg", "churn_rate:avg"]
                    )
                )
                self.assertEqual(totals, {(month,): tuple(values) for month, *values in rows})

    def test_empty_month_has_no_rate(self):
        """In a cohort's first month nobody bought the month before: no rate, not 0 %."""
        totals = self._totals(
            self.manager,
            [("date", "=", date(2025, 1, 1))],
            [],
            ["last_month_buyers:sum", "retention_rate:sum", "churn_rate:sum"],
        )
        self.assertEqual(totals[()], (0, False, False))

    def test_cohort_totals_follow_a_new_salesperson(self):
        """Bob given to the rep: after the next refresh (no order changed), the rep's
        January cohort holds both customers."""
        jan = date(2025, 1, 1)
        domain = [("cohort_date", "=", jan), ("month_number", "=", 0)]
        self.assertEqual(self._totals(self.rep, domain, [], ["customers:sum"])[()], (1,))
        self.bob.user_id = self.rep
        self.env["crm.customer.month"]._refresh()
        self.assertEqual(self._totals(self.rep, domain, [], ["customers:sum"])[()], (2,))

    def test_cohort_totals_of_another_company(self):
        other_manager = self.manager.copy(
            {
                "login": "cohort_other_manager",
                "company_id": self.other_company.id,
                "company_ids": [self.other_company.id],
            }
        )
        first_months = [("month_number", "=", 0)]
        totals = self._totals(other_manager, first_months, [], ["customers:sum", "revenue:sum"])
        self.assertEqual(totals[()], (1, 500.0))
        mine = self._totals(self.manager, [], ["company_id"], ["customers:sum"])
        self.assertEqual(list(mine), [(self.env.company,)])

    def test_cohort_totals_open_their_customers(self):
        row = self.env["crm.customer.cohort"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("cohort_date", "=", date(2025, 1, 1)),
                ("month_number", "=", 0),
                ("user_id", "=", False),
            ]
        )
        action = row.with_user(self.rep).action_view_customers()
        customers = (
            self.env["crm.retention.cohort.report"].with_user(self.rep).search(action["domain"])
        )
        self.assertEqual(customers.partner_id, self.ann)
