from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_satisfaction_survey_id = fields.Many2one(
        "survey.survey",
        "Satisfaction survey after orders",
        domain="[('crm_satisfaction_kind', '!=', False)]",
        help="Sent to customers some days after a confirmed order. Empty: none is sent.",
    )
    crm_satisfaction_delay_days = fields.Integer("Days after the order", default=7)
    crm_satisfaction_period_days = fields.Integer(
        "At most once every (days)",
        default=90,
        help="A customer receives at most one satisfaction survey from this company per period.",
    )

    _sql_constraints = [
        (
            "crm_satisfaction_days_positive",
            "CHECK(crm_satisfaction_delay_days >= 0 AND crm_satisfaction_period_days >= 1)",
            "The delay before a satisfaction survey cannot be negative, and its period must "
            "be at least one day.",
        ),
    ]
