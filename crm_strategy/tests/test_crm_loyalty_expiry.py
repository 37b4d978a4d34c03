from datetime import date, timedelta

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_loyalty import LoyaltyLedgerCase

D0 = date(2026, 1, 1)


@tagged("post_install", "-at_install")
class TestLoyaltyExpiry(LoyaltyLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.crm_points_validity_days = 30

    def _at(self, days):
        return freeze_time(D0 + timedelta(days=days))

    def _history(self):
        with self._at(0):
            self.card._crm_earn(100, "January order")
        with self._at(10):
            self.card._crm_earn(50, "Second order")
        with self._at(20):
            self.card._crm_redeem(30, "Mug")

    def test_fifo_expiry_with_frozen_time(self):
        self._history()
        lots = self._entries(entry_type="earn")
        self.assertEqual(
            lots.mapped("expiry_date"), [D0 + timedelta(days=30), D0 + timedelta(days=40)]
        )
        with self._at(29):
            self.Ledger._cron_expire_points()
            self.assertFalse(self._entries(entry_type="expire"))
        with self._at(31):
            self.Ledger._cron_expire_points()
            # the redemption used the oldest points: 70 of the first 100 are left and expire
            expired = self._entries(entry_type="expire")
            self.assertEqual(expired.points, -70)
            self.assertEqual(expired.origin_entry_id, lots[0])
            self.assertEqual(self.card.points, 50)
            # running again the same day changes nothing
            self.Ledger._cron_expire_points()
            self.assertEqual(len(self._entries(entry_type="expire")), 1)
        with self._at(41):
            self.Ledger._cron_expire_points()
            self.assertEqual(self._entries(entry_type="expire").mapped("points"), [-70, -50])
            self.assertEqual(self.card.points, 0)
        self.assertBalanced(self.card)

    def test_fully_spent_points_do_not_expire(self):
        with self._at(0):
            self.card._crm_earn(100, "January order")
        with self._at(5):
            self.card._crm_redeem(100, "Espresso machine")
        with self._at(31):
            self.Ledger._cron_expire_points()
        self.assertFalse(self._entries(entry_type="expire"))
        self.assertEqual(self.card.points, 0)

    def test_members_see_upcoming_expiries(self):
        self._history()
        with self._at(20):
            self.card.invalidate_recordset()
            self.assertEqual(self.card.crm_next_expiry_date, D0 + timedelta(days=30))
            self.assertEqual(self.card.crm_next_expiry_points, 70)
            upcoming = self.card._crm_upcoming_expiries()[self.card.id]
            self.assertEqual(
                upcoming, [(D0 + timedelta(days=30), 70), (D0 + timedelta(days=40), 50)]
            )

    def test_expired_points_cannot_be_redeemed_before_the_cron_runs(self):
        self._history()
        with self._at(35):
            self.assertEqual(self.card.points, 120)
            with self.assertRaisesRegex(UserError, "50.0 points available"):
                self.card._crm_redeem(60, "Grinder")
            self.card._crm_redeem(40, "Cups")
            self.assertEqual(self._entries(entry_type="expire").points, -70)
            self.assertEqual(self.card.points, 10)
        self.assertBalanced(self.card)

    def test_never_expiring_program(self):
        self.program.crm_points_validity_days = 0
        with self._at(0):
            self.card._crm_earn(100, "January order")
        with self._at(3650):
            self.Ledger._cron_expire_points()
        self.assertFalse(self._entries(entry_type="expire"))
        self.assertFalse(self._entries(entry_type="earn").expiry_date)
        self.assertEqual(self.card.points, 100)

    def test_negative_validity_refused(self):
        with (
            self.assertRaises(psycopg2.errors.CheckViolation),
            self.cr.savepoint(),
            mute_logger("odoo.sql_db"),
        ):
            self.program.crm_points_validity_days = -1
            self.env.flush_all()
        with self.assertRaises(ValidationError):
            self.Ledger._post_entries(
                [
                    {
                        "card": self.card,
                        "entry_type": "earn",
                        "points": 1,
                        "reason": "x",
                        "expiry_date": date(2000, 1, 1),
                    }
                ]
            )
