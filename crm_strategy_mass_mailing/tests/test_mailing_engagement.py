from odoo import Command
from odoo.addons.mass_mailing.tests.common import MassMailCommon
from odoo.tests import tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestMailingEngagement(MassMailCommon):
    """A real mailing is sent (SMTP mocked by Odoo's gateway helpers); what the recipients do
    with it scores their leads once the cron ran."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.scoring.model"].search([]).action_archive()
        cls.env["crm.scoring.model"].create(
            {
                "name": "E-mail",
                "score_ceiling": 100,
                "rule_ids": [
                    Command.create(
                        {
                            "name": name,
                            "rule_type": "engagement",
                            "event_type": event_type,
                            "url_pattern": pattern,
                            "points": points,
                        }
                    )
                    for name, event_type, pattern, points in (
                        ("Opened", "email_open", False, 2),
                        ("Clicked pricing", "email_click", "/pricing*", 10),
                        ("Replied", "email_reply", False, 15),
                        ("Bounced", "bounce", False, -5),
                        ("Unsubscribed", "unsubscribe", False, -20),
                    )
                ],
            }
        )
        cls.leads = cls.env["crm.lead"].create(
            [
                {"name": f"Lead {name}", "email_from": f"{name}@example.com"}
                for name in ("ann", "bob", "cid")
            ]
        )
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "name": "Spring offer",
                "subject": "Our new prices",
                "mailing_model_id": cls.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": [("id", "in", cls.leads.ids)],
                "body_html": '<p>Hello <a href="https://shop.example.com/pricing?plan=pro">'
                "See prices</a></p>",
                "user_id": cls.user_marketing.id,
            }
        )

    def _send(self):
        self.mailing.action_put_in_queue()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            self.mailing.action_send_mail()

    def _convert(self):
        self.env["mailing.trace"]._cron_crm_engagement_events()
        self.env.invalidate_all()

    @mute_logger("odoo.addons.mass_mailing.models.mailing", "odoo.addons.mail.models.mail_mail")
    def test_open_click_reply_bounce_score_the_lead(self):
        ann, bob, cid = self.leads
        self._send()
        self.assertEqual(len(self.mailing.mailing_trace_ids), 3)
        self.gateway_mail_trace_open(self.mailing, ann)
        self.gateway_mail_trace_click(self.mailing, ann, "See prices")
        self.gateway_mail_trace_reply(self.mailing, bob)
        self.gateway_mail_trace_bounce(self.mailing, cid)
        self._convert()
        click = ann.engagement_event_ids.filtered(lambda e: e.event_type == "email_click")
        self.assertEqual(click.url_path, "/pricing", "the clicked URL is the event's")
        self.assertEqual(click.subject, "Our new prices")
        self.assertEqual(ann.score, 12, "open 2 + pricing click 10")
        self.assertEqual(bob.engagement_event_ids.mapped("event_type"), ["email_reply"])
        self.assertEqual(bob.score, 15)
        self.assertEqual(cid.engagement_event_ids.mapped("event_type"), ["bounce"])
        self.assertEqual(cid.score, 0, "kept within the floor")
        # converted once, however often the cron runs; a second click is a new event
        self._convert()
        self.assertEqual(len(ann.engagement_event_ids), 2)
        self.gateway_mail_trace_click(self.mailing, ann, "See prices")
        self._convert()
        self.assertEqual(len(ann.engagement_event_ids), 3)
        self.assertEqual(ann.score, 22)

    @mute_logger("odoo.addons.mass_mailing.models.mailing", "odoo.addons.mail.models.mail_mail")
    def test_unsubscribe_and_deleted_lead(self):
        ann, bob, _cid = self.leads
        self._send()
        self.gateway_mail_trace_open(self.mailing, ann)
        self.gateway_mail_trace_open(self.mailing, bob)
        # ann unsubscribes through the mailing's link: Odoo blacklists her address
        self.env["mail.blacklist"].sudo()._add("ann@example.com")
        bob_trace = self.mailing.mailing_trace_ids.filtered(lambda t: t.res_id == bob.id)
        bob.unlink()
        self._convert()
        self.assertEqual(
            sorted(ann.engagement_event_ids.mapped("event_type")), ["email_open", "unsubscribe"]
        )
        self.assertEqual(ann.score, 0)
        self.assertFalse(
            self.env["crm.engagement.event"].search_count(
                [("idempotency_key", "=", f"mailing.trace.open:{bob_trace.id}")]
            ),
            "the trace of a deleted lead is not converted",
        )

    @mute_logger("odoo.addons.mass_mailing.models.mailing", "odoo.addons.mail.models.mail_mail")
    def test_mailing_list_contact_scores_the_lead_of_its_address(self):
        lead = self.env["crm.lead"].create({"name": "Dan's", "email_from": "Dan <dan@example.com>"})
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Newsletter",
                "contact_ids": [Command.create({"name": "Dan", "email": "dan@example.com"})],
            }
        )
        self.mailing.write(
            {
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [Command.set(mailing_list.ids)],
                "mailing_domain": [],
            }
        )
        self._send()
        self.gateway_mail_trace_open(self.mailing, mailing_list.contact_ids)
        self._convert()
        self.assertEqual(lead.engagement_event_ids.mapped("event_type"), ["email_open"])
        self.assertEqual(lead.score, 2)

    @mute_logger("odoo.addons.mass_mailing.models.mailing", "odoo.addons.mail.models.mail_mail")
    def test_withdrawn_consent_is_not_scored(self):
        ann = self.leads[0]
        ann.partner_id = self.env["res.partner"].create(
            {"name": "Ann", "email": "ann@example.com", "crm_profiling_withdrawn": True}
        )
        self._send()
        self.gateway_mail_trace_open(self.mailing, ann)
        self.gateway_mail_trace_click(self.mailing, ann, "See prices")
        self._convert()
        self.assertFalse(ann.engagement_event_ids)
        self.assertEqual(ann.score, 0)
