from odoo import models
from odoo.tools import SQL


class CrmRatioMeasureMixin(models.AbstractModel):
    """Measures that are a ratio of two sums, divided per group.

    A report declares `_ratio_measures = {measure: (numerator, denominator, scale)}`;
    reading `measure` in any group (pivot cell, subtotal, total, goal metric) returns
    scale x SUM(numerator) / SUM(denominator) over the group's rows, never an average of
    the rows' ratios, and nothing (False) when the denominator's sum is zero.
    """

    _name = "crm.ratio.measure.mixin"
    _description = "Ratio of Sums Measures"

    _ratio_measures = {}

    def _read_group_select(self, aggregate_spec, query):
        fname = aggregate_spec.split(":")[0]
        if fname in self._ratio_measures:
            self._field_to_sql(self._table, fname, query)  # checks access to the field
            numerator, denominator, scale = self._ratio_measures[fname]
            return SQL(
                "%s * SUM(%s) / NULLIF(SUM(%s), 0)",
                float(scale),
                self._field_to_sql(self._table, numerator, query),
                self._field_to_sql(self._table, denominator, query),
            )
        return super()._read_group_select(aggregate_spec, query)
