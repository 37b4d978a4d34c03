from datetime import date

from odoo.tests import tagged

from .common import CrmStrategyCase, in_segment


@tagged("post_install", "-at_install")
class TestCrmLostDealReport(CrmStrategyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.team = env["crm.team"].create({"name": "Loss Team"})
        cls.stage_new, cls.stage_proposal, cls.stage_won = env["crm.stage"].create(
            [
                {"name": "L New", "sequence": 1, "team_id": cls.team.id},
                {"name": "L Proposal", "sequence": 2, "team_id": cls.team.id},
                {"name": "L Won", "sequence": 3, "is_won": True, "team_id": cls.team.id},
            ]
        )
        cls.too_expensive = env["crm.lost.reason"].create({"name": "L Too expensive"})
        cls.no_budget = env["crm.lost.reason"].create({"name": "L No budget"})
        cls.persona = env["crm.persona"].create({"name": "L Persona"})
        cls.champions = env.ref("crm_strategy.crm_rfm_segment_champions")
        cls.customer = env["res.partner"].create({"name": "Lossy Customer"})
        env["crm.customer.value"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                **in_segment(cls.champions),
            }
        )
        cls.source = env["utm.source"].create({"name": "L Fair"})

        def opportunity(name, stage, user, revenue):
            return env["crm.lead"].create(
                {
                    "name": name,
                    "type": "opportunity",
                    "team_id": cls.team.id,
                    "stage_id": stage.id,
                    "user_id": user.id,
                    "partner_id": cls.customer.id,
                    "persona_id": cls.persona.id,
                    "source_id": cls.source.id,
                    "expected_revenue": revenue,
                }
            )

        cls.lost_early = opportunity("Lost early", cls.stage_new, cls.rep, 100)
        cls.lost_late = opportunity("Lost late", cls.stage_proposal, cls.rep, 300)
        cls.lost_unexplained = opportunity("Lost unexplained", cls.stage_proposal, cls.manager, 50)
        cls.won = opportunity("Won", cls.stage_proposal, cls.rep, 1000)
        cls.open = opportunity("Still open", cls.stage_proposal, cls.rep, 700)
        cls.lost_early.action_set_lost(lost_reason_id=cls.no_budget.id)
        cls.lost_late.action_set_lost(lost_reason_id=cls.too_expensive.id)
        cls.lost_unexplained.action_set_lost()
        cls.won.action_set_won()
        cls.Report = env["crm.lost.deal.report"]

    def _rows(self, user=None):
        Report = self.Report.with_user(user) if user else self.Report
        return Report.search([("team_id", "=", self.team.id)])

    def test_lost_deals_by_reason_and_stage_reached(self):
        groups = self.Report._read_group(
            [("team_id", "=", self.team.id), ("is_lost", "=", True)],
            ["lost_reason_id", "stage_id"],
            ["__count", "lost_revenue:sum"],
        )
        self.assertEqual(
            {
                (reason.name, stage.name): (count, revenue)
                for reason, stage, count, revenue in groups
            },
            {
                ("L No budget", "L New"): (1, 100),
                ("L Too expensive", "L Proposal"): (1, 300),
                # a deal lost without a reason is counted, under "no reason"
                (False, "L Proposal"): (1, 50),
            },
        )

    def test_closed_deals_carry_persona_segment_source_and_loss_rate(self):
        rows = self._rows()
        # open opportunities are not closed deals
        self.assertEqual(
            rows.lead_id, self.lost_early | self.lost_late | self.lost_unexplained | self.won
        )
        self.assertEqual(rows.persona_id, self.persona)
        self.assertEqual(rows.segment_id, self.champions)
        self.assertEqual(rows.source_id, self.source)
        [(rate,)] = self.Report._read_group([("team_id", "=", self.team.id)], [], ["loss_rate:avg"])
        self.assertAlmostEqual(rate, 75.0)

    def test_reopened_deal_leaves_the_report(self):
        self.lost_late.action_unarchive()
        self.assertNotIn(self.lost_late, self._rows().lead_id)

    def test_rep_sees_own_deals_manager_all(self):
        self.assertNotIn(self.lost_unexplained, self._rows(self.rep).lead_id)
        self.assertIn(self.lost_late, self._rows(self.rep).lead_id)
        self.assertIn(self.lost_unexplained, self._rows(self.manager).lead_id)

    def test_loss_rate_goal_metric(self):
        metric = self.env.ref("crm_strategy.crm_goal_metric_loss_rate")
        today = date.today()
        values = metric._compute_values(
            [
                ("rep", "user", self.rep.id, "[]", today, today),
                ("team", "team", self.team.id, "[]", today, today),
            ]
        )
        # the rep: two lost, one won; the team: three lost, one won
        self.assertAlmostEqual(values["rep"], 200 / 3)
        self.assertAlmostEqual(values["team"], 75.0)
        self.assertFalse(metric._is_cumulative())
