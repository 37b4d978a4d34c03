from odoo import fields, models

from .crm_smart_goal import GOAL_STATUSES


class CrmSmartGoalCheckin(models.Model):
    """A snapshot of a goal's progress: the points of its progress line."""

    _name = "crm.smart.goal.checkin"
    _description = "Goal Check-in"
    _order = "date desc, id desc"

    goal_id = fields.Many2one("crm.smart.goal", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="goal_id.company_id", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    value = fields.Float(aggregator="max")
    expected_value = fields.Float("Expected by Then", aggregator="max")
    target = fields.Float(aggregator="max")
    progress = fields.Float("Progress (%)", aggregator="max")
    status = fields.Selection(GOAL_STATUSES)
    note = fields.Text()
