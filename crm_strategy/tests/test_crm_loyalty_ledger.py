from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common_loyalty import LoyaltyLedgerCase


@tagged("post_install", "-at_install")
class TestLoyaltyLedger(LoyaltyLedgerCase):
    def test_direct_write_is_recorded_as_adjustment(self):
        self.card.points = 40
        entry = self._entries()
        self.assertEqual(entry.entry_type, "adjust")
        self.assertEqual(entry.points, 40)
        self.assertEqual(entry.balance_after, 40)
        self.assertEqual(entry.partner_id, self.customer)
        self.assertEqual(entry.company_id, self.program.company_id)
        self.assertIn("changed directly", entry.reason)
        self.card.points = 25
        self.assertEqual(self._entries()[-1].points, -15)
        self.assertEqual(self.card.points, 25)
        self.assertBalanced(self.card)

    def test_card_created_with_points_starts_with_an_earn_entry(self):
        card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.customer.id, "points": 30}
        )
        self.assertEqual(self._entries(card).mapped("entry_type"), ["earn"])
        self.assertEqual(card.points, 30)
        self.assertBalanced(card)

    def test_update_balance_wizard_goes_through_the_ledger(self):
        self.card.points = 10
        wizard = self.env["loyalty.card.update.balance"].create(
            {"card_id": self.card.id, "new_balance": 60, "description": "Birthday gift"}
        )
        wizard.action_update_card_point()
        entry = self._entries()[-1]
        self.assertEqual(
            (entry.entry_type, entry.points, entry.reason), ("adjust", 50, "Birthday gift")
        )
        self.assertEqual(self.card.points, 60)
        self.assertBalanced(self.card)

    def test_every_entry_type(self):
        other = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.manager.partner_id.id}
        )
        self.program.crm_points_validity_days = 10
        self.card._crm_earn(100, "Welcome")
        self.card._crm_redeem(30, "Mug")
        self.card._crm_transfer(other, 20, "Gift to a friend")
        self.card._crm_earn(15, "Brought a friend", entry_type="referral")
        self.card._crm_earn(5, "Gold bonus", entry_type="tier_bonus")
        self.env["crm.loyalty.adjust"].create(
            {"card_id": self.card.id, "points": -10, "reason": "Damaged mug"}
        ).action_apply()
        self.assertEqual(self.card.points, 60)
        # 100 + 15 + 5 earned, 60 spent oldest first: 40 + 15 + 5 left, all due in 10 days
        self.Ledger._expire_points(today=date.today() + timedelta(days=11))
        self.assertEqual(self._entries(entry_type="expire").mapped("points"), [-40, -15, -5])
        self.assertEqual(self.card.points, 0)
        late = self.card._crm_earn(7, "Survey")
        late._reverse("Survey was not answered")
        self.assertEqual(
            set(self._entries().mapped("entry_type"))
            | set(self._entries(other).mapped("entry_type")),
            {
                "earn",
                "redeem",
                "transfer_out",
                "transfer_in",
                "referral",
                "tier_bonus",
                "adjust",
                "reversal",
                "expire",
            },
        )
        self.assertEqual(self.card.points, 0)
        # the transferred points expired on the other card too
        self.assertEqual(other.points, 0)
        self.assertBalanced(self.card)
        self.assertBalanced(other)

    def test_entries_are_immutable_for_everyone(self):
        self.card._crm_earn(50, "Welcome")
        entry = self._entries()
        for user in (self.manager, self.env.ref("base.user_admin")):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                entry.with_user(user).write({"points": 500})
            with self.subTest(user=user.login), self.assertRaises(UserError):
                entry.with_user(user).unlink()
        with self.assertRaises(UserError):
            entry.sudo().write({"reason": "edited"})
        with self.assertRaises(UserError):
            entry.sudo().unlink()
        with self.assertRaises(UserError):
            self.Ledger.sudo().create(
                {
                    "card_id": self.card.id,
                    "program_id": self.program.id,
                    "entry_type": "earn",
                    "points": 1000,
                }
            )
        with self.assertRaises(AccessError):
            self.Ledger.with_user(self.rep).create(
                {
                    "card_id": self.card.id,
                    "program_id": self.program.id,
                    "entry_type": "earn",
                    "points": 1000,
                }
            )
        self.assertEqual(entry.points, 50)
        self.assertEqual(self.card.points, 50)

    def test_rep_reads_the_ledger(self):
        self.card._crm_earn(50, "Welcome")
        entries = self.Ledger.with_user(self.rep).search([("partner_id", "=", self.customer.id)])
        self.assertEqual(entries.mapped("points"), [50])
        with self.assertRaises(AccessError):
            self.Ledger.with_user(self.outsider).search([])

    def test_customer_points_history(self):
        self.card._crm_earn(50, "Welcome")
        self.card._crm_redeem(20, "Mug")
        customer = self.customer.with_user(self.rep)
        self.assertEqual(customer.crm_loyalty_points, 30)
        self.assertEqual(customer.crm_loyalty_entry_count, 2)
        action = customer.action_crm_loyalty_history()
        entries = self.Ledger.with_user(self.rep).search(action["domain"])
        self.assertEqual(entries.mapped("reason"), ["Mug", "Welcome"])
        self.assertEqual(entries.mapped("balance_after"), [30, 50])

    def test_card_with_history_is_archived_not_deleted(self):
        self.card._crm_earn(50, "Welcome")
        self.card.unlink()
        self.assertTrue(self.card.exists())
        self.assertFalse(self.card.active)
        self.assertEqual(len(self._entries()), 1)


