from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..services import scoring


class CrmScoringModel(models.Model):
    """How leads of a company (or of one sales team) earn points and move through stages."""

    _name = "crm.scoring.model"
    _description = "Lead Scoring Model"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The model scores this company's leads. Leads without a company are scored by "
        "the first active model without a sales team in the list of scoring models (drag "
        "the models to reorder them), whoever rescores them.",
    )
    team_id = fields.Many2one(
        "crm.team",
        check_company=True,
        tracking=True,
        help="Only score the leads of this sales team. Leave empty to score every lead of "
        "the company that no team-specific model covers.",
    )
    rule_ids = fields.One2many("crm.scoring.rule", "model_id", string="Rules", copy=True)
    fit_rule_ids = fields.One2many(
        "crm.scoring.rule",
        "model_id",
        string="Fit Rules",
        domain=[("rule_type", "=", "fit")],
        context={"default_rule_type": "fit"},
    )
    engagement_rule_ids = fields.One2many(
        "crm.scoring.rule",
        "model_id",
        string="Engagement Rules",
        domain=[("rule_type", "=", "engagement")],
        context={"default_rule_type": "engagement"},
    )
    threshold_ids = fields.One2many(
        "crm.scoring.threshold", "model_id", string="Stage Thresholds", copy=True
    )
    score_floor = fields.Integer(string="Floor", default=0, tracking=True)
    score_ceiling = fields.Integer(string="Ceiling", default=100, tracking=True)
    hot_threshold = fields.Integer(
        default=70, tracking=True, help="Leads scoring at least this much are 'hot'."
    )
    allow_demotion = fields.Boolean(
        string="Move Back on Score Drop",
        tracking=True,
        help="Let a lead fall back from SQL to MQL (or from MQL to Lead) when its score "
        "drops below the threshold. Without it, stages only ever move forward.",
    )
    lead_count = fields.Integer(compute="_compute_lead_count")

    _sql_constraints = [
        (
            "floor_below_ceiling",
            "CHECK(score_floor < score_ceiling)",
            "The floor of a scoring model must be below its ceiling.",
        ),
    ]

    def _compute_lead_count(self):
        counts = dict(
            self.env["crm.lead"]._read_group(
                [("score_model_id", "in", self.ids)], ["score_model_id"], ["__count"]
            )
        )
        for model in self:
            model.lead_count = counts.get(model, 0)

    @api.constrains("company_id", "team_id", "active")
    def _check_one_model_per_scope(self):
        for model in self.filtered("active"):
            clash = self.search_count(
                [
                    ("id", "!=", model.id),
                    ("company_id", "=", model.company_id.id),
                    ("team_id", "=", model.team_id.id),
                ]
            )
            if clash:
                raise ValidationError(
                    self.env._(
                        "Only one active scoring model may cover %(scope)s.",
                        scope=model.team_id.display_name or model.company_id.display_name,
                    )
                )

    def action_view_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_all_leads")
        action["domain"] = [("score_model_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action

    def action_rescore(self):
        """Rescore every lead these models cover now (managers; the cron does it nightly)."""
        leads = self.env["crm.lead"].with_context(active_test=False).sudo()
        for model in self:
            lead_ids = leads._search(model._lead_domain())
            leads._score_leads(list(lead_ids))
        return True

    def _lead_domain(self):
        """Leads this model scores (see `crm.lead._models_for`): its team's, or its company's
        that no team model covers; plus the leads without a company it is the model for."""
        self.ensure_one()
        active = self.sudo().search([("active", "=", True)])
        if self.team_id:
            first_for_team = active.filtered(lambda m: m.team_id == self.team_id)[:1] == self
            companies = [self.company_id.id, False] if first_for_team else [self.company_id.id]
            return [("company_id", "in", companies), ("team_id", "=", self.team_id.id)]
        team_models = active.filtered(lambda m: m.team_id and m.company_id == self.company_id)
        domain = [
            ("company_id", "=", self.company_id.id),
            ("team_id", "not in", team_models.team_id.ids),
        ]
        if self._shared_model() == self:
            domain = expression.OR(
                [
                    domain,
                    [
                        ("company_id", "=", False),
                        ("team_id", "not in", active.filtered("team_id").team_id.ids),
                    ],
                ]
            )
        return domain

    @api.model
    def _shared_model(self):
        """The model that scores leads without a company (and without a team model): the
        first active model without a sales team in the list of scoring models (by sequence,
        then creation), whichever company it belongs to and whoever asks."""
        return self.sudo().search([("active", "=", True), ("team_id", "=", False)], limit=1)

    def _thresholds(self):
        self.ensure_one()
        return [(t.stage, t.min_score) for t in self.threshold_ids]

    def _next_stage(self, current, score):
        self.ensure_one()
        return scoring.next_stage(current, score, self._thresholds(), self.allow_demotion)
