from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .customer_value_common import CustomerValueCase


@tagged("post_install", "-at_install")
class TestCrmCustomerMonth(CustomerValueCase):
    """The cockpit's stored customer-months stay right as orders change between refreshes.

    Ann buys in January 2025 (through Search Ads, 100) and in March 2025 (through the
    Partner Blog, 50); Bob, the manager's customer, in February 2025 (80). Dan buys
    in another company in January 2025. The orders were written before the first
    refresh (yesterday), so the next refreshes only rewrite what changed since.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Source = cls.env["utm.source"]
        cls.google, cls.blog = Source.create([{"name": "Search Ads"}, {"name": "Partner Blog"}])
        Partner = cls.env["res.partner"]
        cls.ann = Partner.create({"name": "Ann"})
        cls.bob = Partner.create({"name": "Bob", "user_id": cls.manager.id})
        cls.ann_january = cls._orders([(cls.ann, date(2025, 1, 5), 100.0)], source_id=cls.google.id)
        cls._orders([(cls.ann, date(2025, 3, 10), 50.0)], source_id=cls.blog.id)
        cls._orders([(cls.bob, date(2025, 2, 14), 80.0)], source_id=cls.google.id)
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.dan = Partner.create({"name": "Dan"})
        cls._orders([(cls.dan, date(2025, 1, 7), 500.0)], company_id=cls.other_company.id)
        cls.env["sale.order"].flush_model()
        cls.env.cr.execute("UPDATE sale_order SET write_date = write_date - interval '1 day'")
        cls.env["crm.customer.month"]._refresh()

    def _months(self, partner, company=None):
        """(month, orders, orders to date, bought last month, revenue) of `partner`."""
        rows = self.env["crm.customer.month"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", (company or self.company).id),
                ("month", "<=", date(2025, 5, 1)),
            ]
        )
        return [(r.month, r.orders, r.orders_to_date, r.bought_last_month, r.revenue) for r in rows]

    def _new_customers(self):
        """New customers per (month, source) of the acquisition report."""
        rows = self.env["crm.acquisition.report"]._read_group(
            [("company_id", "=", self.company.id), ("new_customers", ">", 0)],
            ["date:month", "source_id"],
            ["new_customers:sum"],
        )
        return {(month, source.name): count for month, source, count in rows}

    def _cohort(self, partner):
        rows = self.env["crm.retention.cohort.report"].search(
            [("partner_id", "=", partner.id), ("month_number", "<=", 2)]
        )
        return [(r.cohort_date, r.month_number, r.still_buying, r.repeat_buyer) for r in rows]

    def test_months_of_a_customer(self):
        """One row a month from the first purchase on, months without purchase included."""
        jan, feb, mar, apr, may = (date(2025, m, 1) for m in range(1, 6))
        self.assertEqual(
            self._months(self.ann),
            [
                (jan, 1, 1, False, 100.0),
                (feb, 0, 1, True, 0.0),
                (mar, 1, 2, False, 50.0),
                (apr, 0, 2, True, 0.0),
                (may, 0, 2, False, 0.0),
            ],
        )
        last = self.env["crm.customer.month"].search(
            [("partner_id", "=", self.ann.id)], order="month desc", limit=1
        )
        self.assertEqual(last.month, date.today().replace(day=1), "up to the current month")
        self.assertEqual(self._new_customers(), {(jan, "Search Ads"): 1, (feb, "Search Ads"): 1})

    def test_cancel_redraft_reconfirm(self):
        """Ann's first order cancelled: she is a customer of March, brought by the blog;
        back to quotation, the same; confirmed again: January, Search Ads, as before."""
        jan, feb, mar = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
        Facts = self.env["crm.customer.month"]
        bob_rows = Facts.search([("partner_id", "=", self.bob.id)])

        self.ann_january._action_cancel()
        Facts._refresh()
        self.assertEqual(self._months(self.ann)[0], (mar, 1, 1, False, 50.0))
        self.assertEqual(self._new_customers(), {(mar, "Partner Blog"): 1, (feb, "Search Ads"): 1})
        self.assertEqual(self._cohort(self.ann)[:2], [(mar, 0, 100.0, 0.0), (mar, 1, 0.0, 0.0)])
        self.assertEqual(
            Facts.search([("partner_id", "=", self.bob.id)]),
            bob_rows,
            "customers without a changed order are not rewritten",
        )

        self.ann_january.action_draft()
        Facts._refresh()
        self.assertEqual(self._months(self.ann)[0], (mar, 1, 1, False, 50.0))

        self.ann_january.write({"state": "sale"})
        Facts._refresh()
        self.assertEqual(self._months(self.ann)[0], (jan, 1, 1, False, 100.0))
        self.assertEqual(self._months(self.ann)[2], (mar, 1, 2, False, 50.0))
        self.assertEqual(self._new_customers(), {(jan, "Search Ads"): 1, (feb, "Search Ads"): 1})
        self.assertEqual(
            self._cohort(self.ann),
            [(jan, 0, 100.0, 0.0), (jan, 1, 0.0, 0.0), (jan, 2, 100.0, 100.0)],
        )

    def test_customer_who_no_longer_bought(self):
        """All of Bob's orders cancelled: he leaves the cohorts and the new customers."""
        self.env["sale.order"].search([("partner_id", "=", self.bob.id)])._action_cancel()
        self.env["crm.customer.month"]._refresh()
        self.assertFalse(self._months(self.bob))
        self.assertFalse(self._cohort(self.bob))
        self.assertEqual(self._new_customers(), {(date(2025, 1, 1), "Search Ads"): 1})

    def test_merged_customers(self):
        """Bob merged into Ann with Odoo's merge wizard: his order is re-pointed in SQL,
        unwritten. The next nightly refresh gives Ann her three orders, February's too."""
        jan, feb, mar = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            [self.ann.id, self.bob.id], self.ann, extra_checks=False
        )
        self.assertFalse(self.bob.exists())
        self.env["crm.customer.month"]._refresh()
        self.assertEqual(
            self._months(self.ann)[:3],
            [(jan, 1, 1, False, 100.0), (feb, 1, 2, True, 80.0), (mar, 1, 3, True, 50.0)],
        )
        self.assertEqual(self._new_customers(), {(jan, "Search Ads"): 1})

    def test_contact_moved_to_another_customer(self):
        """Ann's contact Eve ordered in April 2025 as Ann; moved to Bob's company, her
        order is Bob's: both customers are rewritten, though no order was written."""
        apr = date(2025, 4, 1)
        eve = self.env["res.partner"].create({"name": "Eve", "parent_id": self.ann.id})
        self._orders([(eve, apr, 40.0)])
        self.env["sale.order"].flush_model()
        self.env.cr.execute("UPDATE sale_order SET write_date = write_date - interval '1 day'")
        Facts = self.env["crm.customer.month"]
        Facts._refresh(full=True)
        self.assertEqual(self._months(self.ann)[3], (apr, 1, 3, True, 40.0))

        self.bob.is_company = True
        eve.parent_id = self.bob
        Facts._refresh()
        self.assertEqual(self._months(self.ann)[3], (apr, 0, 2, True, 0.0))
        self.assertEqual(self._months(self.bob)[2], (apr, 1, 2, False, 40.0))

    def test_new_month(self):
        """In a new month every customer gains a row, even without an order."""
        with freeze_time("2031-02-10"):
            self.env["crm.customer.month"]._refresh()
        rows = self.env["crm.customer.month"].search(
            [("month", "=", date(2031, 2, 1)), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(
            {(r.partner_id, r.orders, r.orders_to_date, r.bought_last_month) for r in rows},
            {(self.ann, 0, 2, False), (self.bob, 0, 1, False)},
        )

    def test_other_company(self):
        """Each company has its customers, cohorts and refresh; a manager sees their own."""
        self.assertEqual(
            self._months(self.dan, self.other_company)[0][:3], (date(2025, 1, 1), 1, 1)
        )
        self.assertFalse(self._months(self.dan))
        self.env["crm.customer.month"]._refresh(self.company, full=True)
        self.assertTrue(self._months(self.dan, self.other_company), "not the refreshed company")
        Facts = self.env["crm.customer.month"].with_user(self.manager)
        self.assertEqual(Facts.search([]).company_id, self.company)
        Cohorts = self.env["crm.retention.cohort.report"].with_user(self.manager)
        self.assertFalse(Cohorts.search_count([("partner_id", "=", self.dan.id)]))

    def test_salesperson_sees_own_customers(self):
        """The rep's cohorts and churn hold Ann (nobody's), never the manager's Bob."""
        for model in ("crm.retention.cohort.report", "crm.retention.report"):
            rows = self.env[model].with_user(self.rep).search([])
            self.assertEqual(rows.partner_id, self.ann, model)
            rows = self.env[model].with_user(self.manager).search([])
            self.assertEqual(rows.partner_id, self.ann | self.bob, model)

    def test_company_without_orders(self):
        empty = self.env["res.company"].create({"name": "Empty Co"})
        self.assertEqual(self.env["crm.customer.month"]._refresh(empty), 0)
        self.assertFalse(self.env["crm.customer.month"].search([("company_id", "=", empty.id)]))

    def test_cron_refreshes_one_company_per_run(self):
        Facts = self.env["crm.customer.month"]
        self.env["ir.config_parameter"].search(
            [("key", "=like", "crm_strategy.customer_month_refreshed.%")]
        ).unlink()
        self.env["sale.order"].search([("partner_id", "=", self.bob.id)])._action_cancel()
        Facts._cron_refresh()  # the first company only
        self.assertFalse(self._months(self.bob))
        self.assertTrue(self._months(self.dan, self.other_company))
        for _company in range(self.env["res.company"].search_count([])):
            Facts._cron_refresh()
        params = self.env["ir.config_parameter"].search(
            [("key", "=like", "crm_strategy.customer_month_refreshed.%")]
        )
        self.assertEqual(len(params), self.env["res.company"].search_count([]))
