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
