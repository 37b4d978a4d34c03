from datetime import date

from odoo import fields, models

# Strategy KPIs measured on the cockpit's report models, for company goals only: their
# figures are company figures (spend, ratios over all customers, the points liability).
# kind: (report model, aggregate spec, date field, how the goal's period selects rows)
#  - "months": the rows of the months that start within the goal's period;
#  - "last_month": the rows of the month holding the goal's last day;
#  - "until_end": every row dated before the end of the goal's period.
KPI_KINDS = {
    "cac": ("crm.acquisition.report", "cac:sum", "date", "months"),
    "clv_cac_ratio": ("crm.acquisition.report", "clv_cac_ratio:sum", "date", "months"),
    "retention_rate": ("crm.retention.report", "retention_rate:avg", "date", "months"),
    "churn_rate": ("crm.retention.report", "churn_rate:avg", "date", "months"),
    "repeat_purchase_rate": (
        "crm.retention.cohort.report",
        "repeat_buyer:avg",
        "date",
        "last_month",
    ),
    "points_liability": ("crm.loyalty.economics.report", "liability:sum", "date", "until_end"),
    "redemption_rate": ("crm.loyalty.economics.report", "redemption_rate:sum", "date", "months"),
    "active_members": ("crm.loyalty.economics.report", "active_members:sum", "date", "months"),
}


class CrmGoalMetric(models.Model):
    """The cockpit's KPIs as goal metrics ("CAC under 120 this quarter")."""

    _inherit = "crm.goal.metric"

    kind = fields.Selection(
        selection_add=[
            ("cac", "Customer acquisition cost (CAC)"),
            ("clv_cac_ratio", "CLV:CAC ratio"),
            ("retention_rate", "Retention rate (%)"),
            ("churn_rate", "Churn rate (%)"),
            ("repeat_purchase_rate", "Repeat-purchase rate (%)"),
            ("points_liability", "Loyalty points liability"),
            ("redemption_rate", "Points redemption rate (%)"),
            ("active_members", "Active loyalty members"),
            ("custom",),
        ],
        ondelete=dict.fromkeys(KPI_KINDS, "cascade"),
    )

    def _source_model(self):
        if self.kind in KPI_KINDS:
            return KPI_KINDS[self.kind][0]
        return super()._source_model()

    def _source_domain(self):
        if self.kind in KPI_KINDS:
            return []
        return super()._source_domain()

    def _is_cumulative(self):
        if self.kind in KPI_KINDS:
            return False
        return super()._is_cumulative()

    def _owner_types(self):
        if self.kind in KPI_KINDS:
            return ["company"]
        return super()._owner_types()

    def _kpi_domain(self, date_from, date_to):
        """The report rows of the goal period [date_from, date_to] (dates, inclusive)."""
        __, __, fname, selection = KPI_KINDS[self.kind]
        Report = self.env[KPI_KINDS[self.kind][0]]
        is_datetime = Report._fields[fname].type == "datetime"
        end = self._period_bounds(date_from, date_to)[1]
        if selection == "last_month":
            month = date(date_to.year, date_to.month, 1)
            return [(fname, "=", month)]
        if selection == "until_end":
            return [(fname, "<", end if is_datetime else end.date())]
        first = date(date_from.year, date_from.month, 1)
        if first < date_from:
            first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        if is_datetime:
            return [(fname, ">=", first), (fname, "<", end)]
        return [(fname, ">=", first), (fname, "<", end.date())]

    def _compute_values(self, rows):
        """KPIs: one aggregate of the report model per goal (company goals only, few)."""
        if self.kind not in KPI_KINDS:
            return super()._compute_values(rows)
        self.ensure_one()
        model_name, aggregate, __, __ = KPI_KINDS[self.kind]
        Report = self.env[model_name].sudo()
        self.env.flush_all()
        result = {}
        for key, owner_type, owner_id, filter_text, date_from, date_to in rows:
            result[key] = 0.0
            if owner_type != "company":
                continue
            domain = [
                ("company_id", "=", owner_id),
                *self._kpi_domain(date_from, date_to),
                *self._parse_domain(filter_text, model_name),
            ]
            [(value,)] = Report._read_group(domain, [], [aggregate])
            result[key] = float(value or 0.0)
        return result
