from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import fields, models

PERIODS = [
    ("this_month", "This month"),
    ("next_month", "Next month"),
    ("this_quarter", "This quarter"),
    ("next_quarter", "Next quarter"),
]


class CrmSmartGoalTemplate(models.Model):
    """A classic goal to start from: "20 new leads per month", "double revenue next quarter"."""

    _name = "crm.smart.goal.template"
    _description = "SMART Goal Template"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(required=True, translate=True)
    metric_id = fields.Many2one("crm.goal.metric", required=True, ondelete="cascade")
    target_mode = fields.Selection(
        [("fixed", "A fixed target"), ("baseline_ratio", "A multiple of the baseline")],
        required=True,
        default="fixed",
    )
    target = fields.Float(help="The target of a goal made from this template (fixed target).")
    target_ratio = fields.Float(
        "Baseline Multiple",
        default=1.0,
        help="The target is the baseline (the previous period's value) times this: 2 doubles it.",
    )
    period = fields.Selection(PERIODS, required=True, default="this_month")
    recurrence = fields.Selection(
        [("none", "Once"), ("monthly", "Every month"), ("quarterly", "Every quarter")],
        required=True,
        default="none",
    )

    _sql_constraints = [
        (
            "target_positive",
            "CHECK(target_mode != 'fixed' OR target > 0)",
            "A template's fixed target must be above zero.",
        ),
        (
            "ratio_positive",
            "CHECK(target_mode != 'baseline_ratio' OR target_ratio > 0)",
            "A template's baseline multiple must be above zero.",
        ),
    ]

    def _period_dates(self, today):
        """(start, deadline) of this template's period seen from `today`."""
        self.ensure_one()
        if self.period in ("this_month", "next_month"):
            start = today.replace(day=1)
            months = 1
        else:
            start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
            months = 3
        if self.period.startswith("next_"):
            start += relativedelta(months=months)
        return start, start + relativedelta(months=months, days=-1)
