from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .test_lead_scoring import T0, ScoringCase


@tagged("post_install", "-at_install")
class TestProfilingConsent(ScoringCase):
    """A contact who withdrew consent to profiling: no score, no persona, no events kept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.env["res.partner"].create(
            {"name": "Wanda Withdrawn", "email": "wanda@example.com", "country_id": cls.belgium.id}
        )
        cls.lead.partner_id = cls.contact

    def _withdraw(self):
        self.contact.with_user(self.rep).crm_profiling_withdrawn = True

    def test_withdrawal_clears_and_stops_scoring(self):
        self.env.cr.precommit.run()  # as if the contact had been created in an earlier transaction
        self._event("page_view", T0, url="https://example.com/pricing")
        self._rescore()
        self.assertGreater(self.lead.score, 0)
        self._withdraw()
        self.assertEqual(self.lead.score, 0)
        self.assertFalse(self.lead.score_model_id, "the lead is not scored at all")
        self._rescore()
        self.assertEqual(self.lead.score, 0, "rescoring leaves it unscored")
        self.env.cr.precommit.run()  # tracking values are written before the commit
        tracking = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "res.partner"),
                ("mail_message_id.res_id", "=", self.contact.id),
                ("field_id.name", "=", "crm_profiling_withdrawn"),
            ]
        )
        self.assertTrue(tracking, "the withdrawal is tracked in the contact's chatter")
        self.assertEqual(tracking.create_uid, self.rep)

    def test_endpoint_does_not_keep_events_of_withdrawn_contacts(self):
        self._withdraw()
        Event = self.env["crm.engagement.event"].with_user(self.manager)
        result = Event.ingest_events(
            [
                {"type": "download", "lead_id": self.lead.id},
                {"type": "download", "partner_id": self.contact.id},
                # the contact's e-mail address (also its lead's)
                {"type": "download", "email": "Wanda <WANDA@example.com>"},
                {"type": "download", "visitor_key": "anonymous-1"},
            ]
        )
        self.assertEqual(result["accepted"], 1, "only the anonymous event is kept")
        self.assertEqual(result["ignored"], 3)
        self.assertFalse(self.lead.engagement_event_ids)
        self.assertEqual(self.lead.score, 0)
        # nor by creating events directly
        with self.assertRaises(ValidationError):
            self.env["crm.engagement.event"].create(
                {"event_type": "download", "partner_id": self.contact.id}
            )

    def test_withdrawn_contacts_get_no_persona(self):
        persona = self.env["crm.persona"].create(
            {"name": "Belgians", "partner_domain": f"[('country_id', '=', {self.belgium.id})]"}
        )
        other = self.env["res.partner"].create({"name": "Bea", "country_id": self.belgium.id})
        self.contact.persona_id = persona
        self.contact.persona_manual = False
        self._withdraw()
        self.assertFalse(self.contact.persona_id, "the automatic persona is removed")
        persona.action_assign_personas()
        self.assertFalse(self.contact.persona_id)
        self.assertEqual(other.persona_id, persona)

    def test_forget_behaviour(self):
        self._event("page_view", T0, url="https://example.com/pricing")
        self._event("download", T0, partner_id=self.contact.id)
        self._rescore()
        self.assertEqual(len(self.lead.engagement_event_ids), 2)
        with self.assertRaises(AccessError):
            self.contact.with_user(self.rep).action_crm_forget_behaviour()
        self.contact.with_user(self.manager).action_crm_forget_behaviour()
        self.assertFalse(
            self.env["crm.engagement.event"].search(
                ["|", ("lead_id", "=", self.lead.id), ("partner_id", "=", self.contact.id)]
            )
        )
        self.assertEqual(self.lead.score_engagement, 0)
        log = self.contact.message_ids[0]
        self.assertIn("Behaviour forgotten by Max Manager", str(log.body))
        self.assertIn("2 engagement event(s) deleted", str(log.body))
