from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .customer_value_common import CustomerValueCase, company_goal


@tagged("post_install", "-at_install")
class TestCrmAcquisition(CustomerValueCase):
    """CAC and CLV:CAC per channel and month, on hand-checked data.

    January 2025: Google (Search Ads) spends 300 and brings Ann (her order's source) and
    Bob (his opportunity's source): CAC 150. Newsletter (Partner Blog) spends 100 and
    brings nobody: no CAC, CLV:CAC 0. Ann's second order (February, Newsletter) is not a
    new customer. February: Google spends 0 and brings Cleo: CAC 0, no CLV:CAC. March:
    nothing.
    Dora's first order has no channel.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Source = cls.env["utm.source"]
        cls.google, cls.newsletter = Source.create(
            [{"name": "Search Ads"}, {"name": "Partner Blog"}]
        )
        cls.ann, cls.bob, cls.cleo, cls.dora = cls.env["res.partner"].create(
            [{"name": name} for name in ("Ann", "Bob", "Cleo", "Dora")]
        )
        lead = cls.env["crm.lead"].create(
            {"name": "Bob's deal", "type": "opportunity", "source_id": cls.google.id}
        )
        cls._orders([(cls.ann, date(2025, 1, 5), 100.0)], source_id=cls.google.id)
        cls._orders([(cls.bob, date(2025, 1, 20), 100.0)], opportunity_id=lead.id)
        cls._orders([(cls.ann, date(2025, 2, 10), 100.0)], source_id=cls.newsletter.id)
        cls._orders([(cls.cleo, date(2025, 2, 3), 100.0)], source_id=cls.google.id)
        cls._orders([(cls.dora, date(2025, 1, 15), 100.0)])
        Spend = cls.env["crm.marketing.spend"]
        Spend.create(
            [
                {"date": date(2025, 1, 1), "source_id": cls.google.id, "amount": 200.0},
                {"date": date(2025, 1, 31), "source_id": cls.google.id, "amount": 100.0},
                {"date": date(2025, 1, 15), "source_id": cls.newsletter.id, "amount": 100.0},
                {"date": date(2025, 2, 1), "source_id": cls.google.id, "amount": 0.0},
            ]
        )
        # lifetime values as the RFM & CLV refresh would have stored them
        cls.env["crm.customer.value"].create(
            [
                {"partner_id": partner.id, "company_id": cls.company.id, "clv_total": clv}
                for partner, clv in ((cls.ann, 600.0), (cls.bob, 300.0), (cls.cleo, 90.0))
            ]
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        Spend.create(
            {
                "date": date(2025, 1, 10),
                "source_id": cls.google.id,
                "amount": 5000.0,
                "company_id": cls.other_company.id,
            }
        )
        cls.env["crm.customer.month"]._refresh()

    def _figures(self, domain, groupby, user=None):
        Report = self.env["crm.acquisition.report"]
        if user:
            Report = Report.with_user(user)
        rows = Report._read_group(
            [("company_id", "=", self.company.id), *domain],
            groupby,
            ["spend:sum", "new_customers:sum", "cac:sum", "clv_cac_ratio:sum"],
        )
        return {row[: len(groupby)]: row[len(groupby) :] for row in rows}

    def test_cac_per_channel_and_month(self):
        figures = self._figures([], ["date:month", "source_id"], user=self.manager)
        self.assertEqual(
            figures,
            {
                (date(2025, 1, 1), self.google): (300.0, 2, 150.0, 3.0),
                (date(2025, 1, 1), self.newsletter): (100.0, 0, False, 0.0),
                (date(2025, 1, 1), self.env["utm.source"]): (0.0, 1, 0.0, False),
                (date(2025, 2, 1), self.google): (0.0, 1, 0.0, False),
            },
        )

    def test_cac_per_quarter_divides_sums(self):
        """Over the quarter Google spent 300 for 3 customers: CAC 100, not the average of
        the months' CACs (75); their lifetime value 990 is 3.3 times the spend."""
        figures = self._figures([("source_id", "=", self.google.id)], ["date:quarter"])
        spend, customers, cac, ratio = figures[(date(2025, 1, 1),)]
        self.assertEqual((spend, customers, cac), (300.0, 3, 100.0))
        self.assertAlmostEqual(ratio, 3.3)

    def test_empty_period_and_zero_spend(self):
        self.assertEqual(self._figures([("date", ">=", date(2025, 3, 1))], ["date:month"]), {})
        spend, customers, cac, ratio = self._figures(
            [("date", "=", date(2025, 2, 1)), ("source_id", "=", self.google.id)], []
        )[()]
        self.assertEqual((spend, customers, cac, ratio), (0.0, 1, 0.0, False))

    def test_company_and_access(self):
        """A manager sees their company's spend only; salespeople see no acquisition cost."""
        Report = self.env["crm.acquisition.report"].with_user(self.manager)
        spend = sum(Report.search([("source_id", "=", self.google.id)]).mapped("spend"))
        self.assertEqual(spend, 300.0)
        with self.assertRaises(AccessError):
            self.env["crm.acquisition.report"].with_user(self.rep).search([])
        with self.assertRaises(AccessError):
            self.env["crm.marketing.spend"].with_user(self.rep).search([])

    def test_spend_needs_a_channel_and_a_positive_amount(self):
        Spend = self.env["crm.marketing.spend"].with_user(self.manager)
        with self.assertRaises(ValidationError):
            Spend.create({"date": date(2025, 1, 1), "amount": 10.0})

    def test_import_spend_from_csv(self):
        """Odoo's standard import reads a spreadsheet of spend lines."""
        csv = (
            b"Date,Source,Medium,Amount,Notes\n"
            b"2025-03-01,Search Ads,,250.50,March search ads\n"
            b"2025-03-01,Partner Blog,Email,40,\n"
        )
        wizard = (
            self.env["base_import.import"]
            .with_user(self.manager)
            .create({"res_model": "crm.marketing.spend", "file": csv, "file_type": "text/csv"})
        )
        result = wizard.execute_import(
            ["date", "source_id", "medium_id", "amount", "notes"],
            ["Date", "Source", "Medium", "Amount", "Notes"],
            {
                "has_headers": True,
                "separator": ",",
                "quoting": '"',
                "date_format": "%Y-%m-%d",
                "float_thousand_separator": ",",
                "float_decimal_separator": ".",
                "name_create_enabled_fields": {"medium_id": True},
            },
        )
        self.assertFalse(result["messages"], result["messages"])
        figures = self._figures([("date", "=", date(2025, 3, 1))], ["source_id"])
        self.assertEqual(figures[(self.google,)][0], 250.5)
        self.assertEqual(figures[(self.newsletter,)][0], 40.0)

    def test_goal_metrics(self):
        """Q1 2025: 400 spent, 4 new customers (Dora by no channel) worth 990."""
        q1 = (date(2025, 1, 1), date(2025, 3, 31))
        self.assertEqual(company_goal(self.env, "cac", *q1).current_value, 100.0)
        self.assertAlmostEqual(
            company_goal(self.env, "clv_cac_ratio", *q1).current_value, 990 / 400
        )
        google = company_goal(
            self.env, "cac", *q1, filter_domain=f"[('source_id', '=', {self.google.id})]"
        )
        self.assertEqual(google.current_value, 100.0)
        march = company_goal(self.env, "cac", date(2025, 3, 1), date(2025, 3, 31))
        self.assertEqual(march.current_value, 0.0, "an empty period measures 0, no error")
        self.assertEqual(march.baseline_value, 0.0, "February: no spend, one customer")
