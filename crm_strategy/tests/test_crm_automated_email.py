from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .customer_value_common import CustomerValueCase
from .test_lead_scoring import ScoringCase

AS_OF = date(2025, 6, 30)
T0 = datetime(2026, 3, 2, 9, 0, 0)


def _template(env, model, name):
    return env["mail.template"].create(
        {
            "name": name,
            "model_id": env["ir.model"]._get_id(model),
            "subject": f"{name} for {{{{ object.name }}}}",
            "body_html": "<p>We miss you.</p>",
            "use_default_to": True,
        }
    )


def _mails(env, record):
    return env["mail.mail"].search([("model", "=", record._name), ("res_id", "=", record.id)])


@tagged("post_install", "-at_install")
class TestAutomatedEmailSegment(CustomerValueCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_five_customers()
        cls.cleo.email = "cleo@example.com"
        cls.template = _template(cls.env, "res.partner", "Win back")
        cls.cant_lose = cls.segments["Can't Lose Them"]
        cls.cant_lose.mail_template_id = cls.template
        cls.company.write({"crm_automated_email_cap": 2, "crm_automated_email_days": 7})
        cls.Automated = cls.env["crm.automated.email"]

    def _send(self, partners, company=None):
        return self.Automated._send_automated(
            self.template, partners, company or self.company, self.cant_lose
        )

    def test_segment_move_sends_the_template_once(self):
        self._refresh(AS_OF)
        self.assertFalse(_mails(self.env, self.cleo), "a first segment is not an entry")
        self._orders([(self.bob, date(2025, 12, 30), 80.0)])
        self._refresh(date(2025, 12, 31))
        self.assertEqual(self._value(self.cleo).segment_id, self.cant_lose)
        mail = _mails(self.env, self.cleo)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued, not sent during the refresh")
        self.assertEqual(mail.recipient_ids, self.cleo)
        self.assertEqual(mail.subject, "Win back for Cleo")
        log = self.Automated.search([("partner_id", "=", self.cleo.id)])
        self.assertEqual(
            (log.company_id, log.template_id, log.source, log.email),
            (self.company, self.template, self.cant_lose, "cleo@example.com"),
        )
        self._refresh(date(2025, 12, 31))
        self.assertEqual(len(_mails(self.env, self.cleo)), 1, "staying in a segment sends nothing")
        self.assertFalse(
            self.Automated.search([("partner_id", "in", (self.acme | self.bob).ids)]),
            "other moves go to segments without a template",
        )

    def test_cap_stops_the_next_email_until_the_period_is_over(self):
        with freeze_time(T0):
            self.assertEqual(len(self._send(self.cleo)), 1)
            self.assertEqual(len(self._send(self.cleo)), 1)
            self.assertFalse(self._send(self.cleo), "the third e-mail in 7 days is capped")
        with freeze_time(T0 + timedelta(days=6)):
            self.assertFalse(self._send(self.cleo))
        with freeze_time(T0 + timedelta(days=7, seconds=1)):
            self.assertEqual(len(self._send(self.cleo)), 1, "allowed again after 7 days")
        self.assertEqual(len(_mails(self.env, self.cleo)), 3)

    def test_cap_counts_within_one_batch(self):
        self.company.crm_automated_email_cap = 1
        self.dora.email = "dora@example.com"
        sent = self._send(self.cleo | self.dora)
        self.assertEqual(sent.partner_id, self.cleo | self.dora)
        self.assertFalse(self._send(self.cleo | self.dora))

    def test_blacklisted_withdrawn_and_without_email_get_nothing(self):
        self.bob.email = "bob@example.com"
        self.env["mail.blacklist"].create({"email": "bob@example.com"})
        self.dora.email = "dora@example.com"
        self.dora.crm_profiling_withdrawn = True
        self.assertFalse(self.eli.email)
        sent = self._send(self.bob | self.dora | self.eli | self.cleo)
        self.assertEqual(sent.partner_id, self.cleo)
        for partner in (self.bob, self.dora, self.eli):
            self.assertFalse(_mails(self.env, partner), partner.name)

    def test_each_company_has_its_own_cap(self):
        other = self.env["res.company"].create(
            {"name": "Other Shop", "crm_automated_email_cap": 1, "crm_automated_email_days": 30}
        )
        self.company.crm_automated_email_cap = 1
        self.assertTrue(self._send(self.cleo))
        self.assertFalse(self._send(self.cleo))
        self.assertTrue(self._send(self.cleo, other), "the other company counts its own")
        self.assertFalse(self._send(self.cleo, other))

    def test_cap_and_template_model_are_checked(self):
        with self.assertRaises(ValidationError):
            self.company.crm_automated_email_cap = 0
        with self.assertRaises(ValidationError):
            self.cant_lose.mail_template_id = _template(self.env, "crm.lead", "Lead mail")

    def test_rep_reads_the_emails_of_own_customers_only(self):
        self.dora.email = "dora@example.com"
        self.cleo.user_id = self.rep
        self.dora.user_id = self.manager
        self._send(self.cleo | self.dora)
        Automated = self.Automated.with_user(self.rep)
        self.assertEqual(Automated.search([]).partner_id, self.cleo)
        self.assertEqual(
            self.Automated.with_user(self.manager).search([]).partner_id, self.cleo | self.dora
        )


@tagged("post_install", "-at_install")
class TestAutomatedEmailThreshold(ScoringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = _template(cls.env, "crm.lead", "Welcome MQL")
        cls.mql = cls.model.threshold_ids.filtered(lambda t: t.stage == "mql")
        cls.mql.mail_template_id = cls.template

    def test_crossing_a_threshold_emails_the_lead(self):
        with freeze_time(T0):
            self._event("page_view", T0, url="/pricing")
        self.assertEqual(self.lead.lifecycle_stage, "mql")
        mail = _mails(self.env, self.lead)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.email_to, "jo@acme.example")
        log = self.env["crm.automated.email"].search([("lead_id", "=", self.lead.id)])
        self.assertEqual((log.email, log.source), ("jo@acme.example", self.mql))

    def test_crossing_emails_the_leads_contact(self):
        partner = self.env["res.partner"].create({"name": "Jo", "email": "jo@acme.example"})
        self.lead.partner_id = partner
        with freeze_time(T0):
            self._event("page_view", T0, url="/pricing")
        mail = _mails(self.env, self.lead)
        self.assertEqual(mail.email_to, "jo@acme.example", "Odoo's default recipient of a lead")
        log = self.env["crm.automated.email"].search([("lead_id", "=", self.lead.id)])
        self.assertEqual(log.partner_id, partner)

    def test_withdrawn_contact_gets_nothing(self):
        partner = self.env["res.partner"].create({"name": "Jo", "email": "jo@acme.example"})
        partner.crm_profiling_withdrawn = True
        # the lead's own address names a contact who withdrew consent
        sent = self.env["crm.automated.email"]._send_automated(
            self.template, self.lead, self.env.company, self.mql
        )
        self.assertFalse(sent)
        self.assertFalse(_mails(self.env, self.lead))
