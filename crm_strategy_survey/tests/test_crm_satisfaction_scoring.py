from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCrmSatisfactionScoring(TransactionCase):
    """A fit rule on the customer's NPS class scores leads in the rule's company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Shop"})
        cls.env["crm.scoring.model"].search([]).action_archive()
        cls.model = cls.env["crm.scoring.model"].create(
            {
                "name": "Happy customers",
                "company_id": cls.company.id,
                "rule_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Promoter",
                            "rule_type": "fit",
                            "points": 15,
                            "domain": "[('partner_id.satisfaction_nps_class', '=', 'promoter')]",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Detractor",
                            "rule_type": "fit",
                            "points": -20,
                            "domain": "[('partner_id.satisfaction_nps_class', '=', 'detractor')]",
                        },
                    ),
                ],
            }
        )
        Partner = cls.env["res.partner"]
        cls.fan = Partner.create({"name": "Fan"})
        cls.critic = Partner.create({"name": "Critic"})
        Response = cls.env["crm.satisfaction.response"]
        for partner, company, score in (
            (cls.fan, cls.company, 10),
            (cls.critic, cls.company, 2),
            # a promoter elsewhere is still a detractor here
            (cls.critic, cls.other_company, 10),
        ):
            response = Response.create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "kind": "nps",
                    "state": "answered",
                    "scored": True,
                    "score": score,
                }
            )
            response._update_last()
        Lead = cls.env["crm.lead"]
        cls.lead_fan = Lead.create(
            {"name": "Upsell", "partner_id": cls.fan.id, "company_id": cls.company.id}
        )
        cls.lead_critic = Lead.create(
            {"name": "Renewal", "partner_id": cls.critic.id, "company_id": cls.company.id}
        )

    def test_fit_rule_on_nps_class_in_the_rules_company(self):
        leads = self.lead_fan | self.lead_critic
        # whoever rescores, in whichever company they work
        leads.with_company(self.other_company).sudo()._score_leads(leads.ids)
        self.assertEqual(self.lead_fan.score_fit, 15)
        self.assertEqual(self.lead_critic.score_fit, -20)
