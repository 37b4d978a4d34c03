"""Satisfaction surveys sent to customers, and their answers, per company.

Invariants:
- one row per invitation we send (state "sent"), or per completed answer to a
  satisfaction survey by a known customer that we did not invite (created "answered");
- a row is answered once: completing the same survey answer again changes nothing;
- per (customer, company, kind), `is_last` marks the latest answered row: the
  customer's current satisfaction in that company;
- the history outlives the surveys: deleting a survey or its answers keeps the rows,
  their kind and score.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .survey_survey import SATISFACTION_KINDS

_logger = logging.getLogger(__name__)

NPS_CLASSES = [("promoter", "Promoter"), ("passive", "Passive"), ("detractor", "Detractor")]
# a customer's contribution to the NPS: its average is %promoters - %detractors
NPS_VALUES = {"promoter": 100, "passive": 0, "detractor": -100}
# customers invited per cron call
SEND_BATCH_SIZE = 200


def nps_class(score):
    """The NPS class of a 0-10 answer."""
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


class CrmSatisfactionResponse(models.Model):
    _name = "crm.satisfaction.response"
    _description = "Customer Satisfaction Response"
    _order = "date_sent desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    survey_id = fields.Many2one(
        "survey.survey", index="btree_not_null", ondelete="set null", readonly=True
    )
    user_input_id = fields.Many2one(
        "survey.user_input",
        "Survey Answer",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
    )
    order_id = fields.Many2one(
        "sale.order", "After Order", index="btree_not_null", ondelete="set null", readonly=True
    )
    user_id = fields.Many2one("res.users", "Salesperson", index="btree_not_null", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales Team", index="btree_not_null", readonly=True)
    kind = fields.Selection(SATISFACTION_KINDS, required=True, readonly=True)
    state = fields.Selection(
        [("sent", "Sent"), ("answered", "Answered")], required=True, default="sent", readonly=True
    )
    date_sent = fields.Datetime(
        "Sent On", required=True, default=fields.Datetime.now, readonly=True
    )
    date_answered = fields.Datetime("Answered On", readonly=True)
    scored = fields.Boolean("Score Given", readonly=True)
    score = fields.Integer(readonly=True, aggregator="avg")
    nps_class = fields.Selection(
        NPS_CLASSES, "NPS Class", compute="_compute_nps", store=True, index="btree_not_null"
    )
    nps_value = fields.Integer(
        "NPS",
        compute="_compute_nps",
        store=True,
        aggregator="avg",
        help="+100 for a promoter, 0 for a passive, -100 for a detractor: the average is the NPS.",
    )
    response_rate = fields.Integer(
        "Response Rate (%)",
        compute="_compute_response_rate",
        store=True,
        aggregator="avg",
        help="100 for an answered survey, 0 for one sent and not answered: the average is "
        "the response rate.",
    )
    is_last = fields.Boolean("Latest Answer", readonly=True, index=True)

    _sql_constraints = [
        (
            "user_input_unique",
            "UNIQUE(user_input_id)",
            "A survey answer counts once in the customer's satisfaction.",
        ),
        ("score_range", "CHECK(score BETWEEN 0 AND 10)", "A satisfaction score is from 0 to 10."),
    ]

    @api.depends("kind", "state", "scored", "score")
    def _compute_nps(self):
        for response in self:
            if response.kind == "nps" and response.state == "answered" and response.scored:
                response.nps_class = nps_class(response.score)
            else:
                response.nps_class = False
            response.nps_value = NPS_VALUES.get(response.nps_class, 0)

    @api.depends("state")
    def _compute_response_rate(self):
        for response in self:
            response.response_rate = 100 if response.state == "answered" else 0

    # ------------------------------------------------------------ sending

    @api.model
    def _send(self, contacts, company, survey=None, orders=None):
        """Invite each of `contacts` to `survey` (default: the company's) by e-mail.

        `orders` maps a contact id to the order the survey follows. Returns the new rows.
        Runs as superuser: callers check that the user may send (see `_send_from_contacts`).
        """
        self = self.sudo()
        survey = survey or company.crm_satisfaction_survey_id
        if not survey or not survey.crm_satisfaction_kind:
            raise UserError(
                self.env._(
                    "%(company)s has no satisfaction survey: choose one in the CRM settings.",
                    company=company.name,
                )
            )
        if not survey.active:
            raise UserError(self.env._("The survey %(survey)s is archived.", survey=survey.title))
        orders = orders or {}
        template = self.env.ref("survey.mail_template_user_input_invite", raise_if_not_found=False)
        vals_list = []
        for contact in contacts:
            user_input = survey._create_answer(
                partner=contact,
                check_attempts=False,
                invite_token=self.env["survey.user_input"]._generate_invite_token(),
            )
            order = orders.get(contact.id, self.env["sale.order"])
            customer = contact.commercial_partner_id
            vals_list.append(
                {
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "survey_id": survey.id,
                    "user_input_id": user_input.id,
                    "order_id": order.id,
                    "kind": survey.crm_satisfaction_kind,
                    "user_id": (order.user_id or customer.user_id).id,
                    "team_id": (order.team_id or customer.user_id.sale_team_id).id,
                }
            )
            if template:
                template.send_mail(user_input.id, email_layout_xmlid="mail.mail_notification_light")
        return self.create(vals_list)

    @api.model
    def _send_from_contacts(self, partners):
        """A user's "Send satisfaction survey" on contacts: the current company's survey
        (default: the NPS survey shipped with the module), whatever the period; blacklisted
        contacts and those who withdrew consent (or whose company did) are skipped."""
        partners.check_access("read")
        if not self.env.user.has_group("crm_strategy.group_crm_strategy_user"):
            raise UserError(self.env._("Only salespeople can send satisfaction surveys."))
        if not partners:
            raise UserError(self.env._("Select the customers to survey."))
        without_email = partners.filtered(lambda p: not p.email)
        if without_email:
            raise UserError(
                self.env._(
                    "These contacts have no e-mail address: %(names)s",
                    names=", ".join(without_email.mapped("display_name")),
                )
            )
        partners = partners.filtered(lambda p: not p._crm_satisfaction_opted_out())
        if not partners:
            return self
        company = self.env.company
        survey = company.sudo().crm_satisfaction_survey_id or self.env.ref(
            "crm_strategy_survey.survey_nps", raise_if_not_found=False
        )
        if not survey:
            raise UserError(
                self.env._(
                    "%(company)s has no satisfaction survey: choose one in the CRM settings.",
                    company=company.name,
                )
            )
        return self._send(partners, company, survey=survey.sudo())

    def _candidates_query(self, company, now, select, limit=None):
        """Customers of `company` due for the survey that follows their latest order."""
        until = now - timedelta(days=company.crm_satisfaction_delay_days)
        since = until - timedelta(days=company.crm_satisfaction_period_days)
        period_start = now - timedelta(days=company.crm_satisfaction_period_days)
        return SQL(
            """SELECT %(select)s
                 FROM sale_order so
                 JOIN res_partner contact ON contact.id = so.partner_id
                 JOIN res_partner customer ON customer.id = contact.commercial_partner_id
                WHERE so.company_id = %(company)s
                  AND so.state = 'sale'
                  AND so.date_order <= %(until)s
                  AND so.date_order > %(since)s
                  AND contact.active AND customer.active
                  AND COALESCE(contact.email, '') != ''
                  AND NOT COALESCE(contact.crm_profiling_withdrawn, FALSE)
                  AND NOT COALESCE(customer.crm_profiling_withdrawn, FALSE)
                  AND NOT EXISTS (SELECT 1 FROM mail_blacklist bl
                                   WHERE bl.active AND bl.email = contact.email_normalized)
                  AND NOT EXISTS (SELECT 1
                                    FROM crm_satisfaction_response sent
                                   WHERE sent.partner_id = customer.id
                                     AND sent.company_id = so.company_id
                                     AND sent.date_sent > %(period_start)s)
                %(tail)s""",
            select=select,
            company=company.id,
            until=until,
            since=since,
            period_start=period_start,
            tail=SQL("ORDER BY customer.id, so.date_order DESC, so.id DESC LIMIT %s", limit)
            if limit
            else SQL(),
        )

    @api.model
    def _cron_send_after_orders(self):
        """Send the satisfaction survey to customers whose order is old enough, one batch
        per call; at most once per customer and company per period."""
        now = fields.Datetime.now()
        companies = self.env["res.company"].search([("crm_satisfaction_survey_id", "!=", False)])
        done = remaining = 0
        for company in companies:
            survey = company.crm_satisfaction_survey_id
            if not survey.active or not survey.crm_satisfaction_kind:
                _logger.warning(
                    "Satisfaction survey %s of %s is archived or not a satisfaction survey",
                    survey.id,
                    company.name,
                )
                continue
            # the query reads orders and contacts
            self.env.flush_all()
            if done >= SEND_BATCH_SIZE:
                self.env.cr.execute(
                    self._candidates_query(company, now, SQL("COUNT(DISTINCT customer.id)"))
                )
                remaining += self.env.cr.fetchone()[0]
                continue
            self.env.cr.execute(
                self._candidates_query(
                    company,
                    now,
                    SQL("DISTINCT ON (customer.id) contact.id, so.id"),
                    limit=SEND_BATCH_SIZE - done + 1,
                )
            )
            rows = self.env.cr.fetchall()
            batch, rest = rows[: SEND_BATCH_SIZE - done], rows[SEND_BATCH_SIZE - done :]
            contacts = self.env["res.partner"].browse([row[0] for row in batch])
            orders = {row[0]: self.env["sale.order"].browse(row[1]) for row in batch}
            self.with_company(company)._send(contacts, company, orders=orders)
            done += len(batch)
            remaining += len(rest)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    # ------------------------------------------------------------ answers

    @api.model
    def _record_answers(self, user_inputs):
        """Record completed answers to satisfaction surveys (called as superuser).

        An answer already recorded is left alone (answered twice); an answer without a
        customer (public link, no contact) stays in the survey app only.
        """
        user_inputs = user_inputs.filtered(
            lambda ui: ui.survey_id.crm_satisfaction_kind and not ui.test_entry
        )
        if not user_inputs:
            return self
        invited = self.search([("user_input_id", "in", user_inputs.ids)])
        by_input = {response.user_input_id.id: response for response in invited}
        now = fields.Datetime.now()
        answered = self
        vals_list = []
        for user_input in user_inputs:
            response = by_input.get(user_input.id, self)
            if response and response.state == "answered":
                continue
            customer = response.partner_id or user_input.partner_id.commercial_partner_id
            if not customer:
                _logger.info("Satisfaction answer %s has no customer: not recorded", user_input.id)
                continue
            line = user_input.user_input_line_ids.filtered(
                lambda line: (
                    line.question_id.crm_satisfaction_score
                    and line.answer_type == "scale"
                    and not line.skipped
                )
            )[:1]
            vals = {
                "state": "answered",
                "date_answered": now,
                "scored": bool(line),
                "score": line.value_scale if line else 0,
            }
            if response:
                response.write(vals)
                answered |= response
            else:
                vals_list.append(
                    dict(
                        vals,
                        partner_id=customer.id,
                        company_id=(customer.company_id or self.env.company).id,
                        survey_id=user_input.survey_id.id,
                        user_input_id=user_input.id,
                        kind=user_input.survey_id.crm_satisfaction_kind,
                        user_id=customer.user_id.id,
                        team_id=customer.user_id.sale_team_id.id,
                        date_sent=user_input.create_date or now,
                    )
                )
        answered |= self.create(vals_list)
        answered._update_last()
        answered._schedule_callbacks()
        return answered

    def _update_last(self):
        """Mark the latest answered row of each (customer, company, kind) of `self`."""
        if not self:
            return
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE crm_satisfaction_response r
                      SET is_last = (r.id = last.id)
                     FROM (SELECT DISTINCT ON (partner_id, company_id, kind)
                                  id, partner_id, company_id, kind
                             FROM crm_satisfaction_response
                            WHERE state = 'answered'
                              AND (partner_id, company_id, kind) IN (
                                      SELECT partner_id, company_id, kind
                                        FROM crm_satisfaction_response
                                       WHERE id = ANY(%s))
                            ORDER BY partner_id, company_id, kind,
                                     date_answered DESC, id DESC) last
                    WHERE r.partner_id = last.partner_id
                      AND r.company_id = last.company_id
                      AND r.kind = last.kind
                      AND r.is_last IS DISTINCT FROM (r.id = last.id)""",
                self.ids,
            )
        )
        self.invalidate_model(["is_last"])

    def _schedule_callbacks(self):
        """The feedback loop: every detractor gets a call from their salesperson today."""
        for response in self.filtered(lambda r: r.nps_class == "detractor"):
            user = (
                response.user_id
                or response.partner_id.user_id
                or response.survey_id.user_id
                or response.company_id.crm_satisfaction_survey_id.user_id
            )
            if not user:
                _logger.warning("Detractor %s has no salesperson to call back", response.id)
                continue
            response.partner_id.activity_schedule(
                "mail.mail_activity_data_call",
                summary=self.env._("Call back: NPS %(score)s", score=response.score),
                note=self.env._(
                    "%(customer)s answered %(score)s out of 10 to %(survey)s. Call them back "
                    "to understand what went wrong and fix it.",
                    customer=response.partner_id.display_name,
                    score=response.score,
                    survey=response.survey_id.title or "",
                ),
                user_id=user.id,
            )
