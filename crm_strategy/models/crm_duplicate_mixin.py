"""Pairs of records (contacts, leads) that look like the same customer, to review and merge.

One owner for the matching rules of `crm.partner.duplicate` and `crm.lead.duplicate`:

- a pair is found by a normalised e-mail address (Odoo's `email_normalized`), a phone
  number (the last PHONE_DIGITS digits of the phone or mobile, PHONE_MIN_DIGITS digits at
  least) or similar names (PostgreSQL's `pg_trgm` similarity, at least NAME_SIMILARITY);
  without `pg_trgm`, by e-mail and phone only;
- its score weighs the reasons (SCORE_EMAIL + SCORE_PHONE + SCORE_NAME x similarity, at
  most 100);
- pairs are stored with the lower record id first, by one INSERT ... SELECT per refresh;
  a refresh replaces the pairs still to review in its scope, a pair marked "not a
  duplicate" stays so for good;
- refreshing is a manager's action, limited to the companies they work in; a nightly
  scheduled action refreshes everything, one batch of records per call.
"""

import logging

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.modules.db import has_trigram
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

NAME_SIMILARITY = 0.6
SCORE_EMAIL = 50
SCORE_PHONE = 30
SCORE_NAME = 40
# digits of a phone number compared (the end of the number: prefixes vary)
PHONE_DIGITS = 9
PHONE_MIN_DIGITS = 7
# pg_trgm's "similar" operator (uses the index), kept escaped for the driver
TRIGRAM_SIMILAR = SQL("%%")
# records (first of a pair) compared per call of the nightly scheduled action
CRON_BATCH_SIZE = 20000
MANAGER_GROUP = "crm_strategy.group_crm_strategy_manager"


def ensure_trigram(cr):
    """Create pg_trgm when the database lets us; False (and a warning) when it does not."""
    try:
        with cr.savepoint(flush=False):
            cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except psycopg2.Error as error:
        _logger.warning(
            "pg_trgm is not available (%s): duplicates are found by e-mail and phone only",
            error,
        )
        return False
    return True


