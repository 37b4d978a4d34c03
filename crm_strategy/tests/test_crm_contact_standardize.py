from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmStrategyCase


@tagged("post_install", "-at_install")
class TestCrmContactStandardize(CrmStrategyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.belgium = cls.env.ref("base.be")
        cls.france = cls.env.ref("base.fr")
        cls.env.company.country_id = cls.belgium
        cls.manager.groups_id |= cls.env.ref("base.group_partner_manager")
        Partner = cls.env["res.partner"]
        cls.local = Partner.create(
            {"name": "Local Bakery", "phone": "0475 12 34 56", "email": "  Orders@Bakery.TEST "}
        )
        cls.french = Partner.create(
            {"name": "Paris Cafe", "country_id": cls.france.id, "mobile": "06 12 34 56 78"}
        )
        cls.clean = Partner.create(
            {"name": "Already Clean", "phone": "+32 475 99 88 77", "email": "clean@shop.test"}
        )
        cls.broken = Partner.create(
            {"name": "Typo Trading", "phone": "12", "email": "not an address"}
        )
        cls.partners = cls.local | cls.french | cls.clean | cls.broken
        cls.Standardize = cls.env["crm.contact.standardize"]

    def test_contacts_in_international_format_and_normalised_emails(self):
        before = self.clean.write_date
        action = self.Standardize.with_user(self.manager)._standardize(
            self.partners.with_user(self.manager), "email"
        )
        self.assertEqual(self.local.phone, "+32 475 12 34 56")
        self.assertEqual(self.local.email, "orders@bakery.test")
        # the contact's own country, not the company's
        self.assertEqual(self.french.mobile, "+33 6 12 34 56 78")
        # unchanged values are not written
        self.assertEqual(self.clean.write_date, before)
        # what cannot be read stays as typed, and is named
        self.assertEqual((self.broken.phone, self.broken.email), ("12", "not an address"))
        params = action["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("2 of 4 records changed", params["message"])
        self.assertIn("Typo Trading", params["message"])

    def test_leads_use_their_country_then_their_company(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Espresso machines",
                "phone": "01 23 45 67 89",
                "email_from": '"Jean" <Jean@Cafe.TEST>',
                "country_id": self.france.id,
            }
        )
        lead_be = self.env["crm.lead"].create({"name": "Croissants", "mobile": "0470998877"})
        action = self.Standardize.with_user(self.manager)._standardize(
            (lead | lead_be).with_user(self.manager), "email_from"
        )
        self.assertEqual(lead.phone, "+33 1 23 45 67 89")
        self.assertEqual(lead.email_from, "jean@cafe.test")
        self.assertEqual(lead_be.mobile, "+32 470 99 88 77")
        self.assertEqual(action["params"]["type"], "success")

    def test_only_managers_standardize(self):
        with self.assertRaises(AccessError):
            self.Standardize.with_user(self.rep)._standardize(
                self.partners.with_user(self.rep), "email"
            )
        action = self.env.ref("crm_strategy.res_partner_action_standardize")
        with self.assertRaises(AccessError):
            action.with_user(self.rep).with_context(
                active_model="res.partner", active_ids=self.local.ids
            ).run()
        self.assertEqual(self.local.phone, "0475 12 34 56")
