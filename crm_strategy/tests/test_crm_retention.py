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
