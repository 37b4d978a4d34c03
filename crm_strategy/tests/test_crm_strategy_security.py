from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CrmStrategyCase


@tagged("post_install", "-at_install")
class TestCrmStrategySecurity(CrmStrategyCase):
    def _sees_strategy_menu(self, user):
        menu = self.env.ref("crm_strategy.crm_strategy_menu")
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        return menu.id in visible

    def test_sales_groups_imply_strategy_groups(self):
        self.assertTrue(self.rep.has_group("crm_strategy.group_crm_strategy_user"))
        self.assertFalse(self.rep.has_group("crm_strategy.group_crm_strategy_manager"))
        self.assertTrue(self.manager.has_group("crm_strategy.group_crm_strategy_manager"))
        self.assertFalse(self.outsider.has_group("crm_strategy.group_crm_strategy_user"))

    def test_strategy_menu_visible_to_rep_and_manager_only(self):
        self.assertTrue(self._sees_strategy_menu(self.rep))
        self.assertTrue(self._sees_strategy_menu(self.manager))
        self.assertFalse(self._sees_strategy_menu(self.outsider))

    def test_outsider_cannot_read_strategy_records(self):
        with self.assertRaises(AccessError):
            self.env["crm.persona"].with_user(self.outsider).search([])

    def test_every_company_model_has_a_multi_company_rule(self):
        """The house convention: no company-aware model of ours without a rule."""
        module_models = self.env["ir.model.data"].search(
            [("module", "=", "crm_strategy"), ("model", "=", "ir.model")]
        )
        models = self.env["ir.model"].browse(module_models.mapped("res_id"))
        company_models = models.filtered(
            lambda m: (
                "company_id" in self.env[m.model]._fields
                and not self.env[m.model]._abstract
                and not self.env[m.model]._transient
            )
        )
        self.assertTrue(company_models, "expected at least one company-aware model")
        for model in company_models:
            rules = self.env["ir.rule"].search([("model_id", "=", model.id)])
            self.assertTrue(
                any("company_ids" in (rule.domain_force or "") for rule in rules),
                f"{model.model} has no multi-company record rule",
            )
