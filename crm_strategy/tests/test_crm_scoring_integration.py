from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, sql

from .common import CrmStrategyCase


@tagged("post_install", "-at_install")
class TestCrmScoringIntegrationKeys(CrmStrategyCase):
    """API keys of engagement integrations: shown once, never stored in clear, per company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.manager.write({"company_ids": [(4, cls.company_a.id)], "company_id": cls.company_a.id})
        cls.manager_b = new_test_user(
            cls.env,
            login="strategy_manager_b",
            name="Bea Manager B",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.integration_a = cls.env["crm.scoring.integration"].create(
            {"name": "Website A", "company_id": cls.company_a.id}
        )

    def _generate_as(self, user, integration):
        action = integration.with_user(user).action_generate_key()
        return action["context"]["default_key"], action

    def _tables_holding(self, text):
        """Every (table, column) of the database whose text contains `text`."""
        self.env.flush_all()
        columns = self.env.execute_query(
            SQL(
                """
                SELECT c.table_name, c.column_name
                  FROM information_schema.columns c
                  JOIN information_schema.tables t
                    ON t.table_name = c.table_name AND t.table_schema = c.table_schema
                 WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                   AND c.data_type IN ('character varying', 'text', 'jsonb')
                """
            )
        )
        found = []
        for table, column in columns:
            hit = self.env.execute_query(
                SQL(
                    "SELECT 1 FROM %s WHERE strpos(%s::text, %s) > 0 LIMIT 1",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    text,
                )
            )
            if hit:
                found.append(f"{table}.{column}")
        return found

    def test_key_is_shown_once_and_stored_nowhere_in_clear(self):
        key, action = self._generate_as(self.manager, self.integration_a)
        self.assertTrue(key.startswith("crmsk_"))
        self.assertEqual(action["target"], "new", "the key is shown in a dialog")
        self.assertFalse(action.get("res_id"), "the dialog is not backed by a stored row")
        secret = key[len("crmsk_") :]
        self.assertEqual(
            self._tables_holding(secret[8:]),
            [],
            "apart from its 8-character index, the key is in no table, transient or not",
        )
        self.assertEqual(self.env["crm.scoring.integration"]._find_by_key(key), self.integration_a)

    def test_dialog_model_holds_no_rows(self):
        self._generate_as(self.manager, self.integration_a)
        Show = self.env["crm.scoring.integration.key"]
        self.assertTrue(Show._abstract, "nothing to store, nothing another user could read")
        self.assertFalse(
            sql.table_kind(self.env.cr, "crm_scoring_integration_key"),
            "no table of shown keys survives an upgrade",
        )

    def test_second_key_replaces_the_first(self):
        first, _action = self._generate_as(self.manager, self.integration_a)
        second, _action = self._generate_as(self.manager, self.integration_a)
        Integration = self.env["crm.scoring.integration"]
        self.assertFalse(Integration._find_by_key(first), "the old key stops working")
        self.assertEqual(Integration._find_by_key(second), self.integration_a)

    def test_malformed_keys_are_unknown(self):
        self._generate_as(self.manager, self.integration_a)
        Integration = self.env["crm.scoring.integration"]
        index = self.integration_a.key_index
        for key in (
            "",
            "crmsk_",
            f"crmsk_{index}",
            f"crmsk_{index}\x00" + "0" * 31,
            f"crmsk_{index}\ud800" + "0" * 31,
            "crmsk_" + "g" * 40,
            "crmsk_" + "0" * 10_000,
        ):
            self.assertFalse(Integration._find_by_key(key), repr(key[:60]))

    def test_other_company_sees_neither_integrations_nor_keys(self):
        key, _action = self._generate_as(self.manager, self.integration_a)
        as_b = self.env["crm.scoring.integration"].with_user(self.manager_b)
        self.assertFalse(as_b.search([]), "company B lists no integration of company A")
        with self.assertRaises(AccessError):
            self.integration_a.with_user(self.manager_b).read(["name", "key_index"])
        with self.assertRaises(AccessError):
            self._generate_as(self.manager_b, self.integration_a)
        self.assertEqual(
            self.env["crm.scoring.integration"]._find_by_key(key),
            self.integration_a,
            "company B could not replace company A's key",
        )
        messages = self.env["mail.message"].search(
            [("model", "=", "crm.scoring.integration"), ("res_id", "=", self.integration_a.id)]
        )
        self.assertNotIn(key[6:], "".join(messages.mapped("body")), "no key in the chatter")

    def test_only_system_admins_read_the_hash(self):
        self._generate_as(self.manager, self.integration_a)
        with self.assertRaises(AccessError):
            self.integration_a.with_user(self.manager).read(["key_hash"])
