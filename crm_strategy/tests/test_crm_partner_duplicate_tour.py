from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCrmPartnerDuplicateTour(HttpCase):
    def test_rep_reviews_and_merges_a_duplicate_pair(self):
        new_test_user(
            self.env,
            login="duplicate_rep",
            name="Dupe Rep",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        Partner = self.env["res.partner"]
        bakeries = Partner.create(
            [
                {"name": "Tourmaline Bakery", "email": "orders@tourmaline.test"},
                {"name": "Tourmaline Bakery Ltd", "email": "orders@tourmaline.test"},
            ]
        )
        gwen = Partner.create(
            [
                {"name": "Gwendolyn Tourneur", "phone": "+32 470 99 88 77"},
                {"name": "Bob Tourneur-Other", "mobile": "0470 998 877"},
            ]
        )
        # found overnight by the scheduled action
        self.env["crm.partner.duplicate"]._cron_refresh()
        self.start_tour("/odoo/crm", "crm_partner_duplicate_tour", login="duplicate_rep")
        self.assertEqual(len(bakeries.exists()), 1)
        pair = self.env["crm.partner.duplicate"].search([("partner_a_id", "=", gwen[0].id)])
        self.assertEqual(pair.state, "dismissed")
