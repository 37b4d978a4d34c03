from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CrmStrategyCase

T0 = datetime(2026, 3, 2, 9, 0, 0)


class ScoringCase(CrmStrategyCase):
    """A company-wide scoring model with fit, engagement and negative rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.belgium = cls.env.ref("base.be")
        cls.env["crm.scoring.model"].search([]).action_archive()  # e.g. demo data
        cls.model = cls.env["crm.scoring.model"].create(
            {
                "name": "Inbound",
                "score_floor": 0,
                "score_ceiling": 100,
                "hot_threshold": 60,
                "rule_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Belgian",
                            "rule_type": "fit",
                            "points": 20,
                            "domain": f"[('country_id', '=', {cls.belgium.id})]",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Free mailbox",
                            "rule_type": "fit",
                            "points": -10,
                            "domain": "[('email_from', '=ilike', '%@gmail.com')]",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Pricing page",
                            "rule_type": "engagement",
                            "event_type": "page_view",
                            "url_pattern": "/pricing*",
                            "points": 10,
                            "decay_mode": "half_life",
                            "half_life_days": 7,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Clicks",
                            "rule_type": "engagement",
                            "event_type": "email_click",
                            "points": 5,
                            "period_cap": 10,
                            "cap_period": "day",
                            "max_points": 25,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Whitepaper",
                            "rule_type": "engagement",
                            "event_type": "download",
                            "points": 30,
                            "decay_mode": "expiry",
                            "expiry_days": 30,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Unsubscribed",
                            "rule_type": "engagement",
                            "event_type": "unsubscribe",
                            "points": -50,
                        },
                    ),
                ],
                "threshold_ids": [
                    (0, 0, {"stage": "mql", "min_score": 30}),
                    (0, 0, {"stage": "sql", "min_score": 60}),
                ],
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "ACME website",
                "type": "lead",
                "email_from": "jo@acme.example",
                "country_id": cls.belgium.id,
                "probability": 12.0,
            }
        )

    def _event(self, event_type, when, lead=None, **vals):
        return self.env["crm.engagement.event"].create(
            {"lead_id": (lead or self.lead).id, "event_type": event_type, "timestamp": when, **vals}
        )

    def _rescore(self, leads=None):
        leads = leads or self.lead
        leads._score_leads(leads.ids)
        return leads


@tagged("post_install", "-at_install")
class TestLeadScoring(ScoringCase):
    def test_fit_rules_add_and_subtract_points(self):
        gmail = self.env["crm.lead"].create(
            {"name": "Gmail lead", "email_from": "x@gmail.com", "country_id": self.belgium.id}
        )
        self._rescore(self.lead | gmail)
        self.assertEqual((self.lead.score_fit, self.lead.score), (20, 20))
        self.assertEqual((gmail.score_fit, gmail.score), (10, 10))
        self.assertEqual(self.lead.score_model_id, self.model)

    def test_half_life_decay_with_frozen_time(self):
        self._event("page_view", T0, url="https://acme.example/pricing/enterprise?x=1")
        with freeze_time(T0):
            self._rescore()
            self.assertEqual(self.lead.score_engagement, 10)
        with freeze_time(T0 + timedelta(days=7)):
            self._rescore()
            self.assertEqual(self.lead.score_engagement, 5)
        with freeze_time(T0 + timedelta(days=21)):
            self._rescore()
            self.assertEqual(self.lead.score_engagement, 1)
            self.assertEqual(self.lead.score, 21)

    def test_url_pattern_only_counts_matching_pages(self):
        with freeze_time(T0):
            self._event("page_view", T0, url="https://acme.example/blog/pricing")
            self._event("page_view", T0, url="/pricing")
            self.assertEqual(self.lead.score_engagement, 10)

    def test_expiry_drops_old_events(self):
        with freeze_time(T0):
            self._event("download", T0 - timedelta(days=29))
            self.assertEqual(self.lead.score_engagement, 30)
        with freeze_time(T0 + timedelta(days=2)):
            self._rescore()
            self.assertEqual(self.lead.score_engagement, 0)

    def test_caps_per_period_and_per_rule(self):
        with freeze_time(T0):
            for hour in range(4):  # 4 clicks the same day: 20 points, capped at 10
                self._event("email_click", T0 - timedelta(hours=hour))
            self.assertEqual(self.lead.score_engagement, 10)
            for day in range(1, 6):  # 5 more days at 10 each: rule capped at 25
                for hour in range(2):
                    self._event("email_click", T0 - timedelta(days=day, hours=hour))
            self.assertEqual(self.lead.score_engagement, 25)

    def test_negative_rule_and_floor(self):
        with freeze_time(T0):
            self._event("unsubscribe", T0)
            self.assertEqual(self.lead.score_engagement, -50)
            self.assertEqual(self.lead.score, 0, "the floor keeps the total at 0")

    def test_ceiling(self):
        with freeze_time(T0):
            for i in range(5):
                self._event("download", T0 - timedelta(days=i))
            self.assertEqual(self.lead.score_engagement, 150)
            self.assertEqual(self.lead.score, 100)

    def test_new_event_updates_score_at_once_and_keeps_probability(self):
        with freeze_time(T0):
            self._event("download", T0)
            self.assertEqual(self.lead.score, 50)
        self.assertEqual(self.lead.probability, 12.0, "Odoo's probability is never touched")

    def test_explanation_lists_each_rule_and_its_points(self):
        with freeze_time(T0):
            self._event("download", T0)
            self._event("page_view", T0, url="/pricing")
            explanation = self.lead.score_explanation
        for text in ("Belgian", "+20.0", "Whitepaper", "+30.0", "Pricing page", "+10.0", "60"):
            self.assertIn(text, explanation)
        self.assertNotIn("Free mailbox", explanation)

    def test_history_row_only_when_score_changes(self):
        with freeze_time(T0):
            self._rescore()
            self._rescore()
            self.assertEqual(len(self.lead.score_history_ids), 1)
            self._event("download", T0)
            self.assertEqual(self.lead.score_history_ids.mapped("score"), [50, 20])

    def test_team_model_takes_precedence(self):
        team = self.env["crm.team"].create({"name": "Enterprise"})
        team_model = self.env["crm.scoring.model"].create(
            {
                "name": "Enterprise",
                "team_id": team.id,
                "rule_ids": [
                    (0, 0, {"name": "Any", "rule_type": "fit", "points": 7, "domain": "[]"})
                ],
            }
        )
        self.lead.team_id = team
        self._rescore()
        self.assertEqual((self.lead.score_model_id, self.lead.score), (team_model, 7))

    def test_one_active_model_per_scope(self):
        with self.assertRaises(ValidationError):
            self.env["crm.scoring.model"].create({"name": "Second company model"})

    def test_invalid_domain_is_refused(self):
        with self.assertRaises(ValidationError):
            self.env["crm.scoring.rule"].create(
                {
                    "model_id": self.model.id,
                    "name": "Bad",
                    "points": 1,
                    "domain": "[('no_such_field', '=', 1)]",
                }
            )

    def test_cron_rescores_in_batches(self):
        other = self.env["crm.lead"].create({"name": "Other", "country_id": self.belgium.id})
        param = self.env["ir.config_parameter"]
        param.set_param("crm_strategy.scoring_cron_last_id", other.id - 1)
        self.env["crm.lead"]._cron_rescore(batch_size=1)
        self.assertEqual(other.score, 20)
        self.assertEqual(param.get_param("crm_strategy.scoring_cron_last_id"), "0")

    def test_event_matched_by_email_when_lead_appears(self):
        with freeze_time(T0):
            event = self.env["crm.engagement.event"].create(
                {"email": "New@Prospect.example", "event_type": "download", "timestamp": T0}
            )
            self.assertFalse(event.lead_id)
            lead = self.env["crm.lead"].create(
                {"name": "Prospect", "email_from": "new@prospect.example"}
            )
            self.assertEqual(event.lead_id, lead)
            self.assertEqual(lead.score, 30)


@tagged("post_install", "-at_install")
class TestScoringDeterminism(ScoringCase):
    """One answer whoever asks: no context key, no current company decides a score or stage."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "B Corp"})
        cls.model_b = cls.env["crm.scoring.model"].create(
            {
                "name": "B Corp inbound",
                "company_id": cls.company_b.id,
                "rule_ids": [
                    Command.create(
                        {"name": "Anyone", "rule_type": "fit", "points": 50, "domain": "[]"}
                    )
                ],
            }
        )
        cls.rep_a = new_test_user(
            cls.env, login="rep_company_a", groups="sales_team.group_sale_salesman"
        )
        cls.rep_b = new_test_user(
            cls.env,
            login="rep_company_b",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.shared_lead = cls.env["crm.lead"].create(
            {
                "name": "No company",
                "type": "lead",
                "user_id": False,
                "team_id": False,
                "company_id": False,
                "email_from": "nc@shared.example",
                "country_id": cls.belgium.id,
            }
        )

    def test_lead_without_company_gets_one_model_whoever_rescores(self):
        self.assertFalse(self.shared_lead.company_id)
        scores = set()
        for rep in (self.rep_b, self.rep_a, self.rep_b):
            self.shared_lead.with_user(rep).action_rescore()
            scores.add((self.shared_lead.score_model_id, self.shared_lead.score))
        self.assertEqual(scores, {(self.model, 20)}, "the first model of the list: Inbound")
        # managers choose it by ordering the models; rescoring another model keeps it
        self.model_b.sequence = 1
        self.shared_lead.with_user(self.rep_a).action_rescore()
        self.assertEqual(
            (self.shared_lead.score_model_id, self.shared_lead.score), (self.model_b, 50)
        )
        self.model.with_user(self.manager).action_rescore()
        self.assertEqual(self.shared_lead.score_model_id, self.model_b)
        self.assertIn(self.shared_lead, self.env["crm.lead"].search(self.model_b._lead_domain()))
        self.assertNotIn(self.shared_lead, self.env["crm.lead"].search(self.model._lead_domain()))

    def test_auto_stage_context_key_does_not_hide_a_manual_stage(self):
        self.lead.user_id = self.rep
        self.lead.with_user(self.rep).with_context(crm_strategy_auto_stage=True).write(
            {"lifecycle_stage": "sql"}
        )
        self.assertTrue(self.lead.lifecycle_stage_manual)
        notes = self.lead.message_ids.filtered(lambda m: "set by hand" in str(m.body))
        self.assertEqual(len(notes), 1, "the chatter says a person chose the stage")

    def test_defer_scoring_context_key_does_not_skip_scoring(self):
        with freeze_time(T0):
            self.env["crm.engagement.event"].with_user(self.manager).with_context(
                crm_strategy_defer_scoring=True
            ).create({"lead_id": self.lead.id, "event_type": "download", "timestamp": T0})
        self.assertEqual(self.lead.score, 50, "20 fit + 30 download, scored at once")

    def test_score_explanation_follows_a_rescore(self):
        with freeze_time(T0):
            self.assertNotIn("Whitepaper", self.lead.score_explanation)
            self._event("download", T0)
            self.assertIn("Whitepaper", self.lead.score_explanation)


@tagged("post_install", "-at_install")
class TestLifecycleStage(ScoringCase):
    def test_thresholds_move_forward_only(self):
        with freeze_time(T0):
            self._event("page_view", T0, url="/pricing")
            self.assertEqual(self.lead.lifecycle_stage, "mql")  # 30
            self._event("download", T0)
            self.assertEqual(self.lead.lifecycle_stage, "sql")  # 60
            self.assertTrue(self.lead.score_hot)
            self._event("unsubscribe", T0)
            self.assertEqual(self.lead.score, 10)
            self.assertEqual(self.lead.lifecycle_stage, "sql", "never backward by default")
            self.assertFalse(self.lead.score_hot)
        self.assertEqual(self.lead.lifecycle_stage_max, "sql")

    def test_demotion_when_the_model_allows_it(self):
        self.model.allow_demotion = True
        with freeze_time(T0):
            self._event("download", T0)
            self._event("page_view", T0, url="/pricing")
            self.assertEqual(self.lead.lifecycle_stage, "sql")
            self._event("unsubscribe", T0)
            self.assertEqual(self.lead.score, 10)
            self.assertEqual(self.lead.lifecycle_stage, "lead")
        self.assertEqual(self.lead.lifecycle_stage_max, "sql")

    def test_stage_change_is_tracked_in_chatter(self):
        self.env.cr.precommit.run()  # as if the lead had been created in an earlier transaction
        with freeze_time(T0):
            self._event("download", T0)
        self.env.cr.precommit.run()  # tracking values are written before commit
        tracked = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "crm.lead"),
                ("mail_message_id.res_id", "=", self.lead.id),
                ("field_id.name", "=", "lifecycle_stage"),
            ]
        )
        self.assertEqual(tracked.new_value_char, "Marketing Qualified")

    def test_crossing_actions_assign_schedule_and_convert(self):
        activity_type = self.env.ref("mail.mail_activity_data_call")
        team = self.env["crm.team"].create({"name": "Inside Sales"})
        self.model.threshold_ids.filtered(lambda t: t.stage == "sql").write(
            {
                "user_id": self.rep.id,
                "team_id": team.id,
                "activity_type_id": activity_type.id,
                "activity_summary": "Call now",
                "convert_to_opportunity": True,
            }
        )
        self.model.team_id = False
        with freeze_time(T0):
            self._event("download", T0)
            self.assertFalse(self.lead.activity_ids)
            self._event("page_view", T0, url="/pricing")
        self.assertEqual(
            self.lead.lifecycle_stage, "opportunity", "converting makes it an opportunity"
        )
        self.assertEqual(self.lead.type, "opportunity")
        self.assertEqual(self.lead.user_id, self.rep)
        self.assertEqual(self.lead.activity_ids.summary, "Call now")
        self.assertEqual(self.lead.activity_ids.user_id, self.rep)

    def test_manual_override_is_recorded_and_respected(self):
        self.lead.user_id = self.rep
        lead = self.lead.with_user(self.rep)
        with Form(lead) as form:
            form.lifecycle_stage = "disqualified"
        self.assertTrue(self.lead.lifecycle_stage_manual)
        self.assertIn("set by hand", self.lead.message_ids[0].body)
        with freeze_time(T0):
            self._event("download", T0)
            self._event("page_view", T0, url="/pricing")
        self.assertEqual(self.lead.lifecycle_stage, "disqualified")
        self.assertEqual(self.lead.score, 60)

    def test_lead_created_disqualified_stays_out_of_the_funnel(self):
        lead = self.env["crm.lead"].create({"name": "Spam", "lifecycle_stage": "disqualified"})
        self.assertEqual((lead.lifecycle_stage, lead.lifecycle_stage_max), ("disqualified", "lead"))

    def test_partner_follows_its_furthest_lead(self):
        partner = self.env["res.partner"].create({"name": "ACME"})
        self.lead.partner_id = partner
        with freeze_time(T0):
            self._event("download", T0)
        self.assertEqual(partner.lifecycle_stage, "mql")
        self.lead.action_set_won_rainbowman()
        self.assertEqual(self.lead.lifecycle_stage, "customer")
        self.assertEqual(partner.lifecycle_stage, "customer")

    def test_install_sets_stages_of_existing_opportunities(self):
        partner = self.env["res.partner"].create({"name": "Old Customer"})
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        won = self.env["crm.lead"].create(
            {
                "name": "Old deal",
                "type": "opportunity",
                "partner_id": partner.id,
                "stage_id": won_stage.id,
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET lifecycle_stage = 'lead', lifecycle_stage_max = 'lead'"
            " WHERE id IN %s",
            [tuple((won | self.lead).ids)],
        )
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_stage = NULL WHERE id = %s", [partner.id]
        )
        self.env["crm.lead"]._init_lifecycle_stages()
        self.assertEqual((won.lifecycle_stage, won.lifecycle_stage_max), ("customer", "customer"))
        self.assertEqual(self.lead.lifecycle_stage, "lead")
        self.assertEqual(partner.lifecycle_stage, "customer")

    def test_funnel_report_counts_stages_and_conversion(self):
        other = self.env["crm.lead"].create({"name": "Cold", "email_from": "c@cold.example"})
        with freeze_time(T0):
            self._event("download", T0)  # self.lead reaches MQL
        self.env.flush_all()
        report = self.env["crm.lifecycle.funnel.report"]
        rows = report._read_group(
            [("lead_id", "in", (self.lead | other).ids)], ["stage"], ["__count", "conversion:avg"]
        )
        self.assertEqual({s: (c, a) for s, c, a in rows}, {"lead": (2, 50.0), "mql": (1, 0.0)})

    def test_funnel_report_by_persona(self):
        persona = self.env["crm.persona"].create({"name": "Funnel persona"})
        self.lead.persona_id = persona
        other = self.env["crm.lead"].create({"name": "Cold", "email_from": "c@cold.example"})
        with freeze_time(T0):
            self._event("download", T0)  # self.lead reaches MQL
        self.env.flush_all()
        rows = self.env["crm.lifecycle.funnel.report"]._read_group(
            [("lead_id", "in", (self.lead | other).ids)], ["persona_id", "stage"], ["__count"]
        )
        self.assertEqual(
            {(p.name or False, s): c for p, s, c in rows},
            {("Funnel persona", "lead"): 1, ("Funnel persona", "mql"): 1, (False, "lead"): 1},
        )


