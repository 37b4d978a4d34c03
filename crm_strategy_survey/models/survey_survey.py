from odoo import fields, models

SATISFACTION_KINDS = [("nps", "Net Promoter Score"), ("csat", "Customer satisfaction (CSAT)")]


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    crm_satisfaction_kind = fields.Selection(
        SATISFACTION_KINDS,
        "Satisfaction Survey",
        help="Answers to this survey's score question set the customer's satisfaction "
        "(NPS: promoter, passive, detractor) in the CRM.",
    )
