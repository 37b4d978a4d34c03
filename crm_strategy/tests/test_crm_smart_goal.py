from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CrmStrategyCase
from .common_loyalty import LoyaltyLedgerCase

# Every test runs on 15 March 2026; goals cover March (31 days), so the previous
# equivalent period is 29 January - 28 February and 15/31 of March has elapsed.
TODAY = "2026-03-15 12:00:00"
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


class GoalCase(CrmStrategyCase):
    """A team of two reps and hand-dated leads, orders, activities and loyalty points.

    Every record of ours is named "G-..." so company goals can filter out anything
    else in the database.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep2 = new_test_user(
            cls.env,
            login="strategy_rep2",
            name="Ravi Rep",
            groups="sales_team.group_sale_salesman",
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "G-Team",
                "user_id": cls.manager.id,
                "member_ids": [Command.set([cls.rep.id, cls.rep2.id])],
            }
        )
        cls.other_team = cls.env["crm.team"].create({"name": "G-Other Team"})
        cls.objective = cls.env["crm.strategy.objective"].create(
            {"name": "Double sales in Q1", "max_ambition_ratio": 2.0}
        )
        cls.metric = {
            kind: cls.env.ref(f"crm_strategy.crm_goal_metric_{kind}")
            for kind in (
                "leads_created",
                "opportunities_created",
                "opportunities_won",
                "revenue_won",
                "win_rate",
                "new_customers",
                "activities_done",
                "average_deal_size",
                "average_sales_cycle",
                "loyalty_points",
                "customers_retained",
            )
        }
        won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        Lead = cls.env["crm.lead"]

        def lead(name, user, created, **vals):
            record = Lead.create(
                {"name": name, "user_id": user.id, "team_id": cls.team.id, "type": "lead", **vals}
            )
            cls._set(record, create_date=created)
            return record

        cls.l1 = lead("G-L1", cls.rep, "2026-03-02 10:00:00")
        cls.l2 = lead("G-L2", cls.rep, "2026-03-10 10:00:00", country_id=cls.env.ref("base.be").id)
        cls.l3 = lead("G-L3", cls.rep, "2026-02-10 10:00:00")
        cls.l4 = lead("G-L4", cls.rep2, "2026-03-05 10:00:00")
        cls.l5 = lead("G-L5 before the baseline", cls.rep, "2026-01-20 10:00:00")

        def opp(name, created, closed, revenue, won=True):
            record = Lead.create(
                {
                    "name": name,
                    "type": "opportunity",
                    "user_id": cls.rep.id,
                    "team_id": cls.team.id,
                    "expected_revenue": revenue,
                }
            )
            if won:
                record.write({"stage_id": won_stage.id})
            else:
                record.action_set_lost()
            days = (date.fromisoformat(closed[:10]) - date.fromisoformat(created[:10])).days
            cls._set(
                record,
                create_date=created,
                date_conversion=created,
                date_closed=closed,
                day_close=days,
            )
            return record

        cls.o1 = opp("G-O1", "2026-01-10 09:00:00", "2026-03-04 09:00:00", 1000)  # 53 days
        cls.o2 = opp("G-O2", "2026-03-01 09:00:00", "2026-03-11 09:00:00", 3000)  # 10 days
        cls.o3 = opp("G-O3", "2026-02-20 09:00:00", "2026-03-12 09:00:00", 800, won=False)
        cls.o4 = opp("G-O4", "2026-02-01 09:00:00", "2026-02-15 09:00:00", 500)

        # customers: A bought in February and again in March (from a contact of A),
        # B bought for the first time in March, C bought in December and March, D in
        # February only (from rep2).
        Partner = cls.env["res.partner"]
        cls.cust_a = Partner.create({"name": "G-A", "is_company": True})
        cls.cust_a_contact = Partner.create({"name": "G-A Contact", "parent_id": cls.cust_a.id})
        cls.cust_b = Partner.create({"name": "G-B"})
        cls.cust_c = Partner.create({"name": "G-C"})
        cls.cust_d = Partner.create({"name": "G-D"})
        cls.product = cls.env["product.product"].create({"name": "G-Widget", "list_price": 100})

        def order(partner, user, when):
            record = cls.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "user_id": user.id,
                    "team_id": cls.team.id,
                    "order_line": [Command.create({"product_id": cls.product.id})],
                }
            )
            record.action_confirm()
            cls._set(record, date_order=when)
            return record

        cls.so_a_feb = order(cls.cust_a, cls.rep, "2026-02-10 10:00:00")
        cls.so_a_mar = order(cls.cust_a_contact, cls.rep, "2026-03-05 10:00:00")
        cls.so_b = order(cls.cust_b, cls.rep, "2026-03-08 10:00:00")
        cls.so_c_dec = order(cls.cust_c, cls.rep, "2025-12-01 10:00:00")
        cls.so_c_mar = order(cls.cust_c, cls.rep, "2026-03-09 10:00:00")
        cls.so_d = order(cls.cust_d, cls.rep2, "2026-02-20 10:00:00")

        # activities: rep marks two done in March and one in February, rep2 one in March
        def done_activity(user, record, when):
            activity = cls.env["mail.activity"].create(
                {
                    "res_model_id": cls.env["ir.model"]._get_id("crm.lead"),
                    "res_id": record.id,
                    "user_id": user.id,
                    "activity_type_id": cls.env.ref("mail.mail_activity_data_todo").id,
                    "summary": "G-call",
                }
            )
            messages = activity.with_user(user).action_feedback(feedback="done")
            message = (
                cls.env["mail.message"].browse(messages) if isinstance(messages, int) else None
            )
            message = message or cls.env["mail.message"].search(
                [("model", "=", "crm.lead"), ("res_id", "=", record.id)], limit=1, order="id desc"
            )
            cls._set(message, date=when)
            return message

        done_activity(cls.rep, cls.l1, "2026-03-03 10:00:00")
        done_activity(cls.rep, cls.l2, "2026-03-12 10:00:00")
        done_activity(cls.rep, cls.l2, "2026-02-12 10:00:00")
        done_activity(cls.rep2, cls.l4, "2026-03-06 10:00:00")

        # loyalty ledger: 50 points on B's March order (rep), 30 on C's (rep), 20 in February;
        # 25 more on B's order reversed, 40 spent: neither counts as issued
        program = cls.env["loyalty.program"].create({"name": "G-Points", "program_type": "loyalty"})
        card = cls.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": cls.cust_b.id}
        )

        def points(amount, so, when, entry_type="earn"):
            return cls.env["crm.loyalty.ledger"]._post_entries(
                [
                    {
                        "card": card,
                        "entry_type": entry_type,
                        "points": amount,
                        "reason": "G-points",
                        "source": so,
                        "date": when,
                    }
                ]
            )

        points(50, cls.so_b, "2026-03-08 10:00:00")
        points(30, cls.so_c_mar, "2026-03-09 10:00:00")
        points(20, cls.so_a_feb, "2026-02-10 10:00:00")
        points(-40, cls.so_b, "2026-03-10 10:00:00", entry_type="redeem")
        points(25, cls.so_b, "2026-03-11 10:00:00")._reverse("G-cancelled")

    @classmethod
    def _set(cls, records, **values):
        """Write dates the ORM does not let us choose (create_date...) in SQL."""
        records.flush_recordset()
        assignments = ", ".join(f'"{name}" = %s' for name in values)
        cls.env.cr.execute(
            f'UPDATE "{records._table}" SET {assignments} WHERE id IN %s',
            [*values.values(), tuple(records.ids)],
        )
        records.invalidate_recordset()

    def _goal(self, kind, target=10.0, owner="user", user=None, period=MARCH, **vals):
        metric = self.metric[kind] if isinstance(kind, str) else kind
        values = {
            "name": f"G-goal {metric.name}",
            "description": "Tracked in a test.",
            "objective_id": self.objective.id,
            "metric_id": metric.id,
            "target": target,
            "owner_type": owner,
            "user_id": (user or self.rep).id if owner == "user" else False,
            "owner_team_id": self.team.id if owner == "team" else False,
            "date_start": period[0],
            "date_deadline": period[1],
        }
        values.update(vals)
        return self.env["crm.smart.goal"].create(values)


@tagged("post_install", "-at_install")
class TestGoalMetrics(GoalCase):
    """Each catalogue metric, per owner, against values computed by hand."""

    @freeze_time(TODAY)
    def test_lead_metrics_for_a_rep(self):
        expected = {
            "leads_created": 3,  # L1, L2, O2 (O1, O3, O4, L3 were created before March)
            "opportunities_created": 1,  # O2
            "opportunities_won": 2,  # O1 (won 4 March), O2
            "revenue_won": 4000,
            "win_rate": 200 / 3,  # O1, O2 won; O3 lost in March
            "average_deal_size": 2000,
            "average_sales_cycle": 31.5,  # (53 + 10) / 2
        }
        for kind, value in expected.items():
            with self.subTest(kind=kind):
                self.assertAlmostEqual(self._goal(kind).current_value, value, places=4)

    @freeze_time(TODAY)
    def test_customer_metrics_for_a_rep(self):
        expected = {
            "new_customers": 1,  # B (A bought in February, C in December)
            "customers_retained": 1,  # A: February from the company, March from a contact
            "activities_done": 2,  # two in March, the February one is outside
            # 50 + 30 issued in March; the 40 spent and the 25 reversed do not count
            "loyalty_points": 80,
        }
        for kind, value in expected.items():
            with self.subTest(kind=kind):
                self.assertAlmostEqual(self._goal(kind).current_value, value, places=4)

    @freeze_time(TODAY)
    def test_team_and_company_goals(self):
        self.assertEqual(self._goal("leads_created", owner="team").current_value, 4)
        self.assertEqual(self._goal("activities_done", owner="team").current_value, 3)
        self.assertEqual(self._goal("loyalty_points", owner="team").current_value, 80)
        company = self._goal(
            "leads_created", owner="company", filter_domain="[('name', '=like', 'G-%')]"
        )
        self.assertEqual(company.current_value, 4)
        self.assertEqual(company.owner_name, self.env.company.name)

    @freeze_time(TODAY)
    def test_goal_filter_narrows_the_metric(self):
        belgian = self.env.ref("base.be").id
        goal = self._goal("leads_created", filter_domain=f"[('country_id', '=', {belgian})]")
        self.assertEqual(goal.current_value, 1)  # L2

    @freeze_time(TODAY)
    def test_baseline_is_the_previous_equivalent_period(self):
        # 29 January - 28 February: L3, O3 (20 Feb), O4 (1 Feb); L5 (20 Jan) is before
        self.assertEqual(self._goal("leads_created").baseline_value, 3)
        self.assertEqual(self._goal("revenue_won").baseline_value, 500)  # O4
        self.assertEqual(self._goal("customers_retained").baseline_value, 0)

    @freeze_time(TODAY)
    def test_ambition_warning_above_the_ratio(self):
        # baseline 3 leads, ratio 2: 6 is fine, 7 warns
        self.assertFalse(self._goal("leads_created", target=6).ambition_warning)
        warning = self._goal("leads_created", target=7).ambition_warning
        self.assertIn("2.33 times the baseline", warning)

    @freeze_time(TODAY)
    def test_custom_metric(self):
        Field = self.env["ir.model.fields"]
        metric = self.env["crm.goal.metric"].create(
            {
                "name": "Revenue of leads (custom)",
                "kind": "custom",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "domain": "[('type', '=', 'opportunity')]",
                "date_field_id": Field._get("crm.lead", "date_closed").id,
                "user_field_id": Field._get("crm.lead", "user_id").id,
                "team_field_id": Field._get("crm.lead", "team_id").id,
                "aggregate": "sum",
                "value_field_id": Field._get("crm.lead", "expected_revenue").id,
            }
        )
        # O1 + O2 won and O3 lost in March: 1000 + 3000 + 800
        self.assertEqual(self._goal(metric, target=5000).current_value, 4800)
        self.assertEqual(self._goal(metric, target=5000, owner="team").current_value, 4800)

    def test_one_query_per_metric_whatever_the_number_of_goals(self):
        with freeze_time(TODAY):
            goals = self.env["crm.smart.goal"]
            for _i in range(5):
                goals |= self._goal("leads_created") | self._goal("leads_created", user=self.rep2)
            goals.invalidate_recordset()
            self.env["crm.smart.goal.checkin"].flush_model()
            with self.assertQueryCount(__system__=3):
                goals._refresh_progress()
            self.assertEqual(set(goals.mapped("current_value")), {3.0, 1.0})


@tagged("post_install", "-at_install")
class TestGoalStatus(GoalCase):
    """Pace, progress and status rules, verdict messages, check-ins and recurrence."""

    @freeze_time(TODAY)
    def test_status_follows_the_linear_pace(self):
        goal = self._goal("leads_created", target=20)
        # 15 of 31 days elapsed: 20 * 15 / 31 = 9.68 leads expected by today
        self.assertAlmostEqual(goal.expected_value, 20 * 15 / 31, places=4)
        self.assertEqual(goal.current_value, 3)
        self.assertAlmostEqual(goal.progress, 15.0)
        self.assertEqual(goal.status, "off_track")
        cases = [(10, "on_track"), (8, "at_risk"), (7, "off_track"), (20, "achieved")]
        for value, status in cases:
            with self.subTest(value=value):
                self.assertEqual(goal._figures(value, 0, date(2026, 3, 15))[2], status)

    @freeze_time(TODAY)
    def test_lower_is_better_and_rates_are_judged_at_the_deadline(self):
        goal = self._goal("average_sales_cycle", target=30)
        self.assertEqual(goal.current_value, 31.5)
        self.assertAlmostEqual(goal.progress, 100 * 30 / 31.5)
        # the baseline (14 days, O4) beats the target: expected is the target, and
        # 31.5 days is within 20% of it
        self.assertEqual(goal.baseline_value, 14)
        self.assertEqual(goal.expected_value, 30)
        self.assertEqual(goal.status, "at_risk")
        self.assertEqual(goal._figures(25, 0, date(2026, 3, 15))[2], "on_track")
        self.assertEqual(goal._figures(40, 0, date(2026, 3, 15))[2], "off_track")
        self.assertEqual(goal._figures(25, 0, date(2026, 4, 1))[2], "achieved")
        rate = self._goal("win_rate", target=60)
        self.assertEqual(rate.status, "on_track", "66.7% won is above target, not yet achieved")

    def test_verdict_posted_once_in_the_chatter(self):
        with freeze_time(TODAY):
            achieved = self._goal("leads_created", target=3)
            missed = self._goal("leads_created", target=20)
        self.assertEqual(achieved.status, "achieved")
        self.assertIn("Goal achieved", achieved.message_ids[0].body)
        with freeze_time("2026-04-02 08:00:00"):
            missed._refresh_progress()
            missed._refresh_progress()
        self.assertEqual(missed.status, "missed")
        verdicts = missed.message_ids.filtered(lambda m: "Goal missed" in (m.body or ""))
        self.assertEqual(len(verdicts), 1)
        self.assertIn("ended at 3.0", verdicts.body)

    def test_cron_checks_in_and_starts_the_next_period(self):
        with freeze_time("2026-02-20 12:00:00"):
            goal = self._goal(
                "leads_created",
                target=2,
                period=(date(2026, 2, 1), date(2026, 2, 28)),
                recurrence="monthly",
            )
            self.env["crm.smart.goal"]._cron_refresh_goals()
            self.env["crm.smart.goal"]._cron_refresh_goals()
        self.assertEqual(goal.checkin_count, 1)
        self.assertEqual(goal.checkin_ids.value, 3)  # L3 (10 Feb), O4 (1 Feb), O3 (20 Feb)
        self.assertFalse(goal.next_goal_ids)
        with freeze_time("2026-03-02 12:00:00"):
            self.env["crm.smart.goal"]._cron_refresh_goals()
            nxt = goal.next_goal_ids
            self.assertEqual(nxt.current_value, 3)  # O2, L1, L2: the whole of March
        self.assertEqual(goal.status, "achieved")
        self.assertEqual((nxt.date_start, nxt.date_deadline), MARCH)
        self.assertEqual((nxt.recurrence, nxt.target, nxt.user_id), ("monthly", 2, self.rep))
        self.assertEqual(nxt.baseline_value, 3, "29 Jan - 28 Feb, computed for the new goal")
        self.assertEqual(goal.checkin_ids.mapped("date"), [date(2026, 3, 2), date(2026, 2, 20)])
        with freeze_time("2026-03-15 12:00:00"):
            self.env["crm.smart.goal"]._cron_refresh_goals()
        self.assertEqual(len(goal.checkin_ids), 2, "no more check-ins a week after the end")
        self.assertEqual(nxt.checkin_ids.mapped("date"), [date(2026, 3, 15)])
        self.assertEqual(len(goal.next_goal_ids), 1)

    def test_quarterly_recurrence(self):
        with freeze_time("2026-04-01 08:00:00"):
            goal = self._goal(
                "revenue_won",
                target=1000,
                period=(date(2026, 1, 1), date(2026, 3, 31)),
                recurrence="quarterly",
            )
            at_risk = self.env.ref("crm_strategy.crm_rfm_segment_at_risk")
            goal.rfm_segment_id = at_risk  # e.g. "win back At Risk customers"
            nxt = goal._create_next_goals()
        self.assertEqual((nxt.date_start, nxt.date_deadline), (date(2026, 4, 1), date(2026, 6, 30)))
        self.assertEqual(nxt.rfm_segment_id, at_risk, "the next period serves the same segment")
        self.assertFalse(goal._create_next_goals(), "one next goal only")

    @freeze_time(TODAY)
    def test_checkin_button_draws_the_progress_line(self):
        goal = self._goal("leads_created", target=20)
        action = goal.with_user(self.rep).action_checkin()
        self.assertEqual(action["res_model"], "crm.smart.goal.checkin")
        self.assertEqual(goal.checkin_ids.mapped("value"), [3.0])

    @freeze_time(TODAY)
    def test_team_and_company_goals_have_no_salesperson(self):
        # The form's default salesperson (its creator) must not make it "their" goal.
        team_goal = self._goal("leads_created", target=30, owner="team", user_id=self.manager.id)
        self.assertFalse(team_goal.user_id)
        goal = self._goal("leads_created", target=5, user=self.manager)
        goal.write({"owner_type": "company"})
        self.assertFalse(goal.user_id)

    @freeze_time(TODAY)
    def test_team_goal_rolls_up_members_goals(self):
        team_goal = self._goal("leads_created", target=30, owner="team")
        rep_goal = self._goal("leads_created", target=20)
        rep2_goal = self._goal("leads_created", target=10, user=self.rep2)
        outsider = self._goal(
            "leads_created",
            target=5,
            user=self.manager,
            period=(date(2026, 3, 1), date(2026, 3, 31)),
        )
        self._goal("revenue_won", target=10)  # another metric
        team_goal.invalidate_recordset()
        self.assertEqual(team_goal.member_goal_ids, rep_goal | rep2_goal)
        self.assertNotIn(outsider, team_goal.member_goal_ids)
        self.assertEqual(team_goal.member_target, 30)
        self.assertEqual(team_goal.member_value, 4)
        self.assertEqual(team_goal.current_value, 4)

    @freeze_time(TODAY)
    def test_opening_a_goal_refreshes_it(self):
        goal = self._goal("leads_created", target=20)
        new = self.env["crm.lead"].create({"name": "G-new", "user_id": self.rep.id})
        self._set(new, create_date="2026-03-15 09:00:00")
        self._set(goal, last_refresh="2026-03-15 08:00:00")
        data = goal.with_user(self.rep).web_read({"current_value": {}, "status": {}})
        self.assertEqual(data[0]["current_value"], 4)


@tagged("post_install", "-at_install")
class TestGoalRules(GoalCase):
    """Bad input gives a clear error and stores nothing; who reads and changes what."""

    def _assert_refused(self, message, **vals):
        Goal = self.env["crm.smart.goal"].with_context(active_test=False)
        before = Goal.search_count([])
        with self.assertRaisesRegex(ValidationError, message):
            with self.env.cr.savepoint():
                self._goal("leads_created", **vals)
        self.assertEqual(Goal.search_count([]), before)

    @freeze_time(TODAY)
    def test_bad_goals_are_refused(self):
        self._assert_refused("deadline .* is before the start", period=(MARCH[1], MARCH[0]))
        self._assert_refused("target must be above zero", target=0)
        self._assert_refused("target must be above zero", target=-5)
        self._assert_refused("not a valid domain", filter_domain="[('name', '=',")
        self._assert_refused("cannot be applied", filter_domain="[('no_such_field', '=', 1)]")

    def test_bad_custom_metrics_are_refused(self):
        Field = self.env["ir.model.fields"]
        Metric = self.env["crm.goal.metric"]
        base = {
            "name": "G-custom",
            "kind": "custom",
            "model_id": self.env["ir.model"]._get_id("crm.lead"),
            "date_field_id": Field._get("crm.lead", "create_date").id,
        }
        before = Metric.search_count([])
        for domain, message in [
            ("[('type', '=',", "not a valid domain"),
            ("{'type': 1}", "not a list"),
            ("[('no_such_field', '=', 1)]", "cannot be applied"),
        ]:
            with self.subTest(domain=domain):
                with self.assertRaisesRegex(ValidationError, message):
                    with self.env.cr.savepoint():
                        Metric.create({**base, "domain": domain})
        with self.assertRaisesRegex(ValidationError, "not a field of crm.lead"):
            with self.env.cr.savepoint():
                Metric.create({**base, "date_field_id": Field._get("sale.order", "date_order").id})
        with self.assertRaisesRegex(ValidationError, "sums or averages a field"):
            with self.env.cr.savepoint():
                Metric.create({**base, "aggregate": "sum"})
        self.assertEqual(Metric.search_count([]), before)

    @freeze_time(TODAY)
    def test_goal_on_records_the_owner_cannot_read(self):
        Field = self.env["ir.model.fields"]
        # leads credited to whoever created them: rep "created" L4, assigned to rep2,
        # which rep's record rules (own leads only) hide from rep
        entered = self.env["crm.goal.metric"].create(
            {
                "name": "G-leads entered",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "date_field_id": Field._get("crm.lead", "create_date").id,
                "user_field_id": Field._get("crm.lead", "create_uid").id,
            }
        )
        self._set(self.l4, create_uid=self.rep.id)
        with self.assertRaisesRegex(ValidationError, "cannot read 1 of the 1 records"):
            with self.env.cr.savepoint():
                self._goal(entered)
        self.assertEqual(self._goal(entered, user=self.rep2).current_value, 0)
        # a model the salesperson has no access to at all
        crons = self.env["crm.goal.metric"].create(
            {
                "name": "G-scheduled actions",
                "model_id": self.env["ir.model"]._get_id("ir.cron"),
                "date_field_id": Field._get("ir.cron", "nextcall").id,
                "user_field_id": Field._get("ir.cron", "user_id").id,
            }
        )
        with self.assertRaisesRegex(ValidationError, "cannot read Scheduled Actions"):
            with self.env.cr.savepoint():
                self._goal(crons)
        self.assertFalse(
            self.env["crm.smart.goal"].search(
                [("metric_id", "in", (entered | crons).ids), ("user_id", "=", self.rep.id)]
            )
        )

    @freeze_time(TODAY)
    def test_owner_must_fit_the_metric(self):
        with self.assertRaisesRegex(ValidationError, "choose its sales team"):
            with self.env.cr.savepoint():
                self._goal("leads_created", owner="team", owner_team_id=False)

    @freeze_time(TODAY)
    def test_reps_see_their_own_team_and_company_goals(self):
        mine = self._goal("leads_created")
        theirs = self._goal("leads_created", user=self.rep2)
        team = self._goal("leads_created", owner="team")
        other_team = self._goal("leads_created", owner="team", owner_team_id=self.other_team.id)
        company = self._goal("leads_created", owner="company")
        visible = self.env["crm.smart.goal"].with_user(self.rep).search([])
        self.assertEqual(visible, mine | team | company)
        manager_sees = self.env["crm.smart.goal"].with_user(self.manager).search([])
        self.assertTrue((mine | theirs | team | other_team | company) <= manager_sees)
        with self.assertRaises(AccessError):
            self.env["crm.smart.goal"].with_user(self.outsider).search([])
        with self.assertRaises(AccessError):
            team.with_user(self.rep).write({"target": 1})
        mine.with_user(self.rep).write({"target": 5})
        self.assertEqual(mine.target, 5)

    @freeze_time(TODAY)
    def test_reps_see_the_check_ins_of_the_goals_they_see(self):
        mine = self._goal("leads_created")
        theirs = self._goal("leads_created", user=self.rep2)
        (mine | theirs)._create_checkins()
        Checkin = self.env["crm.smart.goal.checkin"].with_user(self.rep)
        self.assertEqual(Checkin.search([]).goal_id, mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.rep).action_checkin()

    @freeze_time(TODAY)
    def test_rep_sets_own_goal_only(self):
        Goal = self.env["crm.smart.goal"].with_user(self.rep)
        values = {
            "name": "G-my goal",
            "description": "20 new leads per month",
            "objective_id": self.objective.id,
            "metric_id": self.metric["leads_created"].id,
            "target": 20,
            "date_start": MARCH[0],
            "date_deadline": MARCH[1],
        }
        goal = Goal.create(values)
        self.assertEqual((goal.user_id, goal.current_value), (self.rep, 3))
        with self.assertRaises(AccessError):
            with self.env.cr.savepoint():
                Goal.create({**values, "user_id": self.rep2.id})
        with self.assertRaises(AccessError):
            with self.env.cr.savepoint():
                Goal.create({**values, "owner_type": "company", "user_id": False})
        with self.assertRaises(AccessError):
            self.env["crm.goal.metric"].with_user(self.rep).create(
                {"name": "G-x", "kind": "custom"}
            )


@tagged("post_install", "-at_install")
class TestGoalTemplates(GoalCase):
    """The classic examples fill a rep's goal, the target possibly from the baseline."""

    @freeze_time(TODAY)
    def test_twenty_new_leads_per_month(self):
        form = Form(self.env["crm.smart.goal"].with_user(self.rep))
        form.template_id = self.env.ref("crm_strategy.crm_smart_goal_template_leads_month")
        self.assertEqual(form.name, "20 new leads per month")
        self.assertEqual((form.date_start, form.date_deadline), MARCH)
        self.assertEqual((form.target, form.recurrence), (20, "monthly"))
        form.objective_id = self.objective
        goal = form.save()
        self.assertEqual(
            (goal.user_id, goal.current_value, goal.status), (self.rep, 3, "off_track")
        )

    @freeze_time(TODAY)
    def test_double_revenue_next_quarter(self):
        form = Form(self.env["crm.smart.goal"].with_user(self.rep))
        form.template_id = self.env.ref("crm_strategy.crm_smart_goal_template_double_revenue")
        self.assertEqual(
            (form.date_start, form.date_deadline), (date(2026, 4, 1), date(2026, 6, 30))
        )
        # baseline: 31 December - 31 March, O4 (500), O1 (1000) and O2 (3000) won
        self.assertEqual(form.target, 9000)
        form.objective_id = self.objective
        self.assertEqual(form.save().baseline_value, 4500)

    @freeze_time(TODAY)
    def test_no_baseline_leaves_the_target_to_the_rep(self):
        form = Form(self.env["crm.smart.goal"].with_user(self.rep2))
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            form.template_id = self.env.ref("crm_strategy.crm_smart_goal_template_double_revenue")
        self.assertIn("set the target yourself", logs.output[0])
        self.assertEqual(form.target, 0)


