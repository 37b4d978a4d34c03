from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged

from .customer_value_common import CustomerValueCase


@tagged("post_install", "-at_install")
class TestCustomerValueTour(HttpCase, CustomerValueCase):
    def test_rep_reads_customer_value_tab(self):
        new_test_user(
            self.env,
            login="value_tour_rep",
            name="Tour Rep",
            groups="sales_team.group_sale_salesman",
        )
        self._create_five_customers()
        self._refresh(date(2025, 6, 30))
        self.assertEqual(self._value(self.cleo).segment_id.name, "Loyal Customers")
        self.start_tour(
            f"/odoo/res.partner/{self.cleo.id}", "crm_customer_value_tour", login="value_tour_rep"
        )
