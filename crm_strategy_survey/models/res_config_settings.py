from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_satisfaction_survey_id = fields.Many2one(
        related="company_id.crm_satisfaction_survey_id", readonly=False
    )
    crm_satisfaction_delay_days = fields.Integer(
        related="company_id.crm_satisfaction_delay_days", readonly=False
    )
    crm_satisfaction_period_days = fields.Integer(
        related="company_id.crm_satisfaction_period_days", readonly=False
    )