class CrmDuplicateMixin(models.AbstractModel):
    """A pair of `_duplicate_model` records; the subclass names the two fields holding them
    (`_duplicate_fields`) and says which records are compared and how they are named."""

    _name = "crm.duplicate.mixin"
    _description = "Possible Duplicate Pair"
    _order = "state, score desc, id"

    # the compared model, and the pair's two Many2one fields (lower id first)
    _duplicate_model = None
    _duplicate_fields = (None, None)

    same_email = fields.Boolean("Same E-mail", readonly=True)
    same_phone = fields.Boolean(readonly=True)
    name_similarity = fields.Float(
        "Name Similarity (%)", readonly=True, aggregator="avg", digits=(16, 0)
    )
    score = fields.Integer(readonly=True, aggregator="avg")
    reasons = fields.Char(compute="_compute_reasons")
    state = fields.Selection(
        [("new", "To Review"), ("dismissed", "Not a Duplicate")],
        default="new",
        required=True,
        readonly=True,
    )

    @api.depends("same_email", "same_phone", "name_similarity")
    def _compute_reasons(self):
        for pair in self:
            reasons = []
            if pair.same_email:
                reasons.append(self.env._("same e-mail address"))
            if pair.same_phone:
                reasons.append(self.env._("same phone number"))
            if pair.name_similarity:
                reasons.append(
                    self.env._("similar names (%(percent)s%%)", percent=round(pair.name_similarity))
                )
            pair.reasons = ", ".join(reasons)

    # ------------------------------------------------------------ actions

    def action_dismiss(self):
        self.write({"state": "dismissed"})

    def action_restore(self):
        self.write({"state": "new"})

    def action_refresh(self):
        """The list's header button (called on the selected pairs, whichever they are): the
        pairs of the companies the manager works in are found again."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only strategy managers can look for duplicates."))
        found, trigram = self.browse()._refresh(companies=self.env.companies)
        if trigram:
            message = self.env._("%(count)s possible duplicate pairs found.", count=found)
            kind = "success"
        else:
            message = self.env._(
                "%(count)s possible duplicate pairs found by e-mail and phone. Similar names "
                "need PostgreSQL's pg_trgm extension: ask your administrator to run "
                "CREATE EXTENSION pg_trgm in the database.",
                count=found,
            )
            kind = "warning"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "sticky": not trigram,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------ matching (subclasses)

    def _duplicate_eligible(self, alias):
        """SQL: the record `alias` is worth comparing."""
        raise NotImplementedError

    def _duplicate_names(self, alias):
        """SQL expressions naming the record `alias`, compared with pg_trgm one by one
        (each with the same expression of the other record)."""
        raise NotImplementedError

    def _duplicate_pair_filter(self):
        """SQL on `pa` and `pb`, the two records: they may be a pair."""
        return SQL("TRUE")

    def _duplicate_in_companies(self, alias, companies):
        """SQL: the record `alias` belongs to one of `companies` or is shared."""
        return SQL(
            "(%(r)s.company_id IS NULL OR %(r)s.company_id = ANY(%(ids)s))",
            r=SQL.identifier(alias),
            ids=companies.ids,
        )

    def _duplicate_extra_values(self):
        """{column: SQL on `pa`} written on each new pair besides the matching figures."""
        return {}

    # ------------------------------------------------------------ matching (shared)

    def _phone_key(self, column):
        digits = SQL("regexp_replace(COALESCE(%s, ''), '\\D', '', 'g')", column)
        return SQL(
            "CASE WHEN length(%(d)s) >= %(min)s THEN right(%(d)s, %(n)s) END",
            d=digits,
            min=PHONE_MIN_DIGITS,
            n=PHONE_DIGITS,
        )

    def _duplicate_scope(self, alias, companies):
        scope = self._duplicate_eligible(alias)
        if companies is not None:
            scope = SQL("%s AND %s", scope, self._duplicate_in_companies(alias, companies))
        return scope

    @api.model
    def _refresh(self, companies=None, id_range=None):
        """Find the pairs to review again (dismissed pairs stay) among the records of
        `companies` (None: all) whose pair starts in `id_range` ([low, high), None: all).
        Private: callers check who may (see `action_refresh`). Returns (pairs found,
        whether names were compared)."""
        self = self.sudo()
        self.env.flush_all()
        cr = self.env.cr
        trigram = has_trigram(cr)
        table = SQL.identifier(self.env[self._duplicate_model]._table)
        field_a, field_b = (SQL.identifier(name) for name in self._duplicate_fields)
        scope_x = self._duplicate_scope("x", companies)
        first = SQL("TRUE")
        if id_range:
            low, high = id_range
            first = SQL("x.id >= %s", low)
            if high:
                first = SQL("%s AND x.id < %s", first, high)

        cr.execute(
            SQL(
                """DELETE FROM %(pairs)s d
                    USING %(table)s x, %(table)s y
                    WHERE d.state = 'new' AND x.id = d.%(a)s AND y.id = d.%(b)s
                      AND %(first)s AND %(scope_x)s AND %(scope_y)s""",
                pairs=SQL.identifier(self._table),
                table=table,
                a=field_a,
                b=field_b,
                first=first,
                scope_x=scope_x,
                scope_y=self._duplicate_scope("y", companies),
            )
        )

        name_pairs = SQL("SELECT NULL::int AS a, NULL::int AS b, NULL::float AS sim WHERE false")
        if trigram:
            cr.execute(SQL("SET LOCAL pg_trgm.similarity_threshold = %s", NAME_SIMILARITY))
            name_pairs = SQL(" UNION ALL ").join(
                SQL(
                    """SELECT x.id AS a, y.id AS b, similarity(%(nx)s, %(ny)s) AS sim
                         FROM %(table)s x
                         JOIN %(table)s y ON %(ny)s %(similar)s %(nx)s AND y.id > x.id
                        WHERE %(first)s AND %(scope_x)s AND %(scope_y)s
                          AND COALESCE(trim(%(nx)s), '') != ''""",
                    nx=name_x,
                    ny=name_y,
                    table=table,
                    similar=TRIGRAM_SIMILAR,
                    first=first,
                    scope_x=scope_x,
                    scope_y=self._duplicate_scope("y", companies),
                )
                for name_x, name_y in zip(
                    self._duplicate_names("x"), self._duplicate_names("y"), strict=True
                )
            )
        extra = self._duplicate_extra_values()
        scope_p = self._duplicate_scope("p", companies)
        cr.execute(
            SQL(
                """
                WITH phones AS (
                    SELECT p.id, %(phone)s AS num FROM %(table)s p WHERE %(scope_p)s
                     UNION
                    SELECT p.id, %(mobile)s FROM %(table)s p WHERE %(scope_p)s
                ),
                emails AS (
                    SELECT p.id, p.email_normalized AS email
                      FROM %(table)s p
                     WHERE %(scope_p)s AND COALESCE(p.email_normalized, '') != ''
                ),
                names AS (
                    SELECT a, b, max(sim) AS sim FROM (%(names)s) n GROUP BY a, b
                ),
                pairs AS (
                    SELECT x.id AS a, y.id AS b FROM emails x
                      JOIN emails y ON y.email = x.email AND y.id > x.id
                     WHERE %(first)s
                     UNION
                    SELECT x.id, y.id FROM phones x
                      JOIN phones y ON y.num = x.num AND y.id > x.id
                     WHERE x.num IS NOT NULL AND %(first)s
                     UNION
                    SELECT a, b FROM names
                )
                INSERT INTO %(pairs)s
                       (%(a)s, %(b)s, %(extra_columns)s same_email, same_phone, name_similarity,
                        score, state, create_uid, create_date, write_uid, write_date)
                SELECT pairs.a, pairs.b, %(extra_values)s same_email, same_phone,
                       100 * name_sim,
                       LEAST(100, ROUND(%(w_email)s * same_email::int
                                        + %(w_phone)s * same_phone::int
                                        + %(w_name)s * name_sim)),
                       'new', %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                  FROM pairs
                  JOIN %(table)s pa ON pa.id = pairs.a
                  JOIN %(table)s pb ON pb.id = pairs.b
                  LEFT JOIN names n ON n.a = pairs.a AND n.b = pairs.b
                 CROSS JOIN LATERAL (
                       SELECT COALESCE(pa.email_normalized, '') != ''
                                  AND pa.email_normalized = pb.email_normalized AS same_email,
                              EXISTS (SELECT 1 FROM (VALUES (%(pa_phone)s), (%(pa_mobile)s)) x(num)
                                        JOIN (VALUES (%(pb_phone)s), (%(pb_mobile)s)) y(num)
                                          ON y.num = x.num) AS same_phone,
                              COALESCE(n.sim, 0) AS name_sim
                 ) AS why
                 WHERE %(pair_filter)s
                ON CONFLICT (%(a)s, %(b)s) DO NOTHING
                """,
                table=table,
                pairs=SQL.identifier(self._table),
                a=field_a,
                b=field_b,
                phone=self._phone_key(SQL("p.phone")),
                mobile=self._phone_key(SQL("p.mobile")),
                pa_phone=self._phone_key(SQL("pa.phone")),
                pa_mobile=self._phone_key(SQL("pa.mobile")),
                pb_phone=self._phone_key(SQL("pb.phone")),
                pb_mobile=self._phone_key(SQL("pb.mobile")),
                scope_p=scope_p,
                first=first,
                names=name_pairs,
                extra_columns=SQL("").join(SQL("%s, ", SQL.identifier(column)) for column in extra),
                extra_values=SQL("").join(SQL("%s, ", value) for value in extra.values()),
                w_email=SCORE_EMAIL,
                w_phone=SCORE_PHONE,
                w_name=SCORE_NAME,
                uid=self.env.uid,
                pair_filter=self._duplicate_pair_filter(),
            )
        )
        found = cr.rowcount
        if trigram:
            cr.execute(SQL("RESET pg_trgm.similarity_threshold"))
        self.invalidate_model()
        return found, trigram

    @api.model
    def _cron_refresh(self):
        """Nightly: refresh every company's pairs, CRON_BATCH_SIZE records (first of a
        pair) per call, resuming where the previous call stopped."""
        params = self.env["ir.config_parameter"].sudo()
        key = f"crm_strategy.{self._table}_cron_next_id"
        low = int(params.get_param(key) or 0)
        table = SQL.identifier(self.env[self._duplicate_model]._table)
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id >= %s ORDER BY id OFFSET %s LIMIT 1",
                table,
                low,
                CRON_BATCH_SIZE,
            )
        )
        row = cr.fetchone()
        high = row and row[0]
        self._refresh(id_range=(low, high))
        cr.execute(
            SQL(
                "SELECT count(*) FILTER (WHERE id < %(high)s OR %(last)s), "
                "count(*) FILTER (WHERE id >= %(high)s AND NOT %(last)s) "
                "FROM %(table)s WHERE id >= %(low)s",
                high=high or 0,
                last=not high,
                low=low,
                table=table,
            )
        )
        done, remaining = cr.fetchone()
        params.set_param(key, high or 0)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
