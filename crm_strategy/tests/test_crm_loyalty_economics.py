from datetime import date, datetime

from odoo.tests import tagged

from .common_loyalty import LoyaltyLedgerCase
from .customer_value_common import company_goal


@tagged("post_install", "-at_install")
class TestCrmLoyaltyEconomics(LoyaltyLedgerCase):
    """Points issued, redeemed, expired, outstanding and their value, on hand-checked data.

    Carla (nobody's customer) earns 100 in January 2025 and redeems 30, earns 50 in
    February (an order later cancelled: reversed today) and 20 of her points expire in
    February. Bob (the manager's customer, Gold tier) earns 200 in January. A point is
    worth 0.5.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.crm_point_value = 0.5
        cls.gold = cls.env["crm.loyalty.tier"].create(
            {"name": "Gold", "program_id": cls.program.id, "min_points": 150}
        )
        cls.bob = cls.env["res.partner"].create({"name": "Bob", "user_id": cls.manager.id})
        cls.bob_card = cls.env["loyalty.card"].create(
            {"program_id": cls.program.id, "partner_id": cls.bob.id}
        )

        def entry(card, entry_type, points, day):
            return {
                "card": card,
                "entry_type": entry_type,
                "points": points,
                "date": datetime(day.year, day.month, day.day, 12),
                "reason": "test",
            }

        ledger = cls.Ledger.sudo()
        ledger._post_entries([entry(cls.card, "earn", 100, date(2025, 1, 10))])
        ledger._post_entries([entry(cls.card, "redeem", -30, date(2025, 1, 20))])
        ledger._post_entries([entry(cls.bob_card, "earn", 200, date(2025, 1, 15))])
        cancelled = ledger._post_entries([entry(cls.card, "earn", 50, date(2025, 2, 5))])
        ledger._post_entries([entry(cls.card, "expire", -20, date(2025, 2, 28))])
        cancelled._reverse("order cancelled")
        cls.bob_card.sudo().crm_tier_id = cls.gold
        cls.env["crm.loyalty.month"]._refresh()

    def _figures(self, domain, groupby, user=None, model="crm.loyalty.economics.report"):
        Report = self.env[model]
        if user:
            Report = Report.with_user(user)
        rows = Report._read_group(
            domain,
            groupby,
            [
                "points:sum",
                "liability:sum",
                "points_issued:sum",
                "points_redeemed:sum",
                "points_expired:sum",
                "redemption_rate:sum",
                "active_members:sum",
            ],
        )
        return {tuple(row[: len(groupby)]): tuple(row[len(groupby) :]) for row in rows}

    def test_points_per_month(self):
        figures = self._figures(
            [("date", "<", datetime(2025, 6, 1))], ["date:month"], user=self.manager
        )
        self.assertEqual(
            figures,
            {
                (datetime(2025, 1, 1),): (270.0, 135.0, 300.0, 30.0, 0.0, 10.0, 2),
                (datetime(2025, 2, 1),): (30.0, 15.0, 50.0, 0.0, 20.0, 0.0, 1),
            },
        )

    def test_outstanding_points_and_liability(self):
        """What members hold now, by tier: the cancelled order's points are gone."""
        figures = self._figures([], ["tier_id"], user=self.manager)
        Tier = self.env["crm.loyalty.tier"]
        self.assertEqual(figures[(self.gold,)][:3], (200.0, 100.0, 200.0))
        # Carla: 100 - 30 + 50 - 20 - 50 (reversal) = 50 points, worth 25; issued 100 + 50 - 50
        self.assertEqual(figures[(Tier,)][:3], (50.0, 25.0, 100.0))
        self.assertEqual(self.card.points, 50.0, "the report agrees with the card")

    def test_empty_period(self):
        self.assertEqual(
            self._figures(
                [("date", ">=", datetime(2025, 3, 1)), ("date", "<", datetime(2025, 4, 1))], []
            ),
            {(): (0.0, 0.0, 0.0, 0.0, 0.0, False, 0)},
        )

    def test_salesperson_sees_own_and_unassigned_members(self):
        figures = self._figures([], [], user=self.rep)
        self.assertEqual(figures[()][:2], (50.0, 25.0))

    def test_goal_metrics(self):
        jan = (date(2025, 1, 1), date(2025, 1, 31))
        self.assertEqual(company_goal(self.env, "redemption_rate", *jan).current_value, 10.0)
        self.assertEqual(company_goal(self.env, "active_members", *jan).current_value, 2)
        # held at the end of February: 270 + 30 points (the reversal came later), at 0.5
        liability = company_goal(self.env, "points_liability", date(2025, 2, 1), date(2025, 2, 28))
        self.assertEqual(liability.current_value, 150.0)
        march = company_goal(self.env, "redemption_rate", date(2025, 3, 1), date(2025, 3, 31))
        self.assertEqual(march.current_value, 0.0, "nothing issued: no division by zero")

    def _agree(self):
        """The cockpit's monthly report gives the entries' figures, per month and tier, to
        a manager and to a salesperson."""
        monthly = "crm.loyalty.economics.month.report"
        for user in (self.manager, self.rep):
            for groupby in (["date:month"], ["tier_id"], ["entry_type"], []):
                with self.subTest(user=user.login, groupby=groupby):
                    entries = {
                        tuple(k.date() if isinstance(k, datetime) else k for k in key): value
                        for key, value in self._figures([], groupby, user).items()
                    }
                    self.assertEqual(self._figures([], groupby, user, model=monthly), entries)

    def test_monthly_report_agrees_with_the_entries(self):
        self._agree()
        self.assertEqual(
            self._figures([], ["date:month"], self.manager, "crm.loyalty.economics.month.report")[
                (date(2025, 1, 1),)
            ],
            (270.0, 135.0, 300.0, 30.0, 0.0, 10.0, 2),
        )

    def test_monthly_report_after_new_entries(self):
        """Entries posted after the last refresh count after the next one: a March
        redemption of Bob's, then its reversal, then a new earning of Carla's."""
        ledger = self.Ledger.sudo()
        redeem = ledger._post_entries(
            [
                {
                    "card": self.bob_card,
                    "entry_type": "redeem",
                    "points": -40,
                    "date": datetime(2025, 3, 3, 12),
                    "reason": "test",
                }
            ]
        )
        self.env["crm.loyalty.month"]._refresh()
        self._agree()
        redeem._reverse("mistake")
        ledger._post_entries(
            [
                {
                    "card": self.card,
                    "entry_type": "earn",
                    "points": 10,
                    "date": datetime(2025, 3, 9, 12),
                    "reason": "test",
                }
            ]
        )
        self.env["crm.loyalty.month"]._refresh()
        self._agree()

    def _agree_per_card(self):
        """The cockpit's per-card report gives the entries' figures over all dates, per
        tier, program and member, to a manager and to a salesperson: active members are
        distinct cards."""
        per_card = "crm.loyalty.economics.card.report"
        for user in (self.manager, self.rep):
            for groupby in (["tier_id"], ["program_id"], ["partner_id"], []):
                with self.subTest(user=user.login, groupby=groupby):
                    self.assertEqual(
                        self._figures([], groupby, user, model=per_card),
                        self._figures([], groupby, user),
                    )

    def test_card_report_agrees_with_the_entries(self):
        self._agree_per_card()
        figures = self._figures([], ["tier_id"], self.manager, "crm.loyalty.economics.card.report")
        # Carla (no tier): 50 points held, worth 25, 100 issued, 30 redeemed, 20 expired;
        # Bob (Gold): 200 held, issued, nothing redeemed
        self.assertEqual(
            figures[(self.env["crm.loyalty.tier"],)], (50.0, 25.0, 100.0, 30.0, 20.0, 30.0, 1)
        )
        self.assertEqual(figures[(self.gold,)], (200.0, 100.0, 200.0, 0.0, 0.0, 0.0, 1))
        rep = self._figures([], [], self.rep, "crm.loyalty.economics.card.report")
        self.assertEqual(rep[()][:2], (50.0, 25.0), "the rep does not see Bob's card")
        nobody = [("partner_id", "=", False)]
        self.assertEqual(
            self._figures(nobody, [], model="crm.loyalty.economics.card.report"),
            {(): (0.0, 0.0, 0.0, 0.0, 0.0, False, 0)},
            "no card: no active member, no division by zero",
        )

    def test_card_report_after_new_entries(self):
        """A redemption of Bob's posted after the last refresh counts after the next one,
        and his card stays one active member."""
        self.Ledger.sudo()._post_entries(
            [
                {
                    "card": self.bob_card,
                    "entry_type": "redeem",
                    "points": -40,
                    "date": datetime(2025, 3, 3, 12),
                    "reason": "test",
                }
            ]
        )
        self.env["crm.loyalty.month"]._refresh()
        self._agree_per_card()
        figures = self._figures([], ["tier_id"], self.manager, "crm.loyalty.economics.card.report")
        self.assertEqual(figures[(self.gold,)], (160.0, 80.0, 200.0, 40.0, 0.0, 20.0, 1))
