import io
import logging
from collections import defaultdict
from datetime import timedelta

import numpy as np

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, Query, sql

from ..services import clv, rfm
from .cron_per_company import refresh_next_company

_logger = logging.getLogger(__name__)

DAYS_PER_MONTH = 30.4375
UNIT_DAYS = {"day": 1.0, "week": 7.0}
CRON_POSITION = "crm_strategy.customer_value_position"
# The values of clv_basis, as the predictions pass them to SQL (by position).
BASES = ("model", "model_own_average", "history")


# PostgreSQL's binary COPY format: a signature, flags and header extension length,
# then per row its number of fields and each field's length and big-endian bytes.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"
# What each numpy type is in SQL, for binary COPY (fixed width only).
COPY_TYPES = {"i4": "int4", "f8": "float8", "numeric": "numeric"}
# A numeric in binary COPY: digit count, weight of the first digit, sign, display scale,
# then base-10,000 digits. Written with a fixed NUMERIC_DIGITS digits, the last one after
# the decimal point (so up to 4 decimals, and below NUMERIC_MAX); PostgreSQL strips the
# zero digits on reading.
NUMERIC_DIGITS = 5
NUMERIC_MAX = 1e12
# Decimals of the predictions, as `_predict` rounds them; they go back to SQL as numeric,
# the type of the columns they fill: PostgreSQL converts float8 to numeric through text,
# about a microsecond a value, five values a customer.
PREDICTION_SCALES = {"expected": 4, "alive": 4, "order_value": 2, "predicted": 2}


def _copy_dtype(columns):
    """The numpy record of one binary COPY row of `columns` ({name: 'i4' | 'f8' | 'numeric'})."""
    fields = [("_count", ">i2")]
    for name, kind in columns.items():
        if kind == "numeric":
            fields += [
                (f"_{name}_length", ">i4"),
                (f"_{name}_header", ">u2", (4,)),
                (name, ">i2", (NUMERIC_DIGITS,)),
            ]
        else:
            fields += [(f"_{name}_length", ">i4"), (name, ">" + kind)]
    return np.dtype(fields)


def copy_out(cr, query, columns):
    """Rows of `query` as a numpy record array, read with one COPY ... (FORMAT binary):
    no Python object per value, which at 1,000,000 customers saves seconds and most of
    the memory of fetchall(). `columns` maps each selected column, in order, to its
    numpy type ('i4' or 'f8'); none may be NULL."""
    buffer = io.BytesIO()
    statement = cr._obj.mogrify(query.code, query.params).decode()
    cr._obj.copy_expert(f"COPY ({statement}) TO STDOUT (FORMAT binary)", buffer)
    body = buffer.getbuffer()[len(COPY_HEADER) : -len(COPY_TRAILER)]
    return np.frombuffer(body, dtype=_copy_dtype(columns))


def _numeric_fields(values, scale):
    """Binary numeric header and digits of `values`, rounded to `scale` (<= 4) decimals."""
    units = np.rint(values * 10**scale).astype(np.int64) * 10 ** (4 - scale)
    header = np.empty((len(units), 4), dtype=np.uint16)
    header[:, 0] = NUMERIC_DIGITS
    header[:, 1] = NUMERIC_DIGITS - 2  # weight of the first digit: 10,000 ** 3
    header[:, 2] = np.where(units < 0, 0x4000, 0)  # sign
    header[:, 3] = scale
    units = np.abs(units)
    digits = np.empty((len(units), NUMERIC_DIGITS), dtype=np.int16)
    for position in range(NUMERIC_DIGITS - 1, -1, -1):
        units, digits[:, position] = np.divmod(units, 10_000)
    return header, digits


