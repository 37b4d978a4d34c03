import json
from datetime import datetime, timedelta

from odoo.tests import HttpCase, tagged

URL = "/crm_strategy/events"


@tagged("post_install", "-at_install")
class TestEngagementEndpoint(HttpCase):
    """The events endpoint over real HTTP: good batches and every kind of bad one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.env["crm.scoring.model"].search([]).action_archive()  # e.g. demo data
        cls.env["crm.scoring.model"].create(
            {
                "name": "Web",
                "rule_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Pricing",
                            "rule_type": "engagement",
                            "event_type": "page_view",
                            "url_pattern": "/pricing*",
                            "points": 15,
                        },
                    ),
                ],
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Visitor", "email_from": "visitor@web.example"}
        )
        cls.foreign_lead = cls.env["crm.lead"].create(
            {"name": "Elsewhere", "company_id": cls.other_company.id}
        )
        cls.integration = cls.env["crm.scoring.integration"].create({"name": "Website"})
        cls.key = cls.integration._generate_key()

    def _post(self, body, key=None, raw=False):
        headers = {"Content-Type": "application/json"}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        data = body if raw else json.dumps(body)
        response = self.url_open(URL, data=data, headers=headers)
        self.env.invalidate_all()  # the server wrote through the same transaction
        return response

    def _events(self):
        return self.env["crm.engagement.event"].search(
            [("integration_id", "=", self.integration.id)]
        )

    def _assert_refused(self, response, status, text):
        self.assertEqual(response.status_code, status, response.text)
        self.assertIn(text, response.text)
        self.assertFalse(self._events(), "nothing of a refused request is stored")

    def _view(self, key="k", **extra):
        return {
            "type": "page_view",
            "lead_id": self.lead.id,
            "url": "/pricing",
            "idempotency_key": key,
            **extra,
        }

    def test_good_batch_is_stored_and_scores_at_once(self):
        response = self._post(
            {
                "events": [
                    self._view("a"),
                    {
                        "type": "email_open",
                        "email": "Visitor@Web.example",
                        "subject": "Spring offer",
                        "idempotency_key": "b",
                        "utm_source": "newsletter",
                        "payload": {"campaign": 7},
                    },
                ]
            }
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["accepted"], 2)
        events = self._events()
        self.assertEqual(events.lead_id, self.lead, "the e-mail event is matched to the lead")
        self.assertEqual(self.lead.score, 15)

    def test_missing_and_wrong_key(self):
        self._assert_refused(self._post([self._view()], key=False), 401, "Missing API key")
        self._assert_refused(self._post([self._view()], key="crmsk_0000"), 401, "Unknown")
        self.integration.active = False
        self._assert_refused(self._post([self._view()]), 401, "Unknown or revoked")

    def test_malformed_json(self):
        self._assert_refused(self._post('{"events": [', raw=True), 400, "Malformed JSON")
        self._assert_refused(self._post({"events": "nope"}), 400, "Expected a JSON list")

    def test_oversized_batch(self):
        batch = [self._view(str(i)) for i in range(1001)]
        self._assert_refused(self._post(batch), 413, "at most 1000 events")

    def test_unknown_event_type_refuses_the_whole_batch(self):
        response = self._post([self._view("ok"), {"type": "teleport", "lead_id": self.lead.id}])
        self._assert_refused(response, 422, "Unknown event type")
        self.assertEqual(response.json()["errors"][0]["index"], 1)

    def test_events_for_another_company(self):
        self._assert_refused(
            self._post([self._view(company_id=self.other_company.id)]), 403, "its own company"
        )
        self._assert_refused(
            self._post([self._view(lead_id=self.foreign_lead.id)]), 403, "another company"
        )

    def test_timestamp_in_the_future_or_invalid(self):
        future = (datetime.utcnow() + timedelta(days=1)).isoformat()
        self._assert_refused(self._post([self._view(timestamp=future)]), 422, "in the future")
        self._assert_refused(self._post([self._view(timestamp="yesterday")]), 400, "ISO 8601")

    def test_repeated_idempotency_key(self):
        self.assertEqual(self._post([self._view("once")]).status_code, 201)
        stored = self._events()
        response = self._post([self._view("new"), self._view("once")])
        self.assertEqual(response.status_code, 409, response.text)
        self.assertIn("already received", response.text)
        self.assertEqual(self._events(), stored, "the new event of the batch is not stored")
        response = self._post([self._view("twin"), self._view("twin")])
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self._events(), stored)
        self.assertEqual(self.lead.score, 15, "a retried event never counts twice")

    def test_unknown_lead_and_missing_identity(self):
        self._assert_refused(self._post([self._view(lead_id=999999999)]), 422, "does not exist")
        self._assert_refused(
            self._post([{"type": "download", "idempotency_key": "x"}]), 422, "Name the lead"
        )
