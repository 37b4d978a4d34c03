from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common_loyalty import LoyaltyLedgerCase


@tagged("post_install", "-at_install")
class TestLoyaltyStatement(LoyaltyLedgerCase):
    def test_statement_for_a_period(self):
        with freeze_time(date(2026, 1, 15)):
            self.card._crm_earn(100, "January order")
        with freeze_time(date(2026, 2, 10)):
            self.card._crm_redeem(30, "February mug")
            self.card._crm_earn(40, "February order")
        with freeze_time(date(2026, 3, 5)):
            self.card._crm_earn(5, "March survey")
        statement = self.card._crm_statement(date(2026, 2, 1), date(2026, 2, 28))
        self.assertEqual(statement["opening"], 100)
        self.assertEqual(statement["entries"].mapped("reason"), ["February mug", "February order"])
        self.assertEqual(statement["closing"], 110)
        self.assertEqual(statement["count"], 2)

        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        wizard = (
            self.env["crm.loyalty.statement.wizard"]
            .with_context(active_model="loyalty.card", active_ids=self.card.ids)
            .create({"date_from": date(2026, 2, 1), "date_to": date(2026, 2, 28)})
        )
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "crm_strategy.report_loyalty_statement")
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "crm_strategy.report_loyalty_statement", self.card.ids, data=action["data"]
        )
        html = html.decode()
        self.assertIn("Carla Customer", html)
        self.assertIn("February mug", html)
        self.assertNotIn("March survey", html)
        self.assertIn("110.00", html)
        self.assertIn("Opening balance", html)
