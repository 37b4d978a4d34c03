from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCrmSatisfactionTour(HttpCase):
    def test_rep_sees_a_detractor_call_back(self):
        rep = new_test_user(
            self.env, login="nps_tour_rep", name="Sam Rep", groups="sales_team.group_sale_salesman"
        )
        customer = self.env["res.partner"].create(
            {"name": "Unhappy Ursula", "email": "ursula@example.com", "user_id": rep.id}
        )
        survey = self.env.ref("crm_strategy_survey.survey_nps")
        response = self.env["crm.satisfaction.response"]._send(
            customer, self.env.company, survey=survey
        )
        response.user_input_id._save_lines(
            self.env.ref("crm_strategy_survey.survey_nps_question_score"), "3"
        )
        response.user_input_id._mark_done()
        self.start_tour(
            f"/odoo/res.partner/{customer.id}",
            "crm_satisfaction_callback_tour",
            login="nps_tour_rep",
        )