def copy_in(cr, table, arrays, scales=None):
    """Create temporary `table` with one column per array ({name: numpy array}, int32 or
    float64) and fill it with one COPY ... FROM STDIN (FORMAT binary). A float array named
    in `scales` ({name: decimals, up to 4}) becomes a numeric column of values rounded to
    that many decimals, unless one of its values is too large (then float8)."""
    scales = scales or {}
    columns = {}
    for name, array in arrays.items():
        if array.dtype.kind in "iu":
            columns[name] = "i4"
        elif name in scales and np.all(np.abs(array) < NUMERIC_MAX):
            columns[name] = "numeric"
        else:
            columns[name] = "f8"
    rows = np.empty(len(next(iter(arrays.values()))), dtype=_copy_dtype(columns))
    rows["_count"] = len(columns)
    for name, kind in columns.items():
        if kind == "numeric":
            rows[f"_{name}_length"] = 8 + 2 * NUMERIC_DIGITS
            rows[f"_{name}_header"], rows[name] = _numeric_fields(arrays[name], scales[name])
        else:
            rows[f"_{name}_length"] = int(kind[1])
            rows[name] = arrays[name]
    definition = SQL(", ").join(
        SQL("%s %s", SQL.identifier(name), SQL(COPY_TYPES[kind])) for name, kind in columns.items()
    )
    cr.execute(SQL("CREATE TEMP TABLE %s (%s)", SQL.identifier(table), definition))
    data = io.BytesIO(COPY_HEADER + rows.tobytes() + COPY_TRAILER)
    cr._obj.copy_expert(f"COPY {table} FROM STDIN (FORMAT binary)", data)


