from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmStrategyObjective(models.Model):
    """A company-level business goal ("Double sales in Q3") that SMART goals serve."""

    _name = "crm.strategy.objective"
    _description = "Strategic Objective"
    _inherit = ["mail.thread"]
    _order = "date_deadline desc, sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    description = fields.Html(help="Why this objective matters and how it is measured.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", "Responsible", default=lambda self: self.env.user, tracking=True
    )
    date_start = fields.Date("Start", tracking=True)
    date_deadline = fields.Date("Deadline", tracking=True)
    max_ambition_ratio = fields.Float(
        "Ambition Warning Ratio",
        default=2.0,
        help="Goals serving this objective show a warning when their target exceeds their "
        "baseline (the metric's value over the previous equivalent period) by more than this "
        "ratio: 2.0 warns above double the baseline.",
    )
    goal_ids = fields.One2many("crm.smart.goal", "objective_id", "Goals")
    goal_count = fields.Integer("Number of Goals", compute="_compute_goal_stats")
    achieved_count = fields.Integer("Achieved", compute="_compute_goal_stats")
    at_risk_count = fields.Integer("At Risk or Off Track", compute="_compute_goal_stats")

    _sql_constraints = [
        (
            "ratio_positive",
            "CHECK(max_ambition_ratio > 0)",
            "The ambition warning ratio must be positive.",
        ),
    ]

    def _compute_goal_stats(self):
        stats = {objective.id: dict.fromkeys(("goal", "achieved", "risk"), 0) for objective in self}
        for objective, status, count in self.env["crm.smart.goal"]._read_group(
            [("objective_id", "in", self.ids)], ["objective_id", "status"], ["__count"]
        ):
            stats[objective.id]["goal"] += count
            if status == "achieved":
                stats[objective.id]["achieved"] += count
            elif status in ("at_risk", "off_track"):
                stats[objective.id]["risk"] += count
        for objective in self:
            objective.goal_count = stats[objective.id]["goal"]
            objective.achieved_count = stats[objective.id]["achieved"]
            objective.at_risk_count = stats[objective.id]["risk"]

    @api.constrains("date_start", "date_deadline")
    def _check_dates(self):
        for objective in self:
            if (
                objective.date_start
                and objective.date_deadline
                and objective.date_deadline < objective.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "Objective %(name)s: the deadline (%(deadline)s) is before the start "
                        "(%(start)s).",
                        name=objective.name,
                        deadline=objective.date_deadline,
                        start=objective.date_start,
                    )
                )

    def action_view_goals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_strategy.crm_smart_goal_action")
        action["domain"] = [("objective_id", "=", self.id)]
        action["context"] = {"default_objective_id": self.id}
        return action
