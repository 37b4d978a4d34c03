from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools.convert import convert_file

from ..services.scoring import LIFECYCLE_STAGES
from .common import CrmStrategyCase

CUSTOMERS = 75  # three customers per RFM cell
LEADS = 40


def personas(env):
    """Two personas in the shape of demo/crm_persona_demo.xml's (that file is demo data)."""
    return env["crm.persona"].create(
        [
            {
                "name": "IT manager",
                "sequence": 10,
                "min_fit_score": 60,
                "country_ids": [(6, 0, [env.ref("base.be").id, env.ref("base.fr").id])],
                "industry_ids": [(6, 0, [env.ref("base.res_partner_industry_J").id])],
                "job_titles": "IT manager, CTO",
                "age_min": 30,
                "age_max": 50,
            },
            {
                "name": "Young professional",
                "sequence": 20,
                "min_fit_score": 100,
                "country_ids": [(6, 0, [env.ref("base.nl").id])],
                "age_min": 22,
                "age_max": 32,
            },
        ]
    )


class DemoRollback(Exception):
    """Raised to roll a generator run back to its savepoint."""


def scoring_model(env):
    """The shape of demo/crm_scoring_model_demo.xml, which a database without demo lacks."""
    return env["crm.scoring.model"].create(
        {
            "name": "Inbound",
            "company_id": env.company.id,
            "hot_threshold": 60,
            "rule_ids": [
                (0, 0, vals)
                for vals in (
                    {
                        "name": "Free mailbox",
                        "rule_type": "fit",
                        "points": -10,
                        "domain": "[('email_from', '=ilike', '%@gmail.com')]",
                    },
                    {
                        "name": "Pricing page",
                        "rule_type": "engagement",
                        "event_type": "page_view",
                        "url_pattern": "/pricing*",
                        "points": 10,
                        "decay_mode": "half_life",
                        "half_life_days": 14,
                        "period_cap": 20,
                        "cap_period": "day",
                    },
                    {
                        "name": "Mailing click",
                        "rule_type": "engagement",
                        "event_type": "email_click",
                        "points": 5,
                        "max_points": 25,
                        "decay_mode": "expiry",
                        "expiry_days": 90,
                    },
                    {
                        "name": "Meeting",
                        "rule_type": "engagement",
                        "event_type": "meeting_booked",
                        "points": 40,
                    },
                    {
                        "name": "Unsubscribed",
                        "rule_type": "engagement",
                        "event_type": "unsubscribe",
                        "points": -30,
                    },
                )
            ],
            "threshold_ids": [
                (0, 0, {"stage": "mql", "min_score": 30}),
                (0, 0, {"stage": "sql", "min_score": 60}),
            ],
        }
    )


