import ast

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services import scoring

EVENT_TYPES = [
    ("page_view", "Page View"),
    ("download", "Download"),
    ("form_submit", "Form Submission"),
    ("email_open", "E-mail Open"),
    ("email_click", "E-mail Click"),
    ("email_reply", "E-mail Reply"),
    ("social_like", "Social Like"),
    ("social_share", "Social Share"),
    ("social_comment", "Social Comment"),
    ("meeting_booked", "Meeting Booked"),
    ("unsubscribe", "Unsubscribe"),
    ("bounce", "Bounce"),
    ("custom", "Custom"),
]


class CrmScoringRule(models.Model):
    """Points a lead earns for who it is (fit) or for what it does (engagement)."""

    _name = "crm.scoring.rule"
    _description = "Lead Scoring Rule"
    _order = "rule_type, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    model_id = fields.Many2one("crm.scoring.model", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="model_id.company_id", store=True, index=True)
    rule_type = fields.Selection(
        [("fit", "Fit"), ("engagement", "Engagement")], required=True, default="fit"
    )
    points = fields.Integer(
        required=True,
        help="Points per matching lead (fit) or per event (engagement); "
        "negative for rules that lower the score.",
    )
    domain = fields.Char(
        default="[]", help="Leads that match this filter get the points (fit rules)."
    )
    event_type = fields.Selection(EVENT_TYPES)
    url_pattern = fields.Char(
        string="URL Pattern",
        help="Only count events whose URL path matches: * is any text, ? one character "
        "(e.g. /pricing*). Empty: any URL.",
    )
    url_like = fields.Char(compute="_compute_url_like", store=True)
    decay_mode = fields.Selection(
        [("none", "No Decay"), ("half_life", "Half-life"), ("expiry", "Expiry")],
        string="Decay",
        required=True,
        default="none",
    )
    half_life_days = fields.Float(
        string="Half-life (days)", help="An event is worth half as much after this many days."
    )
    expiry_days = fields.Integer(
        string="Expires After (days)", help="An event stops counting after this many days."
    )
    max_points = fields.Integer(
        string="Cap", help="At most this many points (in absolute value) from this rule. 0: no cap."
    )
    period_cap = fields.Integer(
        string="Cap per Period",
        help="At most this many points (in absolute value) per period. 0: no cap.",
    )
    cap_period = fields.Selection(
        [("day", "Day"), ("week", "Week"), ("month", "Month")], default="day"
    )

    _sql_constraints = [
        ("caps_positive", "CHECK(max_points >= 0 AND period_cap >= 0)", "Caps cannot be negative."),
        (
            "decay_positive",
            "CHECK(half_life_days >= 0 AND expiry_days >= 0)",
            "Half-life and expiry cannot be negative.",
        ),
    ]

    @api.depends("url_pattern")
    def _compute_url_like(self):
        for rule in self:
            rule.url_like = scoring.glob_to_like((rule.url_pattern or "").strip())

    @api.constrains(
        "rule_type", "event_type", "domain", "decay_mode", "half_life_days", "expiry_days"
    )
    def _check_rule(self):
        for rule in self:
            if rule.rule_type == "engagement" and not rule.event_type:
                raise ValidationError(
                    self.env._("Engagement rule %s needs an event type.", rule.name)
                )
            if rule.decay_mode == "half_life" and rule.half_life_days <= 0:
                raise ValidationError(self.env._("Rule %s needs a positive half-life.", rule.name))
            if rule.decay_mode == "expiry" and rule.expiry_days <= 0:
                raise ValidationError(self.env._("Rule %s needs a positive expiry.", rule.name))
            if rule.rule_type == "fit":
                try:
                    rule._search_leads()
                except (ValueError, SyntaxError, KeyError, TypeError) as error:
                    raise ValidationError(
                        self.env._(
                            "The filter of rule %(rule)s is invalid: %(error)s",
                            rule=rule.name,
                            error=error,
                        )
                    ) from error

    def _parsed_domain(self):
        self.ensure_one()
        return ast.literal_eval(self.domain or "[]")

    def _search_leads(self):
        """Query of the leads this fit rule matches (archived ones included, no record rules).
        Fields read per company (e.g. the customer's segment or NPS class) are read in the
        rule's company, whoever rescores."""
        self.ensure_one()
        leads = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .with_company(self.company_id)
        )
        return leads._search(self._parsed_domain())
