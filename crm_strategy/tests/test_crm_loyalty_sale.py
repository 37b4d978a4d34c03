from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
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


@tagged("post_install", "-at_install")
class TestLoyaltyOrderSequences(LoyaltyLedgerCase):
    """Any sequence of order operations leaves the card where the arithmetic of what was finally
    sold says. Each sequence runs on a fresh customer whose card starts with 20 welcome points,
    with an order of 4 bags (10 points each: 40 earned); the reward costs 10 points; a one-bag
    credit note takes back a quarter of the earned points (100 of 400 untaxed, or 100 of 360 with
    the reward's 10% discount)."""

    SEQUENCES = [
        (("confirm",), 60),
        (("confirm", "cancel"), 20),
        # reported: a point was left on the card, card and ledger agreeing with each other
        (("confirm", "cancel", "draft", "confirm", "cancel"), 20),
        (("confirm", "cancel", "draft", "confirm"), 60),
        (("confirm", "cancel", "draft", "confirm", "cancel", "draft", "confirm"), 60),
        (("reward", "confirm"), 50),
        # cancelling removes the reward lines: the re-confirmed order has none
        (("reward", "confirm", "cancel", "draft", "confirm"), 60),
        (("confirm", "reward"), 50),
        (("confirm", "reward", "unreward"), 60),
        (("confirm", "reward", "unreward", "reward", "cancel"), 20),
        (("reward", "confirm", "unreward", "cancel", "draft", "reward", "confirm"), 50),
        (("confirm", "invoice", "refund_one"), 50),
        (("confirm", "invoice", "refund_all"), 20),
        (("confirm", "invoice", "refund_one", "refund_one"), 40),
        (("confirm", "invoice", "refund_one", "cancel"), 20),
        # spent points are not given back by a credit note: 20 + 40 - 10 - 40
        (("reward", "confirm", "invoice", "refund_all"), 10),
        # 20 + 40 - 10 - 40 * 100 / 360
        (("confirm", "cancel", "draft", "reward", "confirm", "invoice", "refund_one"), 38.89),
        (("confirm", "reward", "invoice", "refund_one", "unreward"), 48.89),
    ]

    def _fresh_card(self, index):
        customer = self.env["res.partner"].create({"name": f"Sequence Customer {index}"})
        card = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": customer.id}
        )
        card._crm_earn(20, "Welcome")
        return customer, card

    def _credit_note(self, order, one_unit):
        invoice = order.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )[:1]
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Returned"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        if one_unit:
            others = refund.invoice_line_ids.filtered(lambda line: line.product_id != self.product)
            refund.write({"invoice_line_ids": [Command.delete(line.id) for line in others]})
            refund.invoice_line_ids.quantity = 1
        refund.action_post()

    def _run(self, order, card, step):
        if step == "confirm":
            order.action_confirm()
        elif step == "cancel":
            order._action_cancel()
        elif step == "draft":
            order.action_draft()
        elif step == "reward":
            if order.state != "sale":
                order._update_programs_and_rewards()
            status = order._apply_program_reward(self.program.reward_ids, card)
            self.assertNotIn("error", status)
        elif step == "unreward":
            rewards = order.order_line.filtered("is_reward_line")
            if order.state == "sale":
                # a confirmed order's lines cannot be deleted: sale_loyalty resets them
                rewards._reset_loyalty(complete=True)
            else:
                rewards.unlink()
        elif step == "invoice":
            order._create_invoices().action_post()
        elif step in ("refund_one", "refund_all"):
            self._credit_note(order, one_unit=step == "refund_one")
        else:
            raise AssertionError(step)

    def test_sequences_end_where_the_arithmetic_says(self):
        for index, (steps, expected) in enumerate(self.SEQUENCES):
            with self.subTest(steps=steps):
                customer, card = self._fresh_card(index)
                order = self._order(qty=4, partner=customer)
                seen = self.Ledger
                for step in steps:
                    self._run(order, card, step)
                    self.env.flush_all()
                    entries = self._entries(card)
                    self.assertEqual(seen & entries, seen, f"an entry was deleted by {step}")
                    seen = entries
                self.assertAlmostEqual(card.points, expected, places=2)
                self.assertBalanced(card)
                reversals = self._entries(card, entry_type="reversal")
                self.assertFalse(
                    reversals.filtered(lambda r: not r.origin_entry_id),
                    "every reversal points at the entry it reverses",
                )
                # nothing is reversed beyond what it moved
                for entry in self._entries(card).filtered(lambda e: e.entry_type != "reversal"):
                    undone = sum(entry.reversal_ids.mapped("points"))
                    self.assertLessEqual(abs(undone), abs(entry.points) + 0.01)
