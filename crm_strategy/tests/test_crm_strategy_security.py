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

    def test_lead_and_customer_data_follow_the_sales_document_groups(self):
        """Like crm's "Personal Leads" / "All Leads" pair: every model showing a lead's or a
        customer's data has a rule limiting strategy users to their own documents, widened
        for "all documents" salespeople."""
        personal_group = self.env.ref("crm_strategy.group_crm_strategy_user")
        all_group = self.env.ref("sales_team.group_sale_salesman_all_leads")
        for model in (
            "crm.engagement.event",
            "crm.lead.score.history",
            "crm.lifecycle.funnel.report",
            "crm.customer.value",
            "crm.customer.segment.history",
            "crm.loyalty.ledger",
            "crm.loyalty.tier.history",
            "crm.smart.goal",
            "crm.smart.goal.checkin",
            "crm.lead.duplicate",
        ):
            with self.subTest(model=model):
                rules = self.env["ir.rule"].search([("model_id.model", "=", model)])
                personal = rules.filtered(lambda r, g=personal_group: g in r.groups and r.perm_read)
                self.assertTrue(personal, f"{model}: no rule for own documents")
                self.assertTrue(
                    all("user.id" in rule.domain_force for rule in personal),
                    f"{model}: the own-documents rule does not look at the user",
                )
                everything = rules.filtered(lambda r, g=all_group: g in r.groups and r.perm_read)
                self.assertTrue(everything, f"{model}: no rule for all documents")

    def test_rep_cannot_hand_over_own_goal_with_write(self):
        """The values refused at create are refused at write (the rules are checked on the
        goal as written, not only as it was)."""
        objective = self.env["crm.strategy.objective"].create({"name": "Grow"})
        goal = (
            self.env["crm.smart.goal"]
            .with_user(self.rep)
            .create(
                {
                    "name": "Rita's leads",
                    "description": "More leads",
                    "objective_id": objective.id,
                    "metric_id": self.env.ref("crm_strategy.crm_goal_metric_leads_created").id,
                    "target": 10,
                    "date_start": "2026-01-01",
                    "date_deadline": "2026-01-31",
                }
            )
        )
        for values in ({"user_id": self.manager.id}, {"owner_type": "company"}):
            with self.subTest(values=values), self.assertRaises(AccessError):
                with self.env.cr.savepoint():
                    goal.write(values)
        self.assertEqual((goal.owner_type, goal.user_id), ("user", self.rep))
        goal.with_user(self.manager).write({"user_id": self.manager.id})
        self.assertEqual(goal.user_id, self.manager)
