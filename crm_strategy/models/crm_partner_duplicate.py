"""Pairs of contacts that look like the same customer, to review and merge.

A pair is found by a normalised e-mail address (Odoo's `email_normalized`), a phone
number (the last 9 digits of the phone or mobile, 7 digits at least) or a similar name
(PostgreSQL's `pg_trgm` similarity of the lower-cased names, at least NAME_SIMILARITY).
Its score weighs the reasons (SCORE_EMAIL + SCORE_PHONE + SCORE_NAME x similarity, at
most 100). Pairs are stored by `_refresh` (one INSERT ... SELECT), with the lower
partner id first; a pair marked "not a duplicate" stays so at the next refresh. Merging
goes through Odoo's own contact merge wizard, which moves every reference (customer
values, segment history, ledger entries...) to the contact kept.
"""

import logging

import psycopg2

from odoo import api, fields, models
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
NAME_INDEX = "res_partner_crm_duplicate_name_trgm_idx"
# pg_trgm's "similar" operator (uses the index), kept escaped for the driver
TRIGRAM_SIMILAR = SQL("%%")


class CrmPartnerDuplicate(models.Model):
    _name = "crm.partner.duplicate"
    _description = "Possible Duplicate Contacts"
    _order = "state, score desc, id"
    _rec_name = "partner_a_id"

    partner_a_id = fields.Many2one(
        "res.partner", "Contact", required=True, index=True, ondelete="cascade", readonly=True
    )
    partner_b_id = fields.Many2one(
        "res.partner",
        "Possible Duplicate",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    email_a = fields.Char(related="partner_a_id.email", string="E-mail")
    email_b = fields.Char(related="partner_b_id.email", string="Duplicate's E-mail")
    phone_a = fields.Char(related="partner_a_id.phone", string="Phone")
    phone_b = fields.Char(related="partner_b_id.phone", string="Duplicate's Phone")
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

    _sql_constraints = [
        ("pair_unique", "UNIQUE(partner_a_id, partner_b_id)", "This pair is already listed."),
        (
            "pair_ordered",
            "CHECK(partner_a_id < partner_b_id)",
            "A pair holds two different contacts, the older one first.",
        ),
    ]

    def init(self):
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg2.Error as error:
            _logger.warning(
                "pg_trgm is not available (%s): duplicate contacts are found by e-mail and "
                "phone only",
                error,
            )
            return
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON res_partner "
                "USING gin (lower(trim(name)) gin_trgm_ops)",
                SQL.identifier(NAME_INDEX),
            )
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

    def action_merge(self):
        """Odoo's contact merge wizard on the pair: the user picks the contact kept."""
        self.ensure_one()
        partners = (self.partner_a_id | self.partner_b_id).exists()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge Contacts"),
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "res.partner",
                "active_ids": partners.ids,
                "active_id": partners[:1].id,
            },
        }

    def action_dismiss(self):
        self.write({"state": "dismissed"})

    def action_restore(self):
        self.write({"state": "new"})

    def action_refresh(self):
        """The list's header button (called on the selected pairs, whichever they are)."""
        found, trigram = self.browse()._refresh()
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

    # ------------------------------------------------------------ business

    def _eligible(self, alias):
        """Contacts worth comparing: active people and companies, not addresses nor users."""
        return SQL(
            """%(p)s.active AND COALESCE(%(p)s.type, 'contact') = 'contact'
               AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = %(p)s.id)""",
            p=SQL.identifier(alias),
        )

    def _phone_key(self, column):
        digits = SQL("regexp_replace(COALESCE(%s, ''), '\\D', '', 'g')", column)
        return SQL(
            "CASE WHEN length(%(d)s) >= %(min)s THEN right(%(d)s, %(n)s) END",
            d=digits,
            min=PHONE_MIN_DIGITS,
            n=PHONE_DIGITS,
        )

    @api.model
    def _refresh(self):
        """Recompute the pairs to review (dismissed pairs stay). Returns (pairs found,
        whether names were compared)."""
        self.check_access("write")
        self = self.sudo()
        self.env.flush_all()
        cr = self.env.cr
        trigram = has_trigram(cr)
        name_pairs = SQL("SELECT NULL::int AS a, NULL::int AS b, NULL::float AS sim WHERE false")
        if trigram:
            cr.execute(SQL("SET LOCAL pg_trgm.similarity_threshold = %s", NAME_SIMILARITY))
            name_pairs = SQL(
                """SELECT a.id AS a, b.id AS b,
                          similarity(lower(trim(a.name)), lower(trim(b.name))) AS sim
                     FROM res_partner a
                     JOIN res_partner b ON lower(trim(b.name)) %(similar)s lower(trim(a.name))
                                       AND b.id > a.id
                    WHERE %(ea)s AND %(eb)s
                      AND COALESCE(trim(a.name), '') != ''""",
                similar=TRIGRAM_SIMILAR,
                ea=self._eligible("a"),
                eb=self._eligible("b"),
            )
        cr.execute(SQL("DELETE FROM crm_partner_duplicate WHERE state = 'new'"))
        cr.execute(
            SQL(
                """
                WITH phones AS (
                    SELECT p.id, %(phone)s AS num FROM res_partner p WHERE %(ep)s
                     UNION
                    SELECT p.id, %(mobile)s FROM res_partner p WHERE %(ep)s
                ),
                emails AS (
                    SELECT p.id, p.email_normalized AS email
                      FROM res_partner p
                     WHERE %(ep)s AND COALESCE(p.email_normalized, '') != ''
                ),
                names AS (%(names)s),
                pairs AS (
                    SELECT x.id AS a, y.id AS b FROM emails x
                      JOIN emails y ON y.email = x.email AND y.id > x.id
                     UNION
                    SELECT x.id, y.id FROM phones x
                      JOIN phones y ON y.num = x.num AND y.id > x.id
                     WHERE x.num IS NOT NULL
                     UNION
                    SELECT a, b FROM names
                )
                INSERT INTO crm_partner_duplicate
                       (partner_a_id, partner_b_id, same_email, same_phone, name_similarity,
                        score, state, create_uid, create_date, write_uid, write_date)
                SELECT pairs.a, pairs.b, same_email, same_phone, 100 * name_sim,
                       LEAST(100, ROUND(%(w_email)s * same_email::int
                                        + %(w_phone)s * same_phone::int
                                        + %(w_name)s * name_sim)),
                       'new', %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                  FROM pairs
                  JOIN res_partner pa ON pa.id = pairs.a
                  JOIN res_partner pb ON pb.id = pairs.b
                  LEFT JOIN names n ON n.a = pairs.a AND n.b = pairs.b
                 CROSS JOIN LATERAL (
                       SELECT COALESCE(pa.email_normalized, '') != ''
                                  AND pa.email_normalized = pb.email_normalized AS same_email,
                              EXISTS (SELECT 1 FROM phones x JOIN phones y ON y.num = x.num
                                       WHERE x.id = pairs.a AND y.id = pairs.b) AS same_phone,
                              COALESCE(n.sim, 0) AS name_sim
                 ) AS why
                 -- a contact and its own company are not duplicates
                 WHERE pa.parent_id IS DISTINCT FROM pb.id
                   AND pb.parent_id IS DISTINCT FROM pa.id
                ON CONFLICT (partner_a_id, partner_b_id) DO NOTHING
                """,
                phone=self._phone_key(SQL("p.phone")),
                mobile=self._phone_key(SQL("p.mobile")),
                ep=self._eligible("p"),
                names=name_pairs,
                w_email=SCORE_EMAIL,
                w_phone=SCORE_PHONE,
                w_name=SCORE_NAME,
                uid=self.env.uid,
            )
        )
        found = cr.rowcount
        if trigram:
            cr.execute(SQL("RESET pg_trgm.similarity_threshold"))
        self.invalidate_model()
        return found, trigram
