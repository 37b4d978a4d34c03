from datetime import date

from dateutil.relativedelta import relativedelta

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSmartGoalTour(HttpCase):
    def test_rep_sees_goal_progress_in_my_goals(self):
        rep = new_test_user(
            self.env,
            login="goal_tour_rep",
            name="Goal Tour Rep",
            groups="sales_team.group_sale_salesman",
        )
        for index in range(3):
            self.env["crm.lead"].create({"name": f"Tour lead {index}", "user_id": rep.id})
        objective = self.env["crm.strategy.objective"].create({"name": "Tour: more leads"})
        start = date.today().replace(day=1)
        self.env["crm.smart.goal"].create(
            {
                "name": "Tour: 20 new leads per month",
                "description": "Generate 20 leads every month.",
                "objective_id": objective.id,
                "metric_id": self.env.ref("crm_strategy.crm_goal_metric_leads_created").id,
                "target": 20,
                "user_id": rep.id,
                "date_start": start,
                "date_deadline": start + relativedelta(months=1, days=-1),
            }
        )
        self.start_tour("/odoo", "crm_smart_goal_tour", login="goal_tour_rep")
