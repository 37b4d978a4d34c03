from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_loyalty import LoyaltyLedgerCase


@tagged("post_install", "-at_install")
class TestLoyaltyLedgerSale(LoyaltyLedgerCase):
    def _confirmed_order_with_reward(self, qty=1):
        order = self._order(qty)
        order._update_programs_and_rewards()
        self._claim_reward(order)
        order.action_confirm()
        return order

    def _claim_reward(self, order):
        status = order._apply_program_reward(self.program.reward_ids, self.card)
        self.assertNotIn("error", status)

    def test_confirm_earns_and_redeems(self):
        self.card._crm_earn(20, "Welcome")
        order = self._confirmed_order_with_reward(qty=2)
        entries = self._entries(source_id=order.id)
        self.assertEqual(
            sorted(entries.mapped(lambda e: (e.entry_type, e.points))),
            [("earn", 20.0), ("redeem", -10.0)],
        )
        self.assertEqual(set(entries.mapped("source_model")), {"sale.order"})
        self.assertEqual(self.card.points, 30)
        self.assertBalanced(self.card)

    def test_cancel_reverses_instead_of_deleting(self):
        self.card._crm_earn(20, "Welcome")
        order = self._confirmed_order_with_reward(qty=2)
        before = self._entries()
        order._action_cancel()
        self.assertEqual(self.card.points, 20)
        self.assertTrue(before.exists() == before, "no entry was deleted")
        reversals = self._entries(entry_type="reversal")
        self.assertEqual(sorted(reversals.mapped("points")), [-20.0, 10.0])
        self.assertEqual(
            reversals.origin_entry_id, before.filtered(lambda e: e.source_id == order.id)
        )
        self.assertBalanced(self.card)
        # cancelling twice reverses nothing more
        order._crm_loyalty_cancel_card(self.card)
        self.assertEqual(len(self._entries(entry_type="reversal")), 2)

    def test_cancel_after_points_were_spent_negative_policy(self):
        order = self._order(qty=3)
        order.action_confirm()
        self.assertEqual(self.card.points, 30)
        self.card._crm_redeem(25, "Grinder")
        order._action_cancel()
        self.assertEqual(self.card.points, -25)
        self.assertBalanced(self.card)

    def test_cancel_after_points_were_spent_capped_at_zero(self):
        self.program.crm_refund_policy = "cap"
        order = self._order(qty=3)
        order.action_confirm()
        self.card._crm_redeem(25, "Grinder")
        order._action_cancel()
        self.assertEqual(self.card.points, 0)
        self.assertEqual(self._entries(entry_type="reversal").points, -5)
        self.assertBalanced(self.card)

    def test_reward_claimed_on_confirmed_order_is_a_redemption(self):
        self.card._crm_earn(20, "Welcome")
        order = self._order(qty=1)
        order.action_confirm()
        self._claim_reward(order)
        self.assertEqual(self.card.points, 20)
        redeem = self._entries(entry_type="redeem")
        self.assertEqual((redeem.points, redeem.source_id), (-10, order.id))
        self.assertBalanced(self.card)


@tagged("post_install", "-at_install")
class TestLoyaltyPendingPoints(LoyaltyLedgerCase):
    def test_points_pending_until_paid(self):
        self.program.crm_pending_policy = "paid"
        order = self._order(qty=2)
        order.action_confirm()
        earn = self._entries(entry_type="earn")
        self.assertEqual((earn.state, earn.points), ("pending", 20))
        self.assertEqual(self.card.points, 0)
        self.assertEqual(self.card.crm_points_pending, 20)
        # pending points cannot be spent
        with self.assertRaisesRegex(UserError, "available"):
            self.card._crm_redeem(10, "Too early")
        self._pay(order)
        self.assertEqual(earn.state, "posted")
        self.assertEqual(self.card.points, 20)
        self.assertEqual(earn.balance_after, 20)
        self.assertBalanced(self.card)

    def test_points_pending_for_n_days(self):
        self.program.write({"crm_pending_policy": "days", "crm_pending_days": 14})
        order = self._order(qty=1)
        order.action_confirm()
        earn = self._entries(entry_type="earn")
        self.assertEqual(earn.release_date, fields.Date.today() + timedelta(days=14))
        with freeze_time(fields.Date.today() + timedelta(days=13)):
            self.Ledger._cron_release_pending()
            self.assertEqual(earn.state, "pending")
        with freeze_time(fields.Date.today() + timedelta(days=14)):
            self.Ledger._cron_release_pending()
            self.assertEqual(earn.state, "posted")
        self.assertEqual(self.card.points, 10)

    def test_refund_reverses_earned_points(self):
        order = self._order(qty=4)
        order.action_confirm()
        invoice = self._pay(order)
        self.assertEqual(self.card.points, 40)
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Broken bag"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        refund.invoice_line_ids.quantity = 1  # one bag of four comes back
        refund.action_post()
        reversal = self._entries(entry_type="reversal")
        self.assertEqual(reversal.points, -10)
        self.assertEqual(reversal.source_model, "account.move")
        self.assertEqual(self.card.points, 30)
        self.assertBalanced(self.card)

    def test_capped_cancel_after_partial_refund_takes_back_only_what_is_left(self):
        self.program.crm_refund_policy = "cap"
        self.card._crm_earn(20, "Welcome")
        order = self._order(qty=4)
        order.action_confirm()
        invoice = self._pay(order)
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Broken bag"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        refund.invoice_line_ids.quantity = 1
        refund.action_post()
        self.assertEqual(self.card.points, 50)
        order._action_cancel()
        # 40 earned, 10 already refunded: the cancellation takes back 30, not 40.
        self.assertEqual(self.card.points, 20, "the welcome points stay")
        self.assertBalanced(self.card)

    def test_cancel_pending_points(self):
        self.program.crm_pending_policy = "paid"
        order = self._order(qty=2)
        order.action_confirm()
        order._action_cancel()
        self.assertEqual(self._entries(entry_type="earn").state, "cancelled")
        self.assertEqual(self.card.points, 0)
        self.assertEqual(self.card.crm_points_pending, 0)
