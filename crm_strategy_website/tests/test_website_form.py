from odoo import Command, http
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestWebsiteFormEngagement(HttpCase):
    """A real POST to website_crm's contact form records a form submission on the new lead."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.scoring.model"].search([]).action_archive()
        cls.env["crm.scoring.model"].create(
            {
                "name": "Website forms",
                "score_ceiling": 100,
                "rule_ids": [
                    Command.create(
                        {
                            "name": "Contact form",
                            "rule_type": "engagement",
                            "event_type": "form_submit",
                            "points": 25,
                        }
                    ),
                ],
            }
        )

    def _submit(self, email):
        self.authenticate(None, None)  # an anonymous visitor's session
        response = self.url_open(
            "/website/form/crm.lead",
            data={
                "contact_name": "Fiona Form",
                "email_from": email,
                "name": "Question about pricing",
                "description": "Do you ship to Belgium?",
                "csrf_token": http.Request.csrf_token(self),
            },
            headers={"Referer": f"{self.base_url()}/contactus"},
        )
        self.assertEqual(response.status_code, 200)
        lead = self.env["crm.lead"].browse(response.json().get("id"))
        self.assertTrue(lead.exists(), response.text)
        return lead

    def _events(self, lead):
        return self.env["crm.engagement.event"].search([("lead_id", "=", lead.id)])

    def test_form_submission_scores_the_new_lead(self):
        lead = self._submit("fiona@example.com")
        event = self._events(lead)
        self.assertEqual(event.event_type, "form_submit")
        self.assertEqual(event.url_path, "/contactus")
        self.assertEqual(event.idempotency_key, f"website.form:crm.lead:{lead.id}")
        self.assertEqual(lead.score, 25, "the form submission rule scored the lead")

    def test_one_event_per_lead(self):
        lead = self._submit("fiona@example.com")
        lead._crm_form_submit_event(self.env["website"].get_current_website())
        self.assertEqual(len(self._events(lead)), 1, "recorded once, whoever calls again")
        other = self._submit("gus@example.com")
        self.assertEqual(len(self._events(other)), 1, "each form submission is one event")

    def test_withdrawn_contact_submits_without_being_profiled(self):
        self.env["res.partner"].create(
            {"name": "Fiona", "email": "fiona@example.com", "crm_profiling_withdrawn": True}
        )
        lead = self._submit("fiona@example.com")
        self.assertFalse(self._events(lead), "no behaviour stored without consent")
        self.assertEqual(lead.score, 0)
