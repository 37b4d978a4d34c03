from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..services.rfm import find_cell_conflicts
from .cursor_flag import cursor_flag, cursor_flag_raised

# key of the cursor's cache and precommit data: the grid is checked later, once
GRID_CHECK_DEFERRED = "crm_strategy.rfm_grid_check_deferred"
# the fields that say which cells a segment covers
GRID_FIELDS = ("active", "r_min", "r_max", "f_min", "f_max")


class CrmRfmSegment(models.Model):
    """A named block of the 5x5 grid of Recency and Frequency scores.

    Segments are shared by all companies: they define the method, each
    company's customers fall into them by their own scores. Together the active
    segments must cover every (R, F) cell exactly once, so every customer gets
    exactly one segment. A customer's segment is not stored: it is the segment
    covering the customer's cell (`_cell_segment_sql`), so editing the grid moves
    customers at once, and the nightly refresh, which moves their cells, writes
    no segment column (each would be one more foreign-key check per customer).
    """

    _name = "crm.rfm.segment"
    _description = "RFM Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
    recommended_action = fields.Text(translate=True)
    r_min = fields.Integer("Recency from", required=True, default=1)
    r_max = fields.Integer("Recency to", required=True, default=5)
    f_min = fields.Integer("Frequency from", required=True, default=1)
    f_max = fields.Integer("Frequency to", required=True, default=5)
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity on entry",
        help="Schedule this activity for the customer's salesperson when a customer moves into "
        "this segment from another one.",
    )
    activity_summary = fields.Char(translate=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail on entry",
        domain="[('model', '=', 'res.partner')]",
        help="Send this e-mail to a customer who moves into this segment from another one, "
        "within the company's cap of automated e-mails per contact.",
    )
    customer_count = fields.Integer("Customers", compute="_compute_numbers")
    revenue = fields.Monetary(compute="_compute_numbers", currency_field="currency_id")
    average_clv = fields.Monetary(
        "Average CLV", compute="_compute_numbers", currency_field="currency_id"
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_numbers")

    _sql_constraints = [
        (
            "score_ranges",
            "CHECK(r_min BETWEEN 1 AND 5 AND r_max BETWEEN 1 AND 5 AND f_min BETWEEN 1 AND 5 "
            "AND f_max BETWEEN 1 AND 5 AND r_min <= r_max AND f_min <= f_max)",
            "Score ranges go from 1 to 5, and 'from' cannot exceed 'to'.",
        ),
    ]

    @api.model
    def _cell_segment_sql(self, r_score, f_score):
        """The active segment covering the (R, F) cell of two SQL expressions, or NULL.

        The one place that says which segment a cell is in: customer values read, search
        and group their segment through it, the refresh records moves with it, the lost
        deals report shows it. The grid is a 5 x 5 array that the statement builds once
        (it depends on no row: PostgreSQL runs it as an init plan), then each row only reads
        a cell of it: about as cheap as grouping by the scores themselves, where looking
        the segment up row by row cost 20 times more at 100,000 customers. `_check_grid`
        keeps every cell covered once; should two concurrent edits of the grid overlap,
        the newest segment wins until the grid is fixed."""
        self.flush_model(GRID_FIELDS)
        return SQL(
            """(ARRAY(SELECT ARRAY(SELECT (SELECT cell_segment.id FROM crm_rfm_segment cell_segment
                                            WHERE cell_segment.active
                                              AND cell_r BETWEEN cell_segment.r_min
                                                             AND cell_segment.r_max
                                              AND cell_f BETWEEN cell_segment.f_min
                                                             AND cell_segment.f_max
                                            ORDER BY cell_segment.id DESC LIMIT 1)
                                     FROM generate_series(1, 5) cell_f ORDER BY cell_f)
                        FROM generate_series(1, 5) cell_r ORDER BY cell_r))[%(r)s][%(f)s]""",
            r=r_score,
            f=f_score,
        )

    @api.model_create_multi
    def create(self, vals_list):
        segments = super().create(vals_list)
        segments._customers_moved()
        return segments

    def write(self, vals):
        result = super().write(vals)
        if not vals.keys().isdisjoint(GRID_FIELDS):
            self._customers_moved()
        return result

    def unlink(self):
        result = super().unlink()
        self._customers_moved()
        return result

    def _customers_moved(self):
        """The grid changed: segments read earlier in this transaction are stale."""
        self.env["crm.customer.value"].invalidate_model(["segment_id"])
        self.env["res.partner"].invalidate_model(["rfm_segment_id"])

    @api.depends_context("company")
    def _compute_numbers(self):
        # All the company's customers, grouped: a dozen groups at most, in one scan (filtering
        # on the segment too would scan the table twice).
        groups = self.env["crm.customer.value"]._read_group(
            [("company_id", "=", self.env.company.id)],
            ["segment_id"],
            ["__count", "monetary_total:sum", "clv_total:avg"],
        )
        numbers = {segment.id: (count, revenue, clv) for segment, count, revenue, clv in groups}
        for segment in self:
            segment.customer_count, segment.revenue, segment.average_clv = numbers.get(
                segment.id, (0, 0.0, 0.0)
            )
            segment.currency_id = self.env.company.currency_id

    @api.constrains("mail_template_id")
    def _check_mail_template_model(self):
        if any(s.mail_template_id and s.mail_template_id.model != "res.partner" for s in self):
            raise ValidationError(
                self.env._("The e-mail sent on entering a segment must be a template of contacts.")
            )

    @api.constrains("active", "r_min", "r_max", "f_min", "f_max")
    def _check_grid_coverage(self):
        if not self.pool.ready:
            # Module data (install or update) writes segments one at a time: the grid is
            # checked once, when the module's data is committed. Nothing a client sends
            # can make the registry look not ready.
            self._check_grid_at_commit()
        elif not cursor_flag_raised(self.env, GRID_CHECK_DEFERRED):
            self._check_grid()

    def _check_grid_at_commit(self):
        data = self.env.cr.precommit.data
        if not data.get(GRID_CHECK_DEFERRED):
            data[GRID_CHECK_DEFERRED] = True
            env = self.env
            self.env.cr.precommit.add(lambda: env["crm.rfm.segment"]._check_grid())

    @contextmanager
    def _grid_checked_once(self):
        """Write several segments, then check the grid once (the segment map wizard).

        Inside the block, saving a segment does not check the grid; at the end of the block
        (without error) the whole grid is checked. The flag lives on the cursor, out of
        reach of a client's context.
        """
        with cursor_flag(self.env, GRID_CHECK_DEFERRED) as outer:
            yield
        if not outer:
            self._check_grid()

    def _check_grid(self, without=None):
        """Refuse gaps and overlaps among the active segments (`without` those about to go)."""
        segments = self.with_context(active_test=True).search([])  # pylint: disable=no-search-all  # a dozen rows
        if without:
            segments -= without
        ranges = [(s.name, s.r_min, s.r_max, s.f_min, s.f_max) for s in segments]
        gaps, overlaps = find_cell_conflicts(ranges)
        problems = []
        if overlaps:
            problems += [
                self.env._("R%(r)s F%(f)s is in %(names)s", r=r, f=f, names=", ".join(names))
                for (r, f), names in sorted(overlaps.items())
            ]
        if gaps:
            cells = ", ".join(f"R{r} F{f}" for r, f in gaps)
            problems.append(self.env._("No segment covers %(cells)s", cells=cells))
        if problems:
            raise ValidationError(
                self.env._(
                    "Every pair of Recency and Frequency scores must belong to exactly one "
                    "active segment; to move cells between segments use Edit Segment Map."
                    "\n%(problems)s",
                    problems="\n".join(problems),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_grid_gap(self):
        self._check_grid(without=self)

    def action_view_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_strategy.crm_customer_value_action"
        )
        action["domain"] = [("segment_id", "=", self.id)]
        action["context"] = {}  # one segment: no need to group by segment
        action["display_name"] = self.name
        return action
