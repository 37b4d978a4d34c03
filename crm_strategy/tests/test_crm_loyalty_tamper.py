"""Tamper evidence: posted entries are immutable in the database and hash-chained per card; the
manager's Verify Ledger names the first broken entry (issue #11, item 5)."""

from datetime import date, timedelta

import psycopg2

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common_loyalty import LoyaltyLedgerCase


@tagged("post_install", "-at_install")
class TestLoyaltyLedgerTamper(LoyaltyLedgerCase):
    def setUp(self):
        super().setUp()
        self.program.crm_points_validity_days = 10
        self.card._crm_earn(100, "Welcome")
        self.card._crm_redeem(30, "Mug")
        self.card._crm_earn(15, "Survey")
        self.first, self.second, self.third = self._entries()

    def _tamper(self, query, params):
        """What someone with database access would do, the module's triggers switched off."""
        self.env.flush_all()
        self.env.cr.execute("ALTER TABLE crm_loyalty_ledger DISABLE TRIGGER USER")
        self.env.cr.execute(query, params)
        self.env.cr.execute("ALTER TABLE crm_loyalty_ledger ENABLE TRIGGER USER")
        self.env.invalidate_all()

    def _verify(self):
        return self.Ledger.with_user(self.manager).action_verify_ledger()["params"]

    def test_posted_entries_are_chained(self):
        self.assertEqual((self.first | self.second | self.third).mapped("chain_seq"), [1, 2, 3])
        self.assertEqual(len(set((self.first | self.second | self.third).mapped("chain_hash"))), 3)
        self.assertEqual(self._verify()["type"], "success")

    def test_database_refuses_update_and_delete_of_posted_entries(self):
        self.env.flush_all()
        for query in (
            "UPDATE crm_loyalty_ledger SET points = 5000 WHERE id = %s",
            "UPDATE crm_loyalty_ledger SET reason = 'edited' WHERE id = %s",
            "UPDATE crm_loyalty_ledger SET chain_hash = 'x' WHERE id = %s",
            "DELETE FROM crm_loyalty_ledger WHERE id = %s",
        ):
            with (
                self.subTest(query=query),
                self.assertRaises(psycopg2.Error),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(query, [self.second.id])
        # a contact merge rewrites the partner: allowed, outside the hash
        other = self.env["res.partner"].create({"name": "Merged Carla"})
        self.env.cr.execute(
            "UPDATE crm_loyalty_ledger SET partner_id = %s WHERE card_id = %s",
            [other.id, self.card.id],
        )
        self.assertEqual(self._verify()["type"], "success")

    def test_changed_entry_is_named(self):
        self._tamper("UPDATE crm_loyalty_ledger SET points = -3 WHERE id = %s", [self.second.id])
        with mute_logger("odoo.addons.crm_strategy.models.crm_loyalty_ledger"):
            params = self._verify()
        self.assertEqual(params["type"], "danger")
        self.assertIn("1 card", params["title"])
        self.assertIn(f"Redeem #{self.second.id} of card {self.card.code}", params["message"])
        self.assertNotIn(f"#{self.third.id}", params["message"], "only the first broken one")
        self.assertEqual([r[0] for r in self.Ledger._broken_chains()], [self.second.id])

    def test_deleted_entry_is_detected_at_the_next_one(self):
        self._tamper("DELETE FROM crm_loyalty_ledger WHERE id = %s", [self.second.id])
        self.assertEqual(self.Ledger._broken_chains(), [(self.third.id, self.card.id, "sequence")])

    def test_rewritten_hash_breaks_the_next_link(self):
        """Recomputing a changed entry's own hash is not enough: its successor no longer fits."""
        self._tamper("UPDATE crm_loyalty_ledger SET points = -3 WHERE id = %s", [self.second.id])
        self._tamper(
            """UPDATE crm_loyalty_ledger e
                  SET chain_hash = crm_loyalty_ledger_hash(
                          (SELECT chain_hash FROM crm_loyalty_ledger WHERE id = %s), e)
                WHERE id = %s""",
            [self.first.id, self.second.id],
        )
        self.assertEqual(self.Ledger._broken_chains(), [(self.third.id, self.card.id, "hash")])

    def test_expiry_and_pending_entries_join_the_chain(self):
        self.Ledger._expire_points(today=date.today() + timedelta(days=11))
        self.program.crm_pending_policy = "paid"
        order = self._order(qty=2)
        order.action_confirm()
        earn = self._entries(entry_type="earn").filtered(lambda e: e.state == "pending")
        self.assertFalse(earn.chain_hash, "pending entries are not chained yet")
        earn._post_pending()
        posted = self._entries(state="posted").sorted("chain_seq")
        self.assertEqual(posted.mapped("chain_seq"), list(range(1, len(posted) + 1)))
        self.assertEqual(posted[-1], earn)
        self.assertFalse(self.Ledger._broken_chains())

    def test_entries_posted_before_the_chain_are_chained_at_upgrade(self):
        self._tamper("UPDATE crm_loyalty_ledger SET chain_seq = NULL, chain_hash = NULL", [])
        self.assertTrue(self.Ledger._broken_chains())
        self.Ledger._init_tamper_evidence()
        self.env.invalidate_all()
        self.assertEqual(self.third.chain_seq, 3)
        self.assertFalse(self.Ledger._broken_chains())

    def test_only_managers_verify(self):
        with self.assertRaises(AccessError):
            self.Ledger.with_user(self.rep).action_verify_ledger()

    def test_managers_verify_the_cards_of_their_companies(self):
        """A manager of another company is neither told about nor shown this company's cards."""
        self._tamper("UPDATE crm_loyalty_ledger SET points = -3 WHERE id = %s", [self.second.id])
        other_company = self.env["res.company"].create({"name": "Other Coffee Co"})
        other_manager = new_test_user(
            self.env,
            login="other_company_strategy_manager",
            groups="sales_team.group_sale_manager",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        params = self.Ledger.with_user(other_manager).action_verify_ledger()["params"]
        self.assertEqual(params["type"], "success")
        self.assertNotIn(self.card.code, params["message"])
        with mute_logger("odoo.addons.crm_strategy.models.crm_loyalty_ledger"):
            self.assertEqual(self._verify()["type"], "danger")
