from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCrmStrategyTour(HttpCase):
    def test_rep_opens_strategy_menu(self):
        new_test_user(
            self.env,
            login="tour_rep",
            name="Tour Rep",
            groups="sales_team.group_sale_salesman",
        )
        self.env["crm.persona"].create({"name": "Tour Persona"})
        self.start_tour("/odoo", "crm_strategy_menu_tour", login="tour_rep")

    def test_manager_creates_persona_and_sees_it_on_lead_card(self):
        manager = new_test_user(
            self.env,
            login="tour_manager",
            name="Tour Manager",
            groups="sales_team.group_sale_manager",
        )
        self.env["crm.lead"].create(
            {"name": "Tour Kitchen Renovation", "type": "opportunity", "user_id": manager.id}
        )
        self.start_tour("/odoo", "crm_persona_tour", login="tour_manager")
        lead = self.env["crm.lead"].search([("name", "=", "Tour Kitchen Renovation")])
        self.assertEqual(lead.persona_id.name, "Hesitant Homeowner")
        self.assertEqual(lead.persona_id.archetype_id.name, "Hesitant")
        self.assertTrue(lead.persona_manual)
