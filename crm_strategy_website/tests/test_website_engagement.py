from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestWebsiteEngagement(HttpCase):
    """Real page requests on the website score the visitor's lead once the cron ran."""

    # pages are served on a read-only cursor, which does not track views: as Odoo's own tests
    readonly_enabled = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.scoring.model"].search([]).action_archive()
        cls.model = cls.env["crm.scoring.model"].create(
            {
                "name": "Website",
                "score_ceiling": 100,
                "rule_ids": [
                    Command.create(
                        {
                            "name": "Pricing page",
                            "rule_type": "engagement",
                            "event_type": "page_view",
                            "url_pattern": "/pricing*",
                            "points": 10,
                        }
                    ),
                ],
            }
        )
        cls.website = cls.env["website"].search([("company_id", "=", cls.env.company.id)], limit=1)
        views = cls.env["ir.ui.view"].create(
            [
                {
                    "name": name,
                    "type": "qweb",
                    "key": f"crm_strategy_website.test_{name}",
                    "track": True,
                    "arch": f'<t t-name="crm_strategy_website.test_{name}">'
                    f'<t t-call="website.layout"><p>{name}</p></t></t>',
                }
                for name in ("pricing", "about")
            ]
        )
        cls.env["website.page"].create(
            [
                {"view_id": views[0].id, "url": "/pricing", "website_published": True},
                {"view_id": views[1].id, "url": "/about-us-test", "website_published": True},
            ]
        )
        cls.partner = cls.env["res.partner"].create(
            {"name": "Vera Visitor", "email": "vera@example.com"}
        )
        cls.lead = cls.env["crm.lead"].create({"name": "Vera's project", "type": "lead"})
        cls.portal = new_test_user(
            cls.env, login="crm_portal", groups="base.group_portal", name="Paula Portal"
        )
        cls.portal_lead = cls.env["crm.lead"].create(
            {"name": "Paula's project", "partner_id": cls.portal.partner_id.id}
        )

    def _convert(self):
        self.env["website.track"]._cron_crm_engagement_events()
        self.env.invalidate_all()

    def _visit(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)

    def test_pricing_view_raises_lead_score(self):
        # an anonymous visitor, then linked to a lead (as website_crm does on a form submission)
        self._visit("/about-us-test")
        visitor = self.env["website.visitor"].search([], order="id desc", limit=1)
        self.lead.visitor_ids = visitor
        self.assertEqual(self.lead.score, 0)
        # the same browser (same session cookie, same visitor) opens the pricing page
        self._visit("/pricing")
        self.assertEqual(len(visitor.website_track_ids), 2)
        self._convert()
        events = self.lead.engagement_event_ids
        self.assertEqual(len(events), 2, "both page views of the visitor are the lead's")
        self.assertEqual(sorted(events.mapped("url_path")), ["/about-us-test", "/pricing"])
        self.assertEqual(self.lead.score, 10, "only /pricing* scores")
        # the cron again, with nothing new: every view is counted once
        self._convert()
        self.assertEqual(len(self.lead.engagement_event_ids), 2)
        self.assertEqual(self.lead.score, 10)
        # one more pricing view: one more event
        self._visit("/pricing")
        self._convert()
        self.assertEqual(len(self.lead.engagement_event_ids), 3)
        self.assertEqual(self.lead.score, 20)

    def test_logged_in_contact_scores_its_lead(self):
        self.authenticate("crm_portal", "crm_portal")
        self._visit("/pricing")
        self._convert()
        event = self.portal_lead.engagement_event_ids
        self.assertEqual(len(event), 1)
        self.assertEqual(event.partner_id, self.portal.partner_id)
        self.assertEqual(self.portal_lead.score, 10)

    def test_anonymous_and_unlinked_views_are_ignored(self):
        self._visit("/pricing")
        visitor = self.env["website.visitor"].search([], order="id desc", limit=1)
        self.assertFalse(visitor.partner_id)
        before = self.env["crm.engagement.event"].search_count([])
        self._convert()
        self.assertEqual(self.env["crm.engagement.event"].search_count([]), before)

    def test_deleted_lead_and_bad_urls(self):
        visitor = self.env["website.visitor"].create(
            {"access_token": "f" * 32, "website_id": self.website.id}
        )
        lead = self.env["crm.lead"].create({"name": "Gone soon", "visitor_ids": visitor.ids})
        tracks = self.env["website.track"].create(
            [
                {"visitor_id": visitor.id, "url": "http://[::1/broken"},
                {"visitor_id": visitor.id, "url": "https://shop.example.com/pricing/" + "x" * 3000},
            ]
        )
        keys = [f"website.track:{track.id}" for track in tracks]
        self._convert()
        events = lead.engagement_event_ids
        self.assertEqual(len(events), 2, "views with unusable URLs still count, without URL")
        self.assertEqual(sorted(events.mapped("idempotency_key")), sorted(keys))
        self.assertEqual(events.filtered("url").url_path[:9], "/pricing/")
        self.assertEqual(lead.score, 10)
        lead.unlink()
        # the visitor has no lead and no contact any more: its views are not converted again
        self._convert()
        Event = self.env["crm.engagement.event"]
        self.assertFalse(Event.search_count([("idempotency_key", "in", keys)]))

    def test_withdrawn_consent_views_are_not_converted(self):
        self.portal.partner_id.crm_profiling_withdrawn = True
        self.authenticate("crm_portal", "crm_portal")
        self._visit("/pricing")
        self._convert()
        self.assertFalse(self.portal_lead.engagement_event_ids)
        self.assertEqual(self.portal_lead.score, 0)