@tagged("post_install", "-at_install")
class TestScoringAccess(ScoringCase):
    def test_rep_reads_scores_but_cannot_configure(self):
        model = self.model.with_user(self.rep)
        self.assertEqual(model.name, "Inbound")
        with self.assertRaises(AccessError):
            model.write({"hot_threshold": 1})
        with self.assertRaises(AccessError):
            self.env["crm.scoring.integration"].with_user(self.rep).search([])
        self.model.with_user(self.manager).hot_threshold = 50

    def test_outsider_sees_no_events(self):
        with self.assertRaises(AccessError):
            self.env["crm.engagement.event"].with_user(self.outsider).search([])

    def test_other_company_model_invisible(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.env["crm.scoring.model"].create({"name": "Other", "company_id": other.id})
        self.rep.company_ids = self.env.company
        names = self.env["crm.scoring.model"].with_user(self.rep).search([]).mapped("name")
        self.assertEqual(names, ["Inbound"])

    def test_rpc_ingest_for_managers_only_and_all_or_nothing(self):
        Event = self.env["crm.engagement.event"]
        with freeze_time(T0):
            with self.assertRaises(AccessError):
                Event.with_user(self.rep).ingest_events(
                    [{"type": "download", "lead_id": self.lead.id}]
                )
            with self.assertRaisesRegex(ValidationError, "Unknown event type"):
                Event.with_user(self.manager).ingest_events(
                    [
                        {"type": "download", "lead_id": self.lead.id},
                        {"type": "teleport", "lead_id": self.lead.id},
                    ]
                )
            self.assertFalse(Event.search([("lead_id", "=", self.lead.id)]))
            result = Event.with_user(self.manager).ingest_events(
                [
                    {
                        "type": "download",
                        "lead_id": self.lead.id,
                        "idempotency_key": "k1",
                        "timestamp": "2026-03-02T08:00:00Z",
                    }
                ]
            )
        self.assertEqual(result["accepted"], 1)
        self.assertEqual(self.lead.score, 50)