@tagged("post_install", "-at_install")
class TestLoyaltyPointsMetric(LoyaltyLedgerCase):
    """ "Loyalty points issued" counts the ledger's posted points, net of their reversals."""

    def _issued_goal(self, user):
        today = fields.Date.context_today(self.env.user)
        return self.env["crm.smart.goal"].create(
            {
                "name": "Points today",
                "description": "Tracked in a test.",
                "objective_id": self.env["crm.strategy.objective"].create({"name": "Loyalty"}).id,
                "metric_id": self.env.ref("crm_strategy.crm_goal_metric_loyalty_points").id,
                "target": 100,
                "owner_type": "user",
                "user_id": user.id,
                "date_start": today,
                "date_deadline": today,
            }
        )

    def test_cancelled_order_issues_no_points(self):
        order = self._order(qty=3)
        order.user_id = self.rep
        order.action_confirm()
        goal = self._issued_goal(self.rep)
        self.assertEqual(goal.current_value, 30, "3 units at 10 points each")

        order._action_cancel()
        goal.action_refresh()
        self.assertEqual(goal.current_value, 0, "the order was cancelled: nothing was issued")

    def test_ledger_is_the_only_source(self):
        # points posted outside an order count for the user who posted them
        self.card.with_user(self.manager)._crm_earn(15, "Welcome gift", entry_type="referral")
        self.assertEqual(self._issued_goal(self.manager).current_value, 15)
        # a hand-made loyalty.history row (editable by salespeople) issues nothing
        order = self._order(qty=1)
        order.user_id = self.rep
        order.action_confirm()
        self.env["loyalty.history"].create(
            {
                "card_id": self.card.id,
                "description": "typed by hand",
                "issued": 500,
                "order_model": "sale.order",
                "order_id": order.id,
            }
        )
        self.assertEqual(self._issued_goal(self.rep).current_value, 10)