@tagged("post_install", "-at_install")
class TestLoyaltyLedgerBadInput(LoyaltyLedgerCase):
    def _assert_nothing_stored(self, points=0.0):
        self.assertEqual(self.card.points, points)
        self.assertEqual(len(self._entries()), 1 if points else 0)

    def test_redeem_more_than_available(self):
        self.card._crm_earn(20, "Welcome")
        with self.assertRaisesRegex(UserError, "20.0 points available"):
            self.card._crm_redeem(25, "Espresso machine")
        self._assert_nothing_stored(20)

    def test_negative_earn(self):
        with self.assertRaisesRegex(ValidationError, "negative"):
            self.card._crm_earn(-5, "Oops")
        self._assert_nothing_stored()

    def test_adjustment_without_reason(self):
        form = Form(self.env["crm.loyalty.adjust"].with_context(default_card_id=self.card.id))
        form.points = 5
        with self.assertRaisesRegex(AssertionError, "reason"):
            form.save()
        wizard = self.env["crm.loyalty.adjust"].create(
            {"card_id": self.card.id, "points": 5, "reason": "  "}
        )
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_apply()
        self._assert_nothing_stored()

    def test_expiry_in_the_past(self):
        with self.assertRaisesRegex(ValidationError, "in the past"):
            self.Ledger._post_entries(
                [
                    {
                        "card": self.card,
                        "entry_type": "earn",
                        "points": 10,
                        "reason": "Late",
                        "expiry_date": date.today() - timedelta(days=1),
                    }
                ]
            )
        self._assert_nothing_stored()

    def test_company_mismatch(self):
        other_company = self.env["res.company"].create({"name": "Other Roasters"})
        order = self._order()
        order.company_id = other_company
        with self.assertRaisesRegex(ValidationError, "belongs to Other Roasters"):
            self.card._crm_earn(10, "Wrong company", source=order)
        self._assert_nothing_stored()

    def test_currency_mismatch(self):
        wallet = self.env["loyalty.program"].create(
            {"name": "Wallet", "program_type": "ewallet", "trigger": "auto"}
        )
        card = self.env["loyalty.card"].create(
            {"program_id": wallet.id, "partner_id": self.customer.id}
        )
        other = self.env.ref("base.EUR")
        if other == wallet.currency_id:
            other = self.env.ref("base.USD")
        other.active = True
        pricelist = self.env["product.pricelist"].create({"name": "Other", "currency_id": other.id})
        order = self._order()
        order.pricelist_id = pricelist
        with self.assertRaisesRegex(ValidationError, "is in"):
            card._crm_earn(10, "Top-up", source=order)
        self.assertFalse(self._entries(card))
        self.assertEqual(card.points, 0)

    def test_adjustment_above_threshold_needs_a_manager(self):
        self.env["crm.loyalty.adjust"].with_user(self.rep).create(
            {"card_id": self.card.id, "points": 600, "reason": "Big goodwill"}
        ).action_apply()
        request = self._entries()
        self.assertEqual((request.state, request.points), ("pending", 600))
        self.assertEqual(self.card.points, 0, "a request moves no points")
        self.assertEqual(self.card.crm_points_pending, 0)
        self.assertIn("Approve a loyalty adjustment", self.customer.activity_ids.summary)
        with self.assertRaises(AccessError):
            request.with_user(self.rep).action_approve()
        # a direct write above the threshold is refused for a rep
        with self.assertRaisesRegex(UserError, "need a manager"):
            self.card.with_user(self.rep).points = 700
        # below the threshold a rep adjusts at once
        self.env["crm.loyalty.adjust"].with_user(self.rep).create(
            {"card_id": self.card.id, "points": 50, "reason": "Goodwill"}
        ).action_apply()
        request.with_user(self.manager).action_approve()
        self.assertEqual(request.state, "posted")
        self.assertEqual(self.card.points, 650)
        self.assertEqual(request.balance_after, 650)
        self.assertBalanced(self.card)

    def test_rejected_request_moves_nothing(self):
        self.env["crm.loyalty.adjust"].with_user(self.rep).create(
            {"card_id": self.card.id, "points": -900, "reason": "Fraud suspicion"}
        ).action_apply()
        request = self._entries()
        request.with_user(self.manager).action_reject()
        self.assertEqual(request.state, "cancelled")
        self.assertEqual(self.card.points, 0)

    def test_adjust_wizard_form(self):
        form = Form(
            self.env["crm.loyalty.adjust"].with_context(
                active_model="loyalty.card", active_id=self.card.id
            )
        )
        self.assertEqual(form.card_id, self.card)
        form.points = 12
        form.reason = "Survey answered"
        form.save().action_apply()
        self.assertEqual(self.card.points, 12)


@tagged("post_install", "-at_install")
class TestLoyaltyAudit(LoyaltyLedgerCase):
    def test_drift_is_reported(self):
        self.card._crm_earn(50, "Welcome")
        self.assertFalse(self.Ledger._cron_audit_drift())
        self.env.flush_all()
        self.env.cr.execute("UPDATE loyalty_card SET points = 75 WHERE id = %s", [self.card.id])
        self.env.invalidate_all()
        with mute_logger("odoo.addons.crm_strategy.models.crm_loyalty_ledger"):
            rows = self.Ledger._cron_audit_drift()
        self.assertEqual([r[0] for r in rows], [self.card.id])
        activity = self.env.company.partner_id.activity_ids
        self.assertIn("drift on 1 card", activity.summary)
