from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common_loyalty import LoyaltyLedgerCase

D0 = date(2026, 1, 1)


@tagged("post_install", "-at_install")
class TestLoyaltyTiers(LoyaltyLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.write(
            {
                "crm_tier_period_days": 365,
                "crm_tier_grace_days": 30,
                "crm_tier_ids": [
                    Command.create({"name": "Silver", "min_points": 100, "multiplier": 1.0}),
                    Command.create({"name": "Gold", "min_points": 300, "multiplier": 1.5}),
                ],
            }
        )
        cls.silver, cls.gold = cls.program.crm_tier_ids.sorted("min_points")

    def test_upgrade_multiplier_and_downgrade_after_grace(self):
        with freeze_time(D0):
            self._order(qty=12).action_confirm()  # 120 points: Silver at once
            self.assertEqual(self.card.crm_tier_id, self.silver)
            self._order(qty=20).action_confirm()  # 320 points: Gold
            self.assertEqual(self.card.crm_tier_id, self.gold)
            self.assertEqual(self.customer.crm_loyalty_tier_id, self.gold)
            order = self._order(qty=2)
            order.action_confirm()
            bonus = self._entries(entry_type="tier_bonus", source_id=order.id)
            self.assertEqual(bonus.points, 10)  # 20 earned x 1.5
            self.assertEqual(self.card.points, 350)
        with freeze_time(D0 + timedelta(days=370)):
            self.card._cron_evaluate_tiers()
            self.assertEqual(self.card.crm_tier_id, self.gold, "grace period")
            self.assertEqual(self.card.crm_tier_below_since, D0 + timedelta(days=370))
        with freeze_time(D0 + timedelta(days=400)):
            self.card._cron_evaluate_tiers()
            self.assertFalse(self.card.crm_tier_id)
        history = self.card.crm_tier_history_ids.sorted("id")
        self.assertEqual(history.mapped("change"), ["upgrade", "upgrade", "downgrade"])
        self.assertEqual(history.mapped("tier_id"), self.silver | self.gold)
        self.assertEqual(history[-1].previous_tier_id, self.gold)
        self.assertBalanced(self.card)

    def test_requalifying_during_grace_keeps_the_tier(self):
        with freeze_time(D0):
            self.card._crm_earn(150, "Order")
        with freeze_time(D0 + timedelta(days=370)):
            self.card._cron_evaluate_tiers()
            self.assertTrue(self.card.crm_tier_below_since)
            self.card._crm_earn(120, "Order")
            self.assertEqual(self.card.crm_tier_id, self.silver)
            self.assertFalse(self.card.crm_tier_below_since)
        self.assertEqual(len(self.card.crm_tier_history_ids), 1)


@tagged("post_install", "-at_install")
class TestLoyaltyReferral(LoyaltyLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program.write({"crm_referrer_points": 50, "crm_referee_points": 20})
        cls.friend = cls.env["res.partner"].create(
            {"name": "Fred Friend", "crm_referred_by_id": cls.customer.id}
        )

    def test_bonus_once_when_first_order_is_paid(self):
        order = self._order(qty=1, partner=self.friend)
        order.action_confirm()
        self.assertFalse(self.Ledger.search([("entry_type", "=", "referral")]))
        self._pay(order)
        referrals = self.Ledger.search([("entry_type", "=", "referral")])
        self.assertEqual(
            sorted(referrals.mapped(lambda e: (e.partner_id.name, e.points))),
            [("Carla Customer", 50.0), ("Fred Friend", 20.0)],
        )
        self.assertEqual(self.card.points, 50)
        second = self._order(qty=1, partner=self.friend)
        second.action_confirm()
        self._pay(second)
        self.assertEqual(len(self.Ledger.search([("entry_type", "=", "referral")])), 2)

    def test_self_referral_and_loops_refused(self):
        with self.assertRaisesRegex(ValidationError, "refer themselves"):
            self.customer.crm_referred_by_id = self.customer
        with self.assertRaisesRegex(ValidationError, "loop"):
            self.customer.crm_referred_by_id = self.friend
        contact = self.env["res.partner"].create(
            {"name": "Carla's assistant", "parent_id": self.customer.id}
        )
        with self.assertRaises(ValidationError):
            contact.crm_referred_by_id = self.customer
