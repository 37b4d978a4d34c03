import threading
import time

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestLoyaltyConcurrentRedemption(TransactionCase):
    """Two transactions on two database connections redeem from the same card at the same time:
    the card is never overspent. The data is committed (other connections must see it) and
    removed at the end."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            program = env["loyalty.program"].create(
                {"name": "Concurrency Club", "program_type": "loyalty", "trigger": "auto"}
            )
            partner = env["res.partner"].create({"name": "Concurrent Carla"})
            card = env["loyalty.card"].create(
                {"program_id": program.id, "partner_id": partner.id, "points": 100}
            )
            # other connections must see the card
            cr.commit()  # pylint: disable=invalid-commit
            self.program_id, self.partner_id, self.card_id = program.id, partner.id, card.id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            # ledger rows are append-only, in the database too: the test lifts the guard trigger
            # for its own rows only, in this transaction (DDL is transactional)
            cr.execute("ALTER TABLE crm_loyalty_ledger DISABLE TRIGGER USER")
            cr.execute("DELETE FROM crm_loyalty_ledger WHERE card_id = %s", [self.card_id])
            cr.execute("ALTER TABLE crm_loyalty_ledger ENABLE TRIGGER USER")
            cr.execute("DELETE FROM loyalty_card WHERE id = %s", [self.card_id])
            cr.execute("DELETE FROM loyalty_program WHERE id = %s", [self.program_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [self.partner_id])
            # removes what setUp committed
            cr.commit()  # pylint: disable=invalid-commit

    def _redeem(self, barrier, results, hold):
        try:
            with self.registry.cursor() as cr:
                # the server thread holds the registry lock while it runs the tests: give the
                # new transaction the registry instead of letting Environment look it up
                cr.transaction = api.Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                card = env["loyalty.card"].browse(self.card_id)
                card.read(["points"])  # both transactions read the balance (100) first
                barrier.wait(timeout=30)
                try:
                    card._crm_redeem(70, "Concurrent redemption")
                    env.flush_all()
                    time.sleep(hold)  # keep the lock while the other one tries
                    # a real concurrent transaction
                    cr.commit()  # pylint: disable=invalid-commit
                    results.append("redeemed")
                except (UserError, psycopg2.errors.SerializationFailure) as error:
                    cr.rollback()
                    results.append(type(error).__name__)
        except Exception as error:
            results.append(repr(error))

    def test_two_simultaneous_redemptions_never_overspend(self):
        barrier = threading.Barrier(2)
        results = []
        threads = [
            threading.Thread(target=self._redeem, args=(barrier, results, hold))
            for hold in (0.5, 0.0)
        ]
        # one serialization failure is expected (muted for both threads until both are done)
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertEqual(results.count("redeemed"), 1, results)
        self.assertEqual(len(results), 2, results)
        self.assertTrue(
            set(results) - {"redeemed"} <= {"UserError", "SerializationFailure"}, results
        )
        with self.registry.cursor() as cr:
            cr.execute("SELECT points FROM loyalty_card WHERE id = %s", [self.card_id])
            self.assertEqual(cr.fetchone()[0], 30)
            cr.execute(
                "SELECT SUM(points), COUNT(*) FROM crm_loyalty_ledger WHERE card_id = %s",
                [self.card_id],
            )
            self.assertEqual(cr.fetchone(), (30, 2))
