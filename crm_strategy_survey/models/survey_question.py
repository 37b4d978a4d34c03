from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SurveyQuestion(models.Model):
    _inherit = "survey.question"

    crm_satisfaction_score = fields.Boolean(
        "Satisfaction Score",
        help="The answer to this scale question is the customer's satisfaction score.",
    )

    @api.constrains("crm_satisfaction_score", "question_type")
    def _check_crm_satisfaction_score(self):
        for question in self.filtered("crm_satisfaction_score"):
            if question.question_type != "scale":
                raise ValidationError(
                    self.env._(
                        "The satisfaction score question %(question)s must be a scale question.",
                        question=question.title,
                    )
                )
