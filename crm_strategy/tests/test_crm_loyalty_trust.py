"""Privileges never come from the context: the keys older versions read are sent by a salesperson
and change nothing (issue #11, item 1)."""

import xmlrpc.client

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common_loyalty import LoyaltyLedgerCase

# every context key the ledger used to read, with the value an attacker would send
REMOVED_KEYS = {
    "crm_loyalty_ledger_post": True,
    "crm_loyalty_entry_type": "earn",
    "crm_loyalty_trusted": True,
    "crm_loyalty_reason": "Goodwill",
    "crm_loyalty_source": ["res.partner", 1],
    "crm_loyalty_confirm_orders": [1],
    "crm_loyalty_cancel_orders": [1],
    "crm_loyalty_ledger_transition": True,
}


@tagged("post_install", "-at_install")
class TestLoyaltyContextKeysIgnored(LoyaltyLedgerCase):
    def _keys(self, order):
        keys = dict(REMOVED_KEYS)
        keys["crm_loyalty_confirm_orders"] = keys["crm_loyalty_cancel_orders"] = order.ids
        keys["crm_loyalty_source"] = ["sale.order", order.id]
        return keys

    def test_rep_cannot_move_points_with_context_keys(self):
        self.card._crm_earn(100, "Welcome")
        order = self._order(qty=2)
        order.action_confirm()
        self.assertEqual(self.card.points, 120)
        before = self._entries()
        for key, value in self._keys(order).items():
            with self.subTest(key=key), self.assertRaisesRegex(UserError, "need a manager"):
                self.card.with_user(self.rep).with_context(**{key: value}).write(
                    {"points": self.card.points + 5000}
                )
            self.assertEqual(self.card.points, 120)
            self.assertEqual(self._entries(), before, "no entry, no silent change")
        with self.assertRaisesRegex(UserError, "need a manager"):
            self.card.with_user(self.rep).with_context(**self._keys(order)).write({"points": 5120})
        self.assertEqual(self.card.points, 120)
        self.assertBalanced(self.card)

    def test_keys_pick_neither_type_nor_reason(self):
        """A manager's direct write is an adjustment with the ledger's own reason, whatever the
        context says; below the threshold a rep's write is an adjustment too."""
        order = self._order()
        self.card.with_user(self.manager).with_context(**self._keys(order)).write({"points": 5000})
        entry = self._entries()
        self.assertEqual((entry.entry_type, entry.points), ("adjust", 5000))
        self.assertIn("changed directly by Max Manager", entry.reason)
        self.assertFalse(entry.source_model)
        self.card.with_user(self.rep).with_context(**self._keys(order)).write({"points": 5100})
        self.assertEqual(self._entries()[-1].mapped("entry_type"), ["adjust"])
        self.assertEqual(self.card.points, 5100)
        self.assertBalanced(self.card)

    def test_card_created_with_points_ignores_the_context(self):
        card = (
            self.env["loyalty.card"]
            .with_user(self.manager)
            .with_context(crm_loyalty_entry_type="referral", crm_loyalty_ledger_post=True)
            .create({"program_id": self.program.id, "partner_id": self.customer.id, "points": 30})
        )
        entry = self._entries(card)
        self.assertEqual((entry.entry_type, entry.points), ("earn", 30))
        self.assertBalanced(card)

    def test_ledger_rows_cannot_be_forged_or_edited(self):
        self.env["crm.loyalty.adjust"].with_user(self.rep).create(
            {"card_id": self.card.id, "points": 900, "reason": "Please"}
        ).action_apply()
        request = self._entries()
        self.assertEqual(request.state, "pending")
        vals = {
            "card_id": self.card.id,
            "program_id": self.program.id,
            "entry_type": "earn",
            "points": 5000,
        }
        for env in (self.env, self.env(user=self.rep), self.env(user=self.manager)):
            Ledger = env["crm.loyalty.ledger"].with_context(**REMOVED_KEYS)
            with self.subTest(user=env.user.login), self.assertRaises(UserError):
                Ledger.create(vals)
            with self.subTest(user=env.user.login), self.assertRaises(UserError):
                request.with_env(Ledger.env).write({"state": "posted"})
        with self.assertRaises(UserError):
            self.Ledger.sudo().with_context(**REMOVED_KEYS).create(vals)
        self.assertEqual(request.state, "pending")
        self.assertEqual(self.card.points, 0)
        self.assertEqual(len(self._entries()), 1)

    def test_forged_reward_line_gives_no_points(self):
        """A reward line made by hand on a confirmed order, with a negative cost, would make
        sale_loyalty add its points back to the card: only within the manager threshold."""
        order = self._order(qty=1)
        order.user_id = self.rep  # the rep's own order
        order.action_confirm()
        self.assertEqual(self.card.points, 10)
        reward = self.program.reward_ids
        with self.assertRaisesRegex(UserError, "need a manager"):
            self.env["sale.order.line"].with_user(self.rep).create(
                {
                    "order_id": order.id,
                    "product_id": reward.discount_line_product_id.id,
                    "reward_id": reward.id,
                    "coupon_id": self.card.id,
                    "name": "Forged reward",
                    "points_cost": -5000,
                    "price_unit": 0,
                    "product_uom_qty": 1,
                }
            )
        self.assertEqual(self.card.points, 10)
        self.assertBalanced(self.card)

    def test_update_balance_wizard_respects_the_threshold(self):
        wizard = (
            self.env["loyalty.card.update.balance"]
            .with_user(self.rep)
            .with_context(crm_loyalty_trusted=True)
            .create({"card_id": self.card.id, "new_balance": 5000, "description": "Gift"})
        )
        with self.assertRaisesRegex(UserError, "need a manager"):
            wizard.action_update_card_point()
        self.assertEqual(self.card.points, 0)
        self.assertFalse(self._entries())


@tagged("post_install", "-at_install")
class TestLoyaltyRpcAttack(HttpCase):
    """The reported attack, over XML-RPC: a salesperson writes +6,000 points with every key the
    ledger used to trust in the context."""

    def test_rpc_write_with_removed_keys_is_refused(self):
        rep = new_test_user(
            self.env,
            login="rpc_rep",
            password="rpc_rep_pw",
            groups="sales_team.group_sale_salesman",
        )
        program = self.env["loyalty.program"].create(
            {"name": "RPC Club", "program_type": "loyalty", "trigger": "auto"}
        )
        partner = self.env["res.partner"].create({"name": "RPC Customer"})
        card = self.env["loyalty.card"].create({"program_id": program.id, "partner_id": partner.id})
        self.assertEqual(program.crm_adjust_manager_threshold, 1000)
        db = self.env.cr.dbname
        with mute_logger("odoo.http"), self.assertRaises(xmlrpc.client.Fault) as caught:
            self.xmlrpc_object.execute_kw(
                db,
                rep.id,
                "rpc_rep_pw",
                "loyalty.card",
                "write",
                [[card.id], {"points": 6000}],
                {"context": REMOVED_KEYS},
            )
        self.assertIn("need a manager", caught.exception.faultString)
        with mute_logger("odoo.http"), self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc_object.execute_kw(
                db,
                rep.id,
                "rpc_rep_pw",
                "crm.loyalty.ledger",
                "create",
                [
                    {
                        "card_id": card.id,
                        "program_id": program.id,
                        "entry_type": "earn",
                        "points": 6000,
                    }
                ],
                {"context": REMOVED_KEYS},
            )
        card.invalidate_recordset()
        self.assertEqual(card.points, 0)
        self.assertFalse(self.env["crm.loyalty.ledger"].search([("card_id", "=", card.id)]))
