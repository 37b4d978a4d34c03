from datetime import date

from odoo import Command
from odoo.tests import new_test_user

# Every model of ours holding a company_id, with the xml id of its multi-company rule.
# tests/test_security_rpc.py reads each as a manager of another company.
COMPANY_MODELS = [
    "crm.persona",
    "crm.scoring.model",
    "crm.scoring.rule",
    "crm.scoring.threshold",
    "crm.engagement.event",
    "crm.lead.score.history",
    "crm.scoring.integration",
    "crm.lifecycle.funnel.report",
    "crm.customer.value",
    "crm.customer.segment.history",
    "crm.clv.fit",
    "crm.loyalty.ledger",
    "crm.loyalty.tier",
    "crm.loyalty.tier.history",
    "crm.strategy.objective",
    "crm.smart.goal",
    "crm.smart.goal.checkin",
]


class StrategyDataMixin:
    """Two salespeople of company A, their leads, customers and the strategy rows about
    them; a salesperson with "all documents", a sales manager of company B only and a
    portal user. Passwords are the logins (new_test_user, logins of 8+ characters)."""

    @classmethod
    def _setup_strategy_data(cls):
        env = cls.env(context=dict(cls.env.context, tracking_disable=True, loyalty_no_mail=True))
        cls.env = env
        cls.company_a = env.company
        cls.company_b = env["res.company"].create({"name": "Company B (strategy tests)"})
        company_a_only = {
            "company_id": cls.company_a.id,
            "company_ids": [Command.set(cls.company_a.ids)],
        }
        cls.rep = new_test_user(
            env,
            login="sec_rita",
            name="Rita Rep",
            groups="sales_team.group_sale_salesman",
            **company_a_only,
        )
        cls.rep2 = new_test_user(
            env,
            login="sec_ross",
            name="Ross Rep",
            groups="sales_team.group_sale_salesman",
            **company_a_only,
        )
        cls.rep_all = new_test_user(
            env,
            login="sec_alma",
            name="Alma All-Documents",
            groups="sales_team.group_sale_salesman_all_leads",
            **company_a_only,
        )
        cls.manager = new_test_user(
            env,
            login="sec_manager",
            name="Mona Manager",
            groups="sales_team.group_sale_manager",
            **company_a_only,
        )
        cls.manager_b = new_test_user(
            env,
            login="sec_manager_b",
            name="Bert Manager B",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.portal = new_test_user(
            env, login="sec_portal", name="Paula Portal", groups="base.group_portal"
        )
        cls.customer = env["res.partner"].create(
            {"name": "Carl Customer of Ross", "user_id": cls.rep2.id, "email": "carl@example.com"}
        )
        cls.own_customer = env["res.partner"].create(
            {"name": "Olga Customer of Rita", "user_id": cls.rep.id}
        )
        cls.lead = env["crm.lead"].create(
            {"name": "Ross's deal", "user_id": cls.rep2.id, "partner_id": cls.customer.id}
        )
        cls.own_lead = env["crm.lead"].create(
            {"name": "Rita's deal", "user_id": cls.rep.id, "partner_id": cls.own_customer.id}
        )
        Event = env["crm.engagement.event"]
        cls.event = Event.create(
            {
                "lead_id": cls.lead.id,
                "event_type": "page_view",
                "email": "carl@example.com",
                "url": "https://example.com/pricing?token=secret-of-ross",
            }
        )
        cls.partner_event = Event.create(
            {
                "partner_id": cls.customer.id,
                "event_type": "page_view",
                "email": "carl@example.com",
                "url": "https://example.com/quote?access_token=secret-of-ross",
            }
        )
        cls.own_event = Event.create(
            {"lead_id": cls.own_lead.id, "event_type": "page_view", "url": "https://example.com"}
        )
        cls.scoring_model = env["crm.scoring.model"].create({"name": "Security model"})
        cls.scoring_rule = env["crm.scoring.rule"].create(
            {"name": "Pricing page", "model_id": cls.scoring_model.id, "points": 5}
        )
        cls.threshold = env["crm.scoring.threshold"].search(
            [("company_id", "=", cls.company_a.id)], limit=1
        ) or env["crm.scoring.threshold"].create(
            {"model_id": cls.scoring_model.id, "stage": "mql", "min_score": 10}
        )
        cls.score_history = env["crm.lead.score.history"].create(
            {"lead_id": cls.lead.id, "score": 42, "score_fit": 20, "score_engagement": 22}
        )
        cls.integration = env["crm.scoring.integration"].create({"name": "Security webhook"})
        cls.persona = env["crm.persona"].create(
            {"name": "Security persona", "company_id": cls.company_a.id}
        )
        cls.customer_value = env["crm.customer.value"].create(
            {"partner_id": cls.customer.id, "company_id": cls.company_a.id}
        )
        cls.own_customer_value = env["crm.customer.value"].create(
            {"partner_id": cls.own_customer.id, "company_id": cls.company_a.id}
        )
        cls.segment_history = env["crm.customer.segment.history"].create(
            {"partner_id": cls.customer.id, "company_id": cls.company_a.id, "date": date.today()}
        )
        cls.clv_fit = env["crm.clv.fit"].create(
            {"company_id": cls.company_a.id, "as_of_date": date.today(), "time_unit": "week"}
        )
        cls.program = env["loyalty.program"].create(
            {"name": "Security club", "program_type": "loyalty", "trigger": "auto"}
        )
        cls.tier = env["crm.loyalty.tier"].create(
            {"name": "Gold", "program_id": cls.program.id, "min_points": 100}
        )
        cls.card = env["loyalty.card"].create(
            {"program_id": cls.program.id, "partner_id": cls.customer.id}
        )
        cls.ledger = env["crm.loyalty.ledger"]._post_entries(
            [{"card": cls.card, "entry_type": "adjust", "points": 10, "reason": "Welcome"}]
        )
        cls.tier_history = env["crm.loyalty.tier.history"].create(
            {"card_id": cls.card.id, "tier_id": cls.tier.id, "change": "upgrade"}
        )
        cls.objective = env["crm.strategy.objective"].create({"name": "Grow"})
        metric = env.ref("crm_strategy.crm_goal_metric_leads_created")
        goal_vals = {
            "description": "More leads",
            "objective_id": cls.objective.id,
            "metric_id": metric.id,
            "target": 10,
            "date_start": date.today().replace(day=1),
            "date_deadline": date.today().replace(day=28),
            "owner_type": "user",
        }
        cls.goal = env["crm.smart.goal"].create(
            {**goal_vals, "name": "Ross's goal", "user_id": cls.rep2.id}
        )
        cls.own_goal = env["crm.smart.goal"].create(
            {**goal_vals, "name": "Rita's goal", "user_id": cls.rep.id}
        )
        cls.goal_metric = metric
        cls.goal_vals = goal_vals
        (cls.goal | cls.own_goal)._create_checkins()
        cls.checkin = cls.goal.checkin_ids
        cls.funnel_rows = env["crm.lifecycle.funnel.report"].search([("lead_id", "=", cls.lead.id)])
