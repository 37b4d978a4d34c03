from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLoyaltyHistoryTour(HttpCase):
    def test_rep_reads_a_customers_points_history(self):
        new_test_user(
            self.env,
            login="loyalty_tour_rep",
            name="Tour Rep",
            groups="sales_team.group_sale_salesman",
        )
        program = self.env["loyalty.program"].create(
            {
                "name": "Tour Coffee Club",
                "program_type": "loyalty",
                "trigger": "auto",
                "crm_tier_ids": [Command.create({"name": "Gold", "min_points": 50})],
            }
        )
        customer = self.env["res.partner"].create({"name": "Tour Tessa"})
        card = self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": customer.id}
        )
        card._crm_earn(100, "Welcome gift")
        card._crm_redeem(20, "Espresso cup")
        self.start_tour("/odoo", "crm_loyalty_history_tour", login="loyalty_tour_rep")
        self.assertEqual(card.points, 95)
        last = card.crm_ledger_ids.sorted("id")[-1]
        self.assertEqual((last.entry_type, last.points), ("adjust", 15))
        self.assertEqual(last.user_id.login, "loyalty_tour_rep")


@tagged("post_install", "-at_install")
class TestLoyaltyPortal(HttpCase):
    def test_member_sees_their_points_history(self):
        member = new_test_user(
            self.env, login="loyalty_member", name="Mia Member", groups="base.group_portal"
        )
        program = self.env["loyalty.program"].create(
            {
                "name": "Portal Coffee Club",
                "program_type": "loyalty",
                "trigger": "auto",
                "crm_points_validity_days": 30,
            }
        )
        card = self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": member.partner_id.id}
        )
        card._crm_earn(100, "Welcome gift")
        card._crm_redeem(20, "Espresso cup")
        other = self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": self.env.ref("base.partner_admin").id}
        )
        self.authenticate("loyalty_member", "loyalty_member")
        page = self.url_open(f"/my/loyalty_card/{card.id}/ledger")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Welcome gift", page.text)
        self.assertIn("Espresso cup", page.text)
        self.assertIn("Points expiring soon", page.text)
        foreign = self.url_open(f"/my/loyalty_card/{other.id}/ledger")
        # another member's card: back to the portal home, none of its history
        self.assertNotIn('id="crm_balance"', foreign.text)
        # the portal's loyalty card links to its history
        self.assertIn(f"/my/loyalty_card/{card.id}/ledger", foreign.text)
        self.assertNotIn("Welcome gift", foreign.text)
