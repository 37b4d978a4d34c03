from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLeadScoringTour(HttpCase):
    def test_rep_reads_why_a_lead_scores(self):
        rep = new_test_user(
            self.env,
            login="scoring_tour_rep",
            name="Tour Rep",
            groups="sales_team.group_sale_salesman,crm.group_use_lead",
        )
        self.env["crm.scoring.model"].search([]).action_archive()  # e.g. demo data
        self.env["crm.scoring.model"].create(
            {
                "name": "Tour model",
                "hot_threshold": 60,
                "rule_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Target company",
                            "rule_type": "fit",
                            "points": 50,
                            "domain": "[('type', '=', 'lead')]",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Pricing page",
                            "rule_type": "engagement",
                            "event_type": "page_view",
                            "url_pattern": "/pricing*",
                            "points": 30,
                        },
                    ),
                ],
                "threshold_ids": [
                    (0, 0, {"stage": "mql", "min_score": 40}),
                    (0, 0, {"stage": "sql", "min_score": 70}),
                ],
            }
        )
        lead = self.env["crm.lead"].create(
            {"name": "Tour Hot Lead", "type": "lead", "user_id": rep.id}
        )
        self.env["crm.engagement.event"].create(
            {"lead_id": lead.id, "event_type": "page_view", "url": "https://x.example/pricing"}
        )
        self.assertEqual(lead.score, 80)
        self.start_tour("/odoo", "crm_lead_scoring_tour", login="scoring_tour_rep")
