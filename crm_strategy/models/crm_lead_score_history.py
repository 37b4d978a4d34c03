from odoo import fields, models


class CrmLeadScoreHistory(models.Model):
    """One row each time a lead's score changes (written set-based by the rescoring)."""

    _name = "crm.lead.score.history"
    _description = "Lead Score History"
    _order = "date desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="lead_id.company_id")
    model_id = fields.Many2one("crm.scoring.model", string="Scoring Model", ondelete="set null")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    score_fit = fields.Integer(string="Fit")
    score_engagement = fields.Integer(string="Engagement")
    score = fields.Integer()