class CrmCustomerValue(models.Model):
    """RFM scores and lifetime value of one customer in one company.

    A separate model keyed by (partner, company) rather than company-dependent
    fields on res.partner: partners are usually shared between companies while
    the purchases behind these numbers are not, and a plain table lets the
    refresh rewrite every customer in a few set-based statements, lets users
    group, pivot and chart by segment, and carries its own multi-company rule.
    Rows are written only by the refresh (`_refresh`), never by hand, hence no
    create/write user and date columns (`_log_access`): who refreshed and when is
    the refresh's crm.clv.fit record, and each such column of a row is one more
    foreign-key check per inserted row, which PostgreSQL runs row by row.
    """

    _name = "crm.customer.value"
    _description = "Customer Value"
    _order = "clv_total desc, id"
    _rec_name = "partner_id"
    _log_access = False

    # No index beyond the unique (partner, company) one: every row is rewritten at each
    # refresh and each index makes that slower; segment counts scan the table anyway.
    partner_id = fields.Many2one("res.partner", "Customer", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    as_of_date = fields.Date("As of", readonly=True)
    first_purchase_date = fields.Date(readonly=True)
    last_purchase_date = fields.Date(readonly=True)
    recency_days = fields.Integer("Recency (days)", aggregator="avg", readonly=True)
    frequency = fields.Integer(
        aggregator="avg",
        readonly=True,
        help="Days with a purchase; several orders on one day count once.",
    )
    monetary_total = fields.Monetary(
        "Revenue", readonly=True, help="Untaxed, in company currency, net of refunds."
    )
    monetary_average = fields.Monetary("Average purchase", aggregator="avg", readonly=True)
    margin_total = fields.Monetary(
        "Margin", readonly=True, help="Filled when Sale Margin is installed."
    )
    r_score = fields.Integer("R", aggregator=None, readonly=True)
    f_score = fields.Integer("F", aggregator=None, readonly=True)
    m_score = fields.Integer("M", aggregator=None, readonly=True)
    rfm_code = fields.Char("RFM", readonly=True)
    # Not stored: the segment covering the customer's (R, F) cell, read, searched and grouped
    # through one SQL expression (`crm.rfm.segment._cell_segment_sql`).
    segment_id = fields.Many2one(
        "crm.rfm.segment", compute="_compute_segment_id", search="_search_segment_id"
    )
    segment_since = fields.Date(
        "In segment since",
        readonly=True,
        help="As-of date of the refresh that put the customer in this segment.",
    )
    expected_purchases = fields.Float(
        digits=(16, 2),
        aggregator="avg",
        readonly=True,
        help="Purchases expected over the CLV horizon.",
    )
    probability_alive = fields.Float(digits=(16, 3), aggregator="avg", readonly=True)
    expected_order_value = fields.Monetary(aggregator="avg", readonly=True)
    clv_predicted = fields.Monetary(
        "Predicted CLV", readonly=True, help="Discounted value of future purchases."
    )
    clv_total = fields.Monetary(
        "Lifetime value", readonly=True, help="Revenue to date plus predicted CLV."
    )
    clv_basis = fields.Selection(
        [
            ("model", "BG/NBD and Gamma-Gamma"),
            ("model_own_average", "BG/NBD and the customer's own average"),
            ("history", "Past purchase rate (too little history for a model)"),
        ],
        "Prediction basis",
        readonly=True,
    )

    _sql_constraints = [
        (
            "partner_company_unique",
            "UNIQUE(partner_id, company_id)",
            "A customer has one value row per company.",
        ),
    ]

    def init(self):
        # Every refresh rewrites every row: leaving half of each page free lets PostgreSQL
        # update rows in place (HOT, no index maintenance), about 3x faster at 100,000 rows.
        self.env.cr.execute("ALTER TABLE crm_customer_value SET (fillfactor = 50)")
        # Databases installed before `_log_access` was turned off, or before the segment was
        # computed, keep those columns (Odoo forgets the fields, not their columns) and their
        # foreign keys, which every inserted row would still pay: drop them. The lost deals
        # report's view read the stored segment: it goes first, and its own init() (later in
        # the same update) builds it again on the computed one.
        if sql.column_exists(self.env.cr, self._table, "segment_id"):
            tools.drop_view_if_exists(self.env.cr, "crm_lost_deal_report")
        self.env.cr.execute(
            """
            ALTER TABLE crm_customer_value DROP COLUMN IF EXISTS create_uid,
                DROP COLUMN IF EXISTS create_date, DROP COLUMN IF EXISTS write_uid,
                DROP COLUMN IF EXISTS write_date, DROP COLUMN IF EXISTS segment_id
            """
        )

    # ------------------------------------------------------------------
    # Segment: the segment covering the customer's cell
    # ------------------------------------------------------------------
    def _field_to_sql(self, alias, fname, query=None, flush=True):
        if fname == "segment_id":
            return self.env["crm.rfm.segment"]._cell_segment_sql(
                self._field_to_sql(alias, "r_score", query, flush),
                self._field_to_sql(alias, "f_score", query, flush),
            )
        return super()._field_to_sql(alias, fname, query, flush)

    @api.depends("r_score", "f_score")
    def _compute_segment_id(self):
        ids = tuple(id_ for id_ in self._ids if isinstance(id_, int))
        segments = {}
        if ids:
            rows = self.env.execute_query(
                SQL(
                    "SELECT v.id, %s FROM crm_customer_value v WHERE v.id IN %s",
                    self._field_to_sql("v", "segment_id"),
                    ids,
                )
            )
            segments = dict(rows)
        for value in self:
            value.segment_id = segments.get(value.id)

    def _search_segment_id(self, operator, value):
        """Search the segment as Odoo searches a stored many2one: by id, by name, unset."""
        if operator in ("child_of", "parent_of"):
            # segments have no parent: a segment's children and parents are itself
            operator, value = "in", value if isinstance(value, (list, tuple)) else [value]
        if isinstance(value, str) or (
            isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value)
        ):
            negative = operator in expression.NEGATIVE_TERM_OPERATORS
            by_name = expression.TERM_OPERATORS_NEGATION[operator] if negative else operator
            if by_name in ("=", "in"):
                by_name = "in" if isinstance(value, (list, tuple)) else "="
            segments = self.env["crm.rfm.segment"]._search([("display_name", by_name, value)])
            if negative:
                return ["|", ("segment_id", "not in", segments), ("segment_id", "=", False)]
            return [("segment_id", "in", segments)]
        query = Query(self.env, self._table, self._table_sql)
        query.add_where(self._condition_to_sql(self._table, "segment_id", operator, value, query))
        return [("id", "in", query)]

    # ------------------------------------------------------------------
    # Refresh
    # ------------------------------------------------------------------
    @api.model
    def _refresh(self, company, as_of=None):
        """Recompute every customer of `company` as of `as_of` (default today).

        Set-based: one statement aggregates the purchases and ranks revenue into
        a scratch table, numpy scores R, F and M, fits and predicts on the arrays,
        which go back in one binary COPY; one statement writes the segment history (the
        customers whose new cell is in another segment) and three write the rows back
        (see `_upsert`). Returns the crm.clv.fit record.
        """
        company.ensure_one()
        as_of = as_of or fields.Date.context_today(self)
        if as_of > fields.Date.context_today(self):
            raise UserError(self.env._("The as-of date cannot be in the future."))
        self.env["crm.rfm.segment"]._check_grid()
        for model in (
            "sale.order",
            "account.move",
            "res.partner",
            "crm.customer.value",
            "crm.rfm.segment",
        ):
            self.env[model].flush_model()
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS crm_value_scratch")
        cr.execute(self._scratch_sql(company, as_of))
        # A fresh temp table has no statistics: without them the joins below go nested-loop.
        cr.execute("ANALYZE crm_value_scratch (partner_id)")
        customers = copy_out(
            cr,
            SQL(
                """
                SELECT partner_id, %(as_of)s::date - first_day, %(as_of)s::date - last_day,
                       n_tx::int4, COALESCE(total, 0)::float8, COALESCE(repeat_mean, 0)::float8,
                       m_rank::int4
                  FROM crm_value_scratch
                """,
                as_of=as_of,
            ),
            {
                "partner_id": "i4",
                "first": "i4",
                "last": "i4",
                "n_tx": "i4",
                "total": "f8",
                "repeat_mean": "f8",
                "m_rank": "i4",
            },
        )
        fit, predictions = self._predict(company, as_of, customers)
        cr.execute("DROP TABLE IF EXISTS crm_value_prediction")
        copy_in(
            cr,
            "crm_value_prediction",
            {**predictions, **self._score(customers)},
            scales=PREDICTION_SCALES,
        )
        cr.execute("ANALYZE crm_value_prediction (partner_id)")
        self._write_history(company, as_of)
        self._upsert(company, as_of, predictions)
        self.env["crm.customer.category.share"]._refresh_company(company, as_of)
        cr.execute("DROP TABLE crm_value_scratch")
        cr.execute("DROP TABLE crm_value_prediction")
        self.invalidate_model()
        self.env["crm.customer.segment.history"].invalidate_model()
        return fit

    def _purchases_sql(self, company, as_of):
        """Per commercial partner and day: untaxed amount (and margin) in company currency."""
        end = fields.Datetime.to_datetime(as_of) + timedelta(days=1)
        if company.rfm_source == "invoice":
            return SQL(
                """
                SELECT p.commercial_partner_id AS partner_id, m.invoice_date AS day,
                       SUM(m.amount_untaxed_signed) AS amount, NULL::numeric AS margin,
                       BOOL_OR(m.move_type = 'out_invoice') AS purchase
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.partner_id
                 WHERE m.company_id = %(company)s AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund') AND m.invoice_date <= %(as_of)s
                 GROUP BY 1, 2
                """,
                company=company.id,
                as_of=as_of,
            )
        has_margin = "margin" in self.env["sale.order"]._fields
        margin = SQL("SUM(o.margin / o.currency_rate)") if has_margin else SQL("NULL::numeric")
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id, o.date_order::date AS day,
                   SUM(o.amount_untaxed / o.currency_rate) AS amount, %(margin)s AS margin,
                   TRUE AS purchase
              FROM sale_order o
              JOIN res_partner p ON p.id = o.partner_id
             WHERE o.company_id = %(company)s AND o.state = 'sale' AND o.date_order < %(end)s
               AND o.currency_rate > 0
             GROUP BY 1, 2
            """,
            margin=margin,
            company=company.id,
            end=end,
        )

    def _scratch_sql(self, company, as_of):
        """Customers (a day with a purchase), their R/F/M numbers and revenue rank.

        A purchase is a day with a confirmed order, or with a posted invoice;
        a day with only refunds is not: it lowers the revenue but counts neither
        in frequency nor in recency. The scores are `_score`'s, from these numbers.
        """
        return SQL(
            """
            CREATE TEMP TABLE crm_value_scratch AS
            WITH days AS (%(purchases)s),
            customers AS (
                SELECT partner_id,
                       MIN(day) FILTER (WHERE purchase) AS first_day,
                       MAX(day) FILTER (WHERE purchase) AS last_day,
                       COUNT(*) FILTER (WHERE purchase) AS n_tx,
                       SUM(amount) AS total,
                       SUM(margin) AS margin,
                       -- the mean of the purchases after the first (Gamma-Gamma's input);
                       -- the ordered aggregate also makes this a sort-based plan, cheaper
                       -- than hash aggregation spilling to disk
                       (SUM(amount) FILTER (WHERE purchase)
                        - (ARRAY_AGG(amount ORDER BY day) FILTER (WHERE purchase))[1])
                       / NULLIF(COUNT(*) FILTER (WHERE purchase) - 1, 0) AS repeat_mean
                  FROM days
                 GROUP BY partner_id
                HAVING BOOL_OR(purchase)
            )
            SELECT c.*, %(as_of)s::date - c.last_day AS recency,
                   RANK() OVER (ORDER BY c.total) AS m_rank
              FROM customers c
            """,
            purchases=self._purchases_sql(company, as_of),
            as_of=as_of,
        )

    def _score(self, customers):
        """R, F and M scores of each customer (rows of the scratch table).

        Score: 1 + 5 * (customers strictly below) / customers, so ties share a score: RANK()
        in SQL. M ranks exact sums of money, so in SQL (`m_rank`); R and F rank whole
        numbers, so here with `services.rfm.quintile_scores` (two numpy sorts rather than
        two window sorts of the scratch table)."""
        n = max(len(customers), 1)
        # R: fewer days since the last purchase is better; F: more purchase days is better.
        scores = {
            "r_score": rfm.quintile_scores(customers["last"], higher_is_better=False),
            "f_score": rfm.quintile_scores(customers["n_tx"]),
            "m_score": 1 + 5 * (customers["m_rank"].astype(np.int64) - 1) // n,
        }
        return {name: score.astype(np.int32) for name, score in scores.items()}

    def _predict(self, company, as_of, customers):
        """Fit both models on the company's customers and predict; store the fit.

        `customers`: one record per customer (partner_id, days since the first and the
        last purchase, purchase days, revenue, mean repeat purchase)."""
        unit = UNIT_DAYS[company.clv_time_unit]
        horizon = max(company.clv_horizon_months, 0)
        discount = max(company.clv_discount_rate, 0.0) / 100.0
        n = len(customers)
        partner_ids = customers["partner_id"]
        first, last, n_tx, total, repeat_mean = (
            customers[name].astype(float)
            for name in ("first", "last", "n_tx", "total", "repeat_mean")
        )
        x, T, t_x = n_tx - 1, first / unit, (first - last) / unit

        # Customers sharing (x, t_x, T) share the BG/NBD fit's terms and every prediction.
        (gx, gt, gT), counts, group = clv.group_rows(x, t_x, T)
        bgnbd = clv.fit_bgnbd(gx, gt, gT, counts)
        gamma = clv.fit_gamma_gamma(x, repeat_mean)
        own_average = np.where(total > 0, total / np.maximum(n_tx, 1), 0.0)
        if gamma.converged:
            order_value = clv.gamma_gamma_expected_value(gamma.params, x, repeat_mean)
        else:
            order_value = own_average
        # Customers whose refunds outweigh their purchases are worth nothing more.
        order_value = np.where(total > 0, order_value, 0.0)
        horizon_units = horizon * DAYS_PER_MONTH / unit
        if bgnbd.converged:
            params = bgnbd.params
            expected = clv.bgnbd_expected_purchases(params, gx, gt, gT, horizon_units)[group]
            alive = clv.bgnbd_probability_alive(params, gx, gt, gT)[group]
            purchases = clv.discounted_purchases(
                params, gx, gt, gT, horizon, discount, DAYS_PER_MONTH / unit
            )
            predicted = purchases[group] * order_value
            basis = np.full(n, BASES.index("model" if gamma.converged else "model_own_average"))
        else:
            # Too little history: extrapolate each customer's past rate of purchase.
            rate = n_tx / np.maximum(first + 1, 1) * unit
            expected = rate * horizon_units
            alive = np.zeros(n)
            monthly = (1 + discount) ** (1 / 12) - 1
            predicted = expected * order_value / (1 + monthly) ** (horizon / 2)
            basis = np.full(n, BASES.index("history"))
        predictions = {
            "partner_id": partner_ids.astype(np.int32),
            "expected": np.nan_to_num(expected).round(4),
            "alive": np.nan_to_num(alive).round(4),
            "order_value": np.nan_to_num(order_value).round(2),
            "predicted": np.nan_to_num(predicted).round(2),
            # 1-based: an index into the SQL array of BASES
            "basis": basis.astype(np.int32) + 1,
        }
        messages = [
            f"{name}: {fit.message}" for name, fit in (("BG/NBD", bgnbd), ("Gamma-Gamma", gamma))
        ]
        fit = (
            self.env["crm.clv.fit"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "as_of_date": as_of,
                    "time_unit": company.clv_time_unit,
                    "customer_count": n,
                    "repeat_buyer_count": int(np.sum(x > 0)),
                    "bgnbd_converged": bgnbd.converged,
                    "bgnbd_log_likelihood": bgnbd.log_likelihood,
                    "gamma_gamma_converged": gamma.converged,
                    "gamma_gamma_log_likelihood": gamma.log_likelihood,
                    "message": "\n".join(messages),
                    **bgnbd.params,
                    **gamma.params,
                }
            )
        )
        if not bgnbd.converged:
            _logger.info("crm_strategy: no BG/NBD fit for %s (%s)", company.name, bgnbd.message)
        return fit, predictions

    def _write_history(self, company, as_of):
        """Record segment changes, and schedule the segments' entry activities.

        A change is a customer who had a value row moving to another segment, or
        leaving (no purchase left as of this date). A customer's first segment is not a
        change: it is the row's `segment_since` (on a first refresh, a history row per
        customer would double what the refresh writes, for nothing a user learns)."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                WITH moves AS (
                    INSERT INTO crm_customer_segment_history
                           (partner_id, company_id, date, from_segment_id, to_segment_id)
                    SELECT partner_id, %(company)s, %(as_of)s, from_segment, to_segment
                      FROM (SELECT v.partner_id, %(old_segment)s AS from_segment,
                                   %(new_segment)s AS to_segment
                              FROM crm_customer_value v
                              LEFT JOIN crm_value_prediction p ON p.partner_id = v.partner_id
                             WHERE v.company_id = %(company)s
                               -- only a customer whose cell changed can change segment
                               AND (v.r_score, v.f_score) IS DISTINCT FROM (p.r_score, p.f_score)
                           ) cell_moves
                     WHERE from_segment IS DISTINCT FROM to_segment
                     ORDER BY partner_id
                    RETURNING partner_id, from_segment_id, to_segment_id
                )
                SELECT partner_id, to_segment_id FROM moves
                 WHERE from_segment_id IS NOT NULL AND to_segment_id IS NOT NULL
                """,
                company=company.id,
                as_of=as_of,
                **self._segment_moves_sql(),
            )
        )
        entries = cr.fetchall()
        self._schedule_entry_activities(company, entries)
        self._send_entry_emails(company, entries)

    def _send_entry_emails(self, company, entries):
        """E-mail the customers who moved into a segment that sends a template on entry."""
        segments = self.env["crm.rfm.segment"].search([("mail_template_id", "!=", False)])
        if not segments or not entries:
            return
        by_segment = defaultdict(list)
        for partner, segment in entries:
            by_segment[segment].append(partner)
        Partner = self.env["res.partner"]
        for segment in segments:
            if by_segment.get(segment.id):
                self.env["crm.automated.email"]._send_automated(
                    segment.mail_template_id,
                    Partner.browse(by_segment[segment.id]),
                    company,
                    segment,
                )

    def _schedule_entry_activities(self, company, entries):
        segments = self.env["crm.rfm.segment"].search([("activity_type_id", "!=", False)])
        if not segments or not entries:
            return
        by_segment = {segment.id: segment for segment in segments}
        entries = [(partner, by_segment[to]) for partner, to in entries if to in by_segment]
        partners = self.env["res.partner"].browse([partner for partner, _segment in entries])
        salesperson = {p.id: p.user_id for p in partners}
        model_id = self.env["ir.model"]._get_id("res.partner")
        vals_list = [
            {
                "res_model_id": model_id,
                "res_id": partner,
                "activity_type_id": segment.activity_type_id.id,
                "summary": segment.activity_summary or segment.name,
                "note": segment.recommended_action,
                "user_id": salesperson[partner].id,
                "date_deadline": segment.activity_type_id._get_date_deadline(),
            }
            for partner, segment in entries
            # Only customers with a salesperson: an activity needs someone to do it.
            if salesperson[partner] and company in salesperson[partner].company_ids
        ]
        self.env["mail.activity"].sudo().create(vals_list)

    # Stored columns the refresh writes, and the scratch expression for each.
    _REFRESHED_COLUMNS = {
        "as_of_date": "%(as_of)s::date",
        "first_purchase_date": "s.first_day",
        "last_purchase_date": "s.last_day",
        "recency_days": "s.recency",
        "frequency": "s.n_tx",
        "monetary_total": "s.total",
        "monetary_average": "s.total / s.n_tx",
        "margin_total": "s.margin",
        "r_score": "p.r_score",
        "f_score": "p.f_score",
        "m_score": "p.m_score",
        "rfm_code": "CONCAT(p.r_score, p.f_score, p.m_score)",
        "segment_since": "%(as_of)s::date",
        "expected_purchases": "p.expected",
        "probability_alive": "p.alive",
        "expected_order_value": "p.order_value",
        "clv_predicted": "p.predicted",
        "clv_total": "s.total + p.predicted",
        "clv_basis": "(%(bases)s::varchar[])[p.basis]",
    }
    # What an update writes instead, where it differs from a new row.
    _UPDATED_COLUMNS = {
        # the segments are looked up only for a customer whose cell changed
        "segment_since": "CASE WHEN (v.r_score, v.f_score) = (p.r_score, p.f_score)"
        " OR %(old_segment)s IS NOT DISTINCT FROM %(new_segment)s"
        " THEN v.segment_since ELSE %(as_of)s::date END",
    }

    def _segment_moves_sql(self):
        """A customer's segment before the refresh (value row `v`) and after (prediction `p`)."""
        Segment = self.env["crm.rfm.segment"]
        return {
            "old_segment": Segment._cell_segment_sql(SQL("v.r_score"), SQL("v.f_score")),
            "new_segment": Segment._cell_segment_sql(SQL("p.r_score"), SQL("p.f_score")),
        }

    def _upsert(self, company, as_of, predictions):
        """Delete customers who no longer are, update the others in place, insert the new,
        from the scratch and prediction tables `_refresh` filled.

        A plain UPDATE ... FROM and an INSERT of the new rows cost about half of one
        INSERT ... ON CONFLICT DO UPDATE over every row.
        """
        cr = self.env.cr
        params = {
            "company": company.id,
            "as_of": as_of,
            "bases": "{" + ",".join(BASES) + "}",
            **self._segment_moves_sql(),
        }
        cr.execute(
            SQL(
                """
                DELETE FROM crm_customer_value v
                 WHERE v.company_id = %(company)s
                   AND NOT EXISTS (SELECT 1 FROM crm_value_scratch s
                                    WHERE s.partner_id = v.partner_id)
                """,
                **params,
            )
        )
        columns = self._REFRESHED_COLUMNS
        assignments = SQL(", ").join(
            SQL(
                "%(column)s = " + self._UPDATED_COLUMNS.get(column, expression),
                column=SQL.identifier(column),
                **params,
            )
            for column, expression in columns.items()
        )
        cr.execute(
            SQL(
                """
                UPDATE crm_customer_value v SET %(assignments)s
                  FROM crm_value_scratch s
                  JOIN crm_value_prediction p ON p.partner_id = s.partner_id
                 WHERE v.company_id = %(company)s AND v.partner_id = s.partner_id
                """,
                assignments=assignments,
                **params,
            )
        )
        if cr.rowcount == len(predictions["partner_id"]):
            # Every customer had a row: nothing to insert (the usual nightly refresh).
            return
        names = SQL(", ").join(SQL.identifier(column) for column in columns)
        values = SQL(", ").join(SQL(expression, **params) for expression in columns.values())
        cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_value (partner_id, company_id, %(names)s)
                SELECT s.partner_id, %(company)s, %(values)s
                  FROM crm_value_scratch s
                  JOIN crm_value_prediction p ON p.partner_id = s.partner_id
                 WHERE NOT EXISTS (SELECT 1 FROM crm_customer_value v
                                    WHERE v.company_id = %(company)s
                                      AND v.partner_id = s.partner_id)
                 -- in partner order, each foreign-key check on res_partner reads the page
                 -- the previous one read
                 ORDER BY s.partner_id
                """,
                names=names,
                values=values,
                **params,
            )
        )

    @api.model
    def _cron_refresh(self):
        """Nightly: one company per call (a fit needs all of a company's customers at once)."""
        refresh_next_company(self.env, CRON_POSITION, self.sudo()._refresh)

    @api.model
    def _check_refresh_rights(self):
        if not self.env.user.has_group("crm_strategy.group_crm_strategy_manager"):
            raise AccessError(
                self.env._("Only strategy managers can refresh RFM and lifetime values.")
            )
