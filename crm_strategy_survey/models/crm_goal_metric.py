from odoo import fields, models
from odoo.tools import SQL


class CrmGoalMetric(models.Model):
    _inherit = "crm.goal.metric"

    kind = fields.Selection(
        selection_add=[
            ("nps", "Net Promoter Score"),
            ("survey_response_rate", "Satisfaction survey response rate (%)"),
        ],
        ondelete={"nps": "cascade", "survey_response_rate": "cascade"},
    )

    def _source_model(self):
        if self.kind in ("nps", "survey_response_rate"):
            return "crm.satisfaction.response"
        return super()._source_model()

    def _is_cumulative(self):
        if self.kind in ("nps", "survey_response_rate"):
            return False
        return super()._is_cumulative()

    def _source_domain(self):
        if self.kind == "nps":
            # NPS answers with a score, in the period they were given
            return [("kind", "=", "nps"), ("state", "=", "answered"), ("scored", "=", True)]
        if self.kind == "survey_response_rate":
            return []
        return super()._source_domain()

    def _source(self, query, alias):
        src = super()._source(query, alias)
        Model = self.env["crm.satisfaction.response"]

        def col(fname):
            return Model._field_to_sql(alias, fname, query)

        if self.kind == "nps":
            src.update(date=col("date_answered"), value=SQL("AVG(%s)", col("nps_value")))
        elif self.kind == "survey_response_rate":
            # the surveys sent in the period, and how many of them were answered
            src.update(date=col("date_sent"), value=SQL("AVG(%s)", col("response_rate")))
        return src
