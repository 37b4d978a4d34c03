import re
from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged

from .customer_value_common import CustomerValueCase


@tagged("post_install", "-at_install")
class TestPersianTour(HttpCase, CustomerValueCase):
    """A salesperson who works in Persian, a right-to-left language."""

    def test_persian_rep_reads_persona_and_customer_value_right_to_left(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["ir.module.module"].search([("name", "=", "crm_strategy")])._update_translations(
            ["fa_IR"]
        )
        self.assertEqual(self.env["res.lang"]._lang_get("fa_IR").direction, "rtl")
        new_test_user(
            self.env,
            login="rtl_rep",
            name="Rtl Rep",
            groups="sales_team.group_sale_salesman",
            lang="fa_IR",
        )
        self._create_five_customers()
        persona = self.env["crm.persona"].create({"name": "Regular Buyer"})
        # Orders marked confirmed in SQL-like writes leave customer_rank alone; the persona's
        # Customers button lists customers (customer_rank > 0), as confirmation would make her.
        self.cleo.write({"persona_id": persona.id, "customer_rank": 1})
        self._refresh(date(2025, 6, 30))
        self.assertEqual(
            self._value(self.cleo).segment_id.with_context(lang="fa_IR").name, "مشتریان وفادار"
        )
        # The first page in Persian compiles the web client's templates in that language and
        # its right-to-left style sheet (rtlcss): seconds during which Chrome's idle
        # preconnection outlives the 5 s request timeout of Odoo's test server, which logs an
        # error. Open the page and its style sheets once before the browser does.
        self.authenticate("rtl_rep", "rtl_rep")
        page = self.url_open("/odoo", timeout=180)
        self.assertEqual(page.status_code, 200)
        sheets = re.findall(r'href="(/web/assets/[^"]+\.rtl\.min\.css)"', page.text)
        self.assertTrue(sheets, "the page links its right-to-left style sheet")
        for sheet in sheets:
            self.assertEqual(self.url_open(sheet, timeout=180).status_code, 200)
        self.start_tour(
            f"/odoo/action-crm_strategy.crm_persona_action/{persona.id}",
            "crm_strategy_rtl_tour",
            login="rtl_rep",
        )
