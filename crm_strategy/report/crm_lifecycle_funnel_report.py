from odoo import fields, models, tools
from odoo.tools import SQL

from ..services import scoring


class CrmLifecycleFunnelReport(models.Model):
    """One row per lead and per funnel stage it reached: count rows per stage for the
    funnel; average `conversion` for the share that went on to the next stage."""

    _name = "crm.lifecycle.funnel.report"
    _description = "Lifecycle Funnel Analysis"
    _auto = False
    _order = "stage_rank, create_date desc"
    _rec_name = "stage"

    lead_id = fields.Many2one("crm.lead", readonly=True)
    stage = fields.Selection(scoring.LIFECYCLE_STAGES[:-1], readonly=True)
    stage_rank = fields.Integer(readonly=True, aggregator="min")
    create_date = fields.Datetime(string="Created On", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    persona_id = fields.Many2one("crm.persona", string="Buyer Persona", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    disqualified = fields.Boolean(readonly=True)
    conversion = fields.Float(
        string="Conversion to Next Stage (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the leads at this stage that reached a further stage.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        funnel = SQL("ARRAY[%s]::varchar[]", SQL(", ").join(scoring.FUNNEL))
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    WITH ranked AS (
                        SELECT l.*, array_position(%(funnel)s, l.lifecycle_stage_max::varchar) - 1
                                   AS max_rank
                          FROM crm_lead l
                    )
                    SELECT row_number() OVER () AS id,
                           r.id AS lead_id,
                           (%(funnel)s)[s.rank + 1] AS stage,
                           s.rank AS stage_rank,
                           r.create_date,
                           r.source_id,
                           r.medium_id,
                           r.campaign_id,
                           r.team_id,
                           r.persona_id,
                           r.user_id,
                           r.company_id,
                           r.lifecycle_stage = 'disqualified' AS disqualified,
                           CASE WHEN r.max_rank > s.rank THEN 100.0 ELSE 0.0 END AS conversion
                      FROM ranked r
                CROSS JOIN LATERAL generate_series(LEAST(1, r.max_rank), r.max_rank) AS s(rank)
                     WHERE r.max_rank IS NOT NULL
                )
                """,
                table=SQL.identifier(self._table),
                funnel=funnel,
            )
        )

    def _read_group_orderby(self, order, groupby_terms, query):
        """Stages in the order leads go through them (lead, MQL, SQL, opportunity, customer),
        not by their codes' alphabet: the pivot, the graph and grouped lists all read them
        through here."""
        if "stage" in groupby_terms:
            funnel = SQL("ARRAY[%s]::varchar[]", SQL(", ").join(scoring.FUNNEL))
            groupby_terms = {
                **groupby_terms,
                "stage": SQL("array_position(%s, %s::varchar)", funnel, groupby_terms["stage"]),
            }
        return super()._read_group_orderby(order, groupby_terms, query)
