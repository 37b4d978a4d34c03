from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCrmLeadDuplicateTour(HttpCase):
    def test_rep_merges_a_duplicate_lead_pair(self):
        rep = new_test_user(
            self.env,
            login="lead_duplicate_rep",
            name="Lena Rep",
            groups="sales_team.group_sale_salesman",
        )
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": "Lagoon Pools: new pump",
                    "email_from": "buyer@lagoon.test",
                    "user_id": rep.id,
                },
                {
                    "name": "Lagoon Pools: filters",
                    "email_from": "Buyer@Lagoon.test",
                    "user_id": False,
                },
            ]
        )
        # found overnight by the scheduled action
        self.env["crm.lead.duplicate"]._cron_refresh()
        self.start_tour("/odoo/crm", "crm_lead_duplicate_tour", login="lead_duplicate_rep")
        self.assertEqual(len(leads.exists()), 1)
        self.assertFalse(self.env["crm.lead.duplicate"].search([("lead_a_id", "in", leads.ids)]))
