from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_rfm_segment import GRID_FIELDS


class CrmLostDealReport(models.Model):
    """One row per closed opportunity (won or lost): why deals are lost, at which
    stage, for which personas, segments, sources, teams and salespeople. Average
    `loss_rate` for the share lost."""

    _name = "crm.lost.deal.report"
    _description = "Lost Deals Analysis"
    _auto = False
    _order = "date_closed desc"
    _rec_name = "lead_id"
    # searching the view flushes what it reads
    _depends = {
        "crm.lead": [
            "active",
            "probability",
            "type",
            "stage_id",
            "lost_reason_id",
            "date_closed",
            "partner_id",
            "persona_id",
            "source_id",
            "medium_id",
            "campaign_id",
            "team_id",
            "user_id",
            "company_id",
            "expected_revenue",
        ],
        "crm.stage": ["is_won"],
        "crm.customer.value": ["partner_id", "company_id", "r_score", "f_score"],
        "crm.rfm.segment": list(GRID_FIELDS),
        "res.partner": ["commercial_partner_id"],
    }

    lead_id = fields.Many2one("crm.lead", "Opportunity", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    date_closed = fields.Datetime("Closed On", readonly=True)
    create_date = fields.Datetime("Created On", readonly=True)
    is_lost = fields.Boolean("Lost", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    stage_id = fields.Many2one(
        "crm.stage", "Stage Reached", readonly=True, help="The stage the deal was in when closed."
    )
    persona_id = fields.Many2one("crm.persona", "Buyer Persona", readonly=True)
    segment_id = fields.Many2one(
        "crm.rfm.segment",
        "RFM Segment",
        readonly=True,
        help="The customer's RFM segment in the opportunity's company today.",
    )
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    expected_revenue = fields.Float(readonly=True)
    lost_revenue = fields.Float(readonly=True)
    loss_rate = fields.Float(
        "Loss Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the closed opportunities that were lost.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT l.id AS id,
                           l.id AS lead_id,
                           l.partner_id,
                           l.date_closed,
                           l.create_date,
                           NOT l.active AS is_lost,
                           CASE WHEN NOT l.active THEN l.lost_reason_id END AS lost_reason_id,
                           l.stage_id,
                           l.persona_id,
                           %(segment)s AS segment_id,
                           l.source_id,
                           l.medium_id,
                           l.campaign_id,
                           l.team_id,
                           l.user_id,
                           l.company_id,
                           l.expected_revenue,
                           CASE WHEN NOT l.active THEN l.expected_revenue ELSE 0 END
                               AS lost_revenue,
                           CASE WHEN NOT l.active THEN 100.0 ELSE 0.0 END AS loss_rate
                      FROM crm_lead l
                      JOIN crm_stage s ON s.id = l.stage_id
                 LEFT JOIN res_partner p ON p.id = l.partner_id
                 LEFT JOIN crm_customer_value cv ON cv.partner_id = p.commercial_partner_id
                                                AND cv.company_id = l.company_id
                     WHERE l.type = 'opportunity'
                       AND ((l.active AND s.is_won)
                            OR (NOT l.active AND l.probability = 0))
                )
                """,
                table=SQL.identifier(self._table),
                segment=self.env["crm.rfm.segment"]._cell_segment_sql(
                    SQL("cv.r_score"), SQL("cv.f_score")
                ),
            )
        )
