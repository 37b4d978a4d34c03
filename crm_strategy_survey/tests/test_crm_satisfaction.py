from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo import fields
from odoo.addons.crm_strategy_survey.models.crm_satisfaction_response import (
    NPS_VALUES,
    nps_class,
)
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCrmSatisfaction(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.rep = new_test_user(
            cls.env, login="nps_rep", name="Nina Rep", groups="sales_team.group_sale_salesman"
        )
        cls.survey = cls.env.ref("crm_strategy_survey.survey_nps")
        cls.question = cls.env.ref("crm_strategy_survey.survey_nps_question_score")
        cls.company.write(
            {
                "crm_satisfaction_survey_id": cls.survey.id,
                "crm_satisfaction_delay_days": 7,
                "crm_satisfaction_period_days": 90,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Delia Customer", "email": "delia@example.com", "user_id": cls.rep.id}
        )
        cls.product = cls.env["product.product"].create({"name": "Widget", "list_price": 100})
        cls.Response = cls.env["crm.satisfaction.response"]

    def _order(self, partner, days_ago):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": self.rep.id,
                "order_line": [(0, 0, {"product_id": self.product.id})],
            }
        )
        order.action_confirm()
        order.date_order = fields.Datetime.now() - timedelta(days=days_ago)
        return order

    def _answer(self, response_or_input, score):
        user_input = response_or_input
        if response_or_input._name == "crm.satisfaction.response":
            user_input = response_or_input.user_input_id
        # the survey pages post the score as text ("0" is an answer, 0 is none)
        user_input._save_lines(self.question, str(score))
        user_input._mark_done()
        return user_input

    def _invite(self, partner=None):
        return self.Response._send(partner or self.customer, self.company)

    # ------------------------------------------------------------ sending

    def test_cron_sends_once_per_customer_and_period(self):
        order = self._order(self.customer, days_ago=8)
        self.Response._cron_send_after_orders()
        response = self.Response.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(response), 1)
        self.assertEqual(response.state, "sent")
        self.assertEqual(response.order_id, order)
        self.assertEqual(response.user_id, self.rep)
        self.assertEqual(response.user_input_id.partner_id, self.customer)
        # a second order in the same period does not send another survey
        self._order(self.customer, days_ago=7)
        self.Response._cron_send_after_orders()
        self.assertEqual(self.Response.search_count([("partner_id", "=", self.customer.id)]), 1)

    def test_cron_waits_for_the_delay(self):
        self._order(self.customer, days_ago=2)
        self.Response._cron_send_after_orders()
        self.assertFalse(self.Response.search([("partner_id", "=", self.customer.id)]))

    def test_cron_skips_customers_without_email_and_companies_without_survey(self):
        silent = self.env["res.partner"].create({"name": "No Mail"})
        self._order(silent, days_ago=8)
        self._order(self.customer, days_ago=8)
        self.company.crm_satisfaction_survey_id = False
        self.Response._cron_send_after_orders()
        self.assertFalse(self.Response.search([]))
        self.company.crm_satisfaction_survey_id = self.survey
        self.Response._cron_send_after_orders()
        self.assertEqual(self.Response.search([]).partner_id, self.customer)

    def test_send_from_contact_as_rep(self):
        self.customer.with_user(self.rep).action_crm_send_satisfaction_survey()
        response = self.Response.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(response.survey_id, self.survey)
        self.assertEqual(response.state, "sent")
        nomail = self.env["res.partner"].create({"name": "Nomail", "user_id": self.rep.id})
        with self.assertRaises(UserError):
            nomail.with_user(self.rep).action_crm_send_satisfaction_survey()

    def test_blacklisted_and_withdrawn_contacts_get_no_survey(self):
        Partner = self.env["res.partner"]
        blacklisted = Partner.create({"name": "Bea Blacklisted", "email": "Bea@Example.com"})
        self.env["mail.blacklist"]._add("bea@example.com")
        withdrawn = Partner.create(
            {"name": "Will Withdrawn", "email": "will@example.com", "user_id": self.rep.id}
        )
        withdrawn.crm_profiling_withdrawn = True
        firm = Partner.create({"name": "Private Firm", "is_company": True})
        firm.crm_profiling_withdrawn = True
        employee = Partner.create(
            {"name": "Erin Employee", "email": "erin@firm.test", "parent_id": firm.id}
        )
        contacts = (self.customer | blacklisted | withdrawn | employee).with_user(self.rep)
        action = contacts.action_crm_send_satisfaction_survey()
        self.assertEqual(self.Response.search([]).partner_id, self.customer)
        self.assertIn("3 skipped", action["params"]["message"])
        # nor after their orders
        self.Response.search([]).unlink()
        for partner in (blacklisted, withdrawn, employee):
            self._order(partner, days_ago=8)
        self.Response._cron_send_after_orders()
        self.assertFalse(self.Response.search([]))

    def test_archived_survey_is_refused(self):
        self.survey.active = False
        with self.assertRaises(UserError):
            self._invite()

    def test_score_question_must_be_a_scale(self):
        with self.assertRaises(ValidationError):
            self.env["survey.question"].create(
                {
                    "survey_id": self.survey.id,
                    "title": "Comment",
                    "question_type": "text_box",
                    "crm_satisfaction_score": True,
                }
            )

    # ------------------------------------------------------------ answers

    def test_detractor_gets_a_callback_from_the_salesperson(self):
        response = self._invite()
        self._answer(response, 3)
        self.assertEqual(response.state, "answered")
        self.assertEqual(response.nps_class, "detractor")
        self.assertEqual(self.customer.satisfaction_nps_class, "detractor")
        self.assertEqual(self.customer.satisfaction_last_score, 3)
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.rep)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(activity.date_deadline, date.today())
        self.assertIn(
            self.customer,
            self.env["res.partner"].search([("satisfaction_nps_class", "=", "detractor")]),
        )

    def test_promoter_gets_no_callback_and_latest_answer_wins(self):
        first = self._invite()
        self._answer(first, 4)
        second = self._invite()
        self._answer(second, 10)
        self.assertEqual(self.customer.satisfaction_nps_class, "promoter")
        self.assertEqual(self.customer.satisfaction_last_score, 10)
        self.assertEqual(len(self.customer.satisfaction_response_ids), 2)
        self.assertEqual((first | second).filtered("is_last"), second)
        # only the detractor answer scheduled a call
        self.assertEqual(len(self.customer.activity_ids), 1)
        partners = self.env["res.partner"].search([("satisfaction_nps_class", "=", "detractor")])
        self.assertNotIn(self.customer, partners)

    def test_answered_twice_counts_once(self):
        response = self._invite()
        user_input = self._answer(response, 2)
        answered_on = response.date_answered
        user_input._mark_done()
        self.assertEqual(self.Response.search_count([("partner_id", "=", self.customer.id)]), 1)
        self.assertEqual(response.date_answered, answered_on)
        self.assertEqual(len(self.customer.activity_ids), 1)

    def test_public_answer_without_customer_is_not_recorded(self):
        user_input = self.survey._create_answer(email="anonymous@example.com", check_attempts=False)
        self._answer(user_input, 1)
        self.assertEqual(user_input.state, "done")
        self.assertFalse(self.Response.search([]))

    def test_answer_of_a_known_customer_not_invited_is_recorded(self):
        user_input = self.survey._create_answer(partner=self.customer, check_attempts=False)
        self._answer(user_input, 8)
        response = self.Response.search([("user_input_id", "=", user_input.id)])
        self.assertEqual(response.nps_class, "passive")
        self.assertEqual(self.customer.satisfaction_nps_class, "passive")

    def test_test_entry_is_not_recorded(self):
        user_input = self.survey._create_answer(
            user=self.env.user, test_entry=True, check_attempts=False
        )
        self._answer(user_input, 0)
        self.assertFalse(self.Response.search([]))

    def test_deleted_survey_keeps_the_history(self):
        response = self._invite()
        self._answer(response, 9)
        self.survey.question_and_page_ids.unlink()
        self.survey.user_input_ids.unlink()
        self.survey.unlink()
        self.assertTrue(response.exists())
        self.assertEqual((response.score, response.nps_class), (9, "promoter"))
        self.assertFalse(response.survey_id)
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.satisfaction_nps_class, "promoter")

    def test_satisfaction_is_per_company(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        response = self.Response._send(self.customer, other, survey=self.survey)
        self._answer(response, 0)
        self.assertEqual(response.company_id, other)
        self.assertFalse(self.customer.satisfaction_nps_class)
        self.assertEqual(self.customer.with_company(other).satisfaction_nps_class, "detractor")

    def test_csat_answer_sets_no_nps_class(self):
        csat = self.env.ref("crm_strategy_survey.survey_csat")
        response = self.Response._send(self.customer, self.company, survey=csat)
        response.user_input_id._save_lines(
            self.env.ref("crm_strategy_survey.survey_csat_question_score"), "2"
        )
        response.user_input_id._mark_done()
        self.assertEqual((response.kind, response.score), ("csat", 2))
        self.assertFalse(response.nps_class)
        self.assertFalse(self.customer.satisfaction_nps_class)

    def test_rep_reads_only_own_customers_history(self):
        response = self._invite()
        stranger = self.env["res.partner"].create(
            {"name": "Someone Else", "email": "else@example.com", "user_id": self.env.user.id}
        )
        other = self._invite(stranger)
        visible = self.Response.with_user(self.rep).search([])
        self.assertIn(response, visible)
        self.assertNotIn(other, visible)

    def test_merged_customers_keep_both_answers_and_the_latest_class(self):
        twin = self.env["res.partner"].create({"name": "Delia C.", "email": "delia2@example.com"})
        older = self._invite()
        self._answer(older, 2)
        newer = self._invite(twin)
        self._answer(newer, 10)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.customer | twin).ids, self.customer
        )
        self.assertEqual(self.customer.satisfaction_response_ids, older | newer)
        self.assertEqual((older | newer).filtered("is_last"), newer)
        self.assertEqual(self.customer.satisfaction_nps_class, "promoter")
        promoters = self.env["res.partner"].search([("satisfaction_nps_class", "=", "promoter")])
        self.assertIn(self.customer, promoters)

    # ------------------------------------------------------------ metrics

    def test_goal_metrics_nps_and_response_rate(self):
        customers = self.env["res.partner"].create(
            [{"name": f"C{i}", "email": f"c{i}@example.com"} for i in range(4)]
        )
        responses = self.Response._send(customers, self.company)
        for response, score in zip(responses[:3], (10, 8, 2), strict=True):
            self._answer(response, score)
        today = date.today()
        rows = [("k", "company", self.company.id, "[]", today, today)]
        nps = self.env.ref("crm_strategy_survey.crm_goal_metric_nps")
        rate = self.env.ref("crm_strategy_survey.crm_goal_metric_survey_response_rate")
        # one promoter, one passive, one detractor: NPS 0; three answers out of four sent
        self.assertEqual(nps._compute_values(rows), {"k": 0.0})
        self.assertEqual(rate._compute_values(rows), {"k": 75.0})
        self.assertFalse(nps._is_cumulative())

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=40))
    def test_nps_value_average_is_the_nps(self, scores):
        promoters = sum(score >= 9 for score in scores)
        detractors = sum(score <= 6 for score in scores)
        expected = 100.0 * (promoters - detractors) / len(scores)
        average = sum(NPS_VALUES[nps_class(score)] for score in scores) / len(scores)
        self.assertAlmostEqual(average, expected)
