from odoo.tests import HttpCase, new_test_user, tagged

from .product_affinity_common import ProductAffinityCase


@tagged("post_install", "-at_install")
class TestCrmProductAffinityTour(HttpCase, ProductAffinityCase):
    def test_rep_reads_cross_sell_suggestions(self):
        rep = new_test_user(
            self.env,
            login="cross_sell_tour_rep",
            name="Tour Rep",
            groups="sales_team.group_sale_salesman",
        )
        customer = self.c[4]
        customer.user_id = rep
        self.env["crm.lead"].create(
            {
                "name": "Coffee for the new shop",
                "type": "opportunity",
                "partner_id": customer.id,
                "user_id": rep.id,
            }
        )
        self._refresh_all()
        self.start_tour(
            f"/odoo/res.partner/{customer.id}", "crm_product_affinity_tour", login=rep.login
        )