@tagged("post_install", "-at_install")
class TestDemoGenerator(CrmStrategyCase):
    """The demo company shows every segment, stage and status a user looks for."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        scoring_model(cls.env)
        cls.personas = personas(cls.env)
        cls.counts = cls.env["crm.strategy.demo"]._generate_demo_company(
            customers=CUSTOMERS, leads=LEADS
        )

    def test_every_rfm_segment_has_customers(self):
        segments = self.env["crm.rfm.segment"].search([])
        self.assertEqual(len(segments), 11)
        empty = segments.filtered(lambda s: not s.customer_count)
        self.assertFalse(empty, f"segments without customers: {empty.mapped('name')}")
        self.assertEqual(sum(segments.mapped("customer_count")), CUSTOMERS)
        self.assertEqual(self.counts["valued_customers"], CUSTOMERS)

    def test_cross_sell_rules_and_suggestions(self):
        self.assertTrue(self.counts["cross_sell_rules"], "the demo's tastes make rules")
        customers = self.env["res.partner"].search([("crm_bought_category_ids", "!=", False)])
        suggested = customers.filtered("crm_cross_sell_ids")
        self.assertTrue(suggested, "some customers have something to be offered")
        for customer in suggested:
            self.assertFalse(
                customer.crm_cross_sell_ids.consequent_categ_id & customer.crm_bought_category_ids
            )

    def test_segment_history_shows_who_moved(self):
        moves = self.env["crm.customer.segment.history"].search([])
        self.assertTrue(moves, "the demo's two refreshes leave segment moves to look at")
        self.assertEqual(set(moves.mapped("date")), {fields.Date.context_today(self.env.user)})
        for move in moves.filtered("to_segment_id"):
            self.assertNotEqual(move.from_segment_id, move.to_segment_id)
            self.assertEqual(move.to_segment_id, move.partner_id.rfm_segment_id)

    def test_acquisition_cost_per_channel(self):
        rows = self.env["crm.acquisition.report"]._read_group(
            [("company_id", "=", self.env.company.id)],
            ["source_id"],
            ["spend:sum", "new_customers:sum", "clv_total:sum"],
        )
        by_source = {source.name: (spend, new, clv) for source, spend, new, clv in rows}
        self.assertEqual(
            set(by_source) - {False}, {"Search engine", "Newsletter", "Facebook"}, by_source
        )
        self.assertEqual(sum(new for _spend, new, _clv in by_source.values()), CUSTOMERS)
        for name in ("Search engine", "Newsletter", "Facebook"):
            spend, new, clv = by_source[name]
            self.assertGreater(spend, 0, name)
            self.assertGreater(new, 0, f"{name} brought customers")
            self.assertGreater(clv, 0, f"{name}'s customers have a lifetime value")

    def test_customers_are_matched_to_personas(self):
        customers = self.env["sale.order"].search([("state", "=", "sale")]).partner_id
        self.assertEqual(len(customers), CUSTOMERS)
        matched = customers.filtered("persona_id")
        self.assertEqual(len(matched), self.counts["customers_with_persona"])
        # most customers look like a persona (80 % are drawn so), the others like none
        self.assertGreater(len(matched), CUSTOMERS * 0.6)
        self.assertLess(len(matched), CUSTOMERS)
        self.assertEqual(matched.persona_id, self.personas, "every persona has customers")
        for customer in matched:
            self.assertGreaterEqual(customer.persona_fit_score, customer.persona_id.min_fit_score)
            self.assertFalse(customer.persona_manual, "assigned by the matching, not by hand")
        it = matched.filtered(lambda c: c.persona_id.name == "IT manager")
        self.assertEqual(it.industry_id, self.env.ref("base.res_partner_industry_J"))

    def test_two_years_of_orders(self):
        orders = self.env["sale.order"].search([("state", "=", "sale")])
        self.assertEqual(len(orders), self.counts["orders"])
        days = orders.mapped("date_order")
        span = (max(days) - min(days)).days
        self.assertGreater(span, 600)
        self.assertLessEqual(span, 731)

    def test_loyalty_members_earn_redeem_expire_and_rank(self):
        Ledger = self.env["crm.loyalty.ledger"]
        types = set(Ledger.search([]).mapped("entry_type"))
        self.assertLessEqual({"earn", "redeem", "expire"}, types)
        cards = self.env["loyalty.card"].search([("program_id.crm_tier_ids", "!=", False)])
        self.assertTrue(cards)
        self.assertGreaterEqual(len(cards.crm_tier_id), 2, "members sit in several tiers")
        for card in cards:
            posted = Ledger.search([("card_id", "=", card.id), ("state", "=", "posted")])
            self.assertAlmostEqual(card.points, sum(posted.mapped("points")), places=2)
            self.assertGreaterEqual(card.points, 0)

    def test_every_lifecycle_stage_and_hot_leads(self):
        leads = self.env["crm.lead"].search([])
        self.assertEqual(len(leads), LEADS)
        stages = set(leads.mapped("lifecycle_stage"))
        self.assertEqual(stages, {code for code, _label in LIFECYCLE_STAGES})
        self.assertTrue(leads.filtered("score_hot"))
        self.assertGreaterEqual(len(set(leads.engagement_event_ids.mapped("event_type"))), 3)

    def test_every_goal_status(self):
        goals = self.env["crm.smart.goal"].search([])
        self.assertEqual(
            set(goals.mapped("status")), {"on_track", "at_risk", "off_track", "achieved", "missed"}
        )


@tagged("post_install", "-at_install")
class TestDemoGeneratorDeterministic(TransactionCase):
    def _run(self):
        """Generate, read what a user sees, roll the run back."""
        fingerprint = None
        with self.assertRaises(DemoRollback), self.env.cr.savepoint():
            scoring_model(self.env)
            personas(self.env)
            counts = self.env["crm.strategy.demo"]._generate_demo_company(
                customers=CUSTOMERS, leads=LEADS
            )
            orders = self.env["sale.order"].search([("state", "=", "sale")], order="id")
            entries = self.env["crm.loyalty.ledger"].search([], order="id")
            leads = self.env["crm.lead"].search([], order="id")
            fingerprint = (
                counts,
                [(o.partner_id.email, o.date_order, o.amount_untaxed) for o in orders],
                [(e.partner_id.email, e.entry_type, e.points) for e in entries],
                [(lead.email_from, lead.lifecycle_stage, lead.score) for lead in leads],
                [(o.partner_id.email, o.partner_id.persona_id.name) for o in orders],
                sorted(self.env["crm.smart.goal"].search([]).mapped("status")),
            )
            raise DemoRollback
        self.env.invalidate_all()
        return fingerprint

    def test_two_runs_give_the_same_company(self):
        first = self._run()
        self.assertFalse(self.env["sale.order"].search_count([]), "the first run rolled back")
        self.assertEqual(first, self._run())


@tagged("post_install", "-at_install")
class TestDemoFileOnUpdate(TransactionCase):
    def test_upgrade_does_not_generate_again(self):
        """Upgrading the module (make run does, each time) reloads its demo files: the demo
        company is generated on install only, not once more per upgrade."""
        customers = self.env["res.partner"].search_count([])
        orders = self.env["sale.order"].search_count([])
        convert_file(
            self.env,
            "crm_strategy",
            "demo/crm_strategy_demo_company.xml",
            {},
            mode="update",
            kind="demo",
        )
        self.assertEqual(self.env["res.partner"].search_count([]), customers)
        self.assertEqual(self.env["sale.order"].search_count([]), orders)
