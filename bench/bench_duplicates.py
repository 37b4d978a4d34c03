#!/usr/bin/env python3
"""Cost of finding duplicate leads (`crm.lead.duplicate`), whole and per nightly batch.

Builds a scratch database with crm_strategy and leads generated in SQL: unique contact and
company names, with 1 lead in 20 sharing its e-mail with the previous one, 1 in 25 its phone
(written another way), 1 in 30 its company name (another case and suffix). Then times, in the
same run:
- ours: `crm.lead.duplicate._refresh()` over every lead (what a manager's Find Duplicates
  does for one company), and the nightly `_cron_refresh()` batch by batch;
- the bare SQL bound: the same three self-joins (e-mail, phone key, trigram names) built from
  the model's own expressions and constants, counting the pairs, without writing them.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import close_env, create_db, finish, make_say, open_env, timed

say = make_say("duplicates")


SYLLABLES = [
    "an", "bel", "cor", "dan", "el", "fur", "gal", "hol", "ist", "jor", "kel", "lin", "mar",
    "nor", "ost", "pel", "quin", "ros", "sal", "tor", "ul", "ven", "wil", "xan", "yor", "zel",
    "bra", "cre", "dro", "fle", "gri", "plu", "sta", "tre", "vin", "wes", "ber", "cas", "dil",
]  # fmt: skip


def build_data(cr, env, args):
    """Names made of three syllables (about 60,000 combinations, the letter mix of real
    names), so that pairs come from the planted duplicates, not from a tiny alphabet."""
    cr.execute("DELETE FROM crm_lead")
    cr.execute("SELECT id FROM crm_stage ORDER BY sequence LIMIT 1")
    stage_id = cr.fetchone()[0]
    cr.execute(
        """
        WITH g AS (
            SELECT i, CASE WHEN i %% 30 = 0 THEN i - 1 ELSE i END AS k,
                   CASE WHEN i %% 20 = 0 THEN 'lead' || (i - 1)
                        ELSE 'lead' || i END || '@example.com' AS e
              FROM generate_series(1, %(n)s) i
        ), named AS (
            SELECT g.*, initcap(s[1 + h %% n] || s[1 + (h / n) %% n] || s[1 + (h / (n * n)) %% n])
                            AS word,
                        initcap(s[1 + (i * 13) %% n] || s[1 + (i * 7) %% n]) AS first
              FROM g, (SELECT %(syllables)s::text[] AS s, %(count)s AS n) syl,
                   LATERAL (SELECT (k * 7919) %% (n * n * n) AS h) hashed
        )
        INSERT INTO crm_lead (name, type, active, stage_id, company_id, probability,
                              lifecycle_stage, lifecycle_stage_max,
                              email_from, email_normalized, phone, contact_name, partner_name,
                              create_date, write_date)
        SELECT 'Lead ' || i, 'opportunity', true, %(stage)s, %(company)s, 10,
               'opportunity', 'opportunity', e, e,
               CASE WHEN i %% 25 = 0 THEN '0475/' || lpad(((i - 1) %% 1000000)::text, 6, '0')
                    ELSE '+32 475 ' || lpad((i %% 1000000)::text, 6, '0') END,
               first || ' ' || word || ' ' || i,
               CASE WHEN i %% 30 = 0 THEN upper(word) || ' Ltd' ELSE word END,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM named
        """,
        {
            "stage": stage_id,
            "company": env.company.id,
            "n": args.leads,
            "syllables": SYLLABLES,
            "count": len(SYLLABLES),
        },
    )
    env.invalidate_all()
    cr.execute("ANALYZE crm_lead")


def bound(env):
    """The matching alone: the model's eligibility, phone key and name expressions."""
    from odoo.addons.crm_strategy.models.crm_duplicate_mixin import (  # noqa: PLC0415
        NAME_SIMILARITY,
        TRIGRAM_SIMILAR,
    )
    from odoo.tools import SQL  # noqa: PLC0415

    Pairs = env["crm.lead.duplicate"]
    env.cr.execute(SQL("SET LOCAL pg_trgm.similarity_threshold = %s", NAME_SIMILARITY))
    names = SQL(" UNION ").join(
        SQL(
            "SELECT x.id, y.id FROM crm_lead x JOIN crm_lead y ON %s %s %s AND y.id > x.id "
            "WHERE %s AND %s",
            ny,
            TRIGRAM_SIMILAR,
            nx,
            Pairs._duplicate_eligible("x"),
            Pairs._duplicate_eligible("y"),
        )
        for nx, ny in zip(Pairs._duplicate_names("x"), Pairs._duplicate_names("y"), strict=True)
    )
    rows = env.execute_query(
        SQL(
            """
            WITH phones AS (SELECT p.id, %(phone)s AS num FROM crm_lead p WHERE %(e)s
                             UNION SELECT p.id, %(mobile)s FROM crm_lead p WHERE %(e)s)
            SELECT count(*) FROM (
                SELECT x.id, y.id FROM crm_lead x JOIN crm_lead y
                    ON y.email_normalized = x.email_normalized AND y.id > x.id
                 WHERE %(ex)s AND %(ey)s
                UNION
                SELECT x.id, y.id FROM phones x JOIN phones y ON y.num = x.num AND y.id > x.id
                UNION
                %(names)s
            ) pairs
            """,
            phone=Pairs._phone_key(SQL("p.phone")),
            mobile=Pairs._phone_key(SQL("p.mobile")),
            e=Pairs._duplicate_eligible("p"),
            ex=Pairs._duplicate_eligible("x"),
            ey=Pairs._duplicate_eligible("y"),
            names=names,
        )
    )
    return rows[0][0]


def cron(env):
    calls = 0
    params = env["ir.config_parameter"].sudo()
    key = "crm_strategy.crm_lead_duplicate_cron_next_id"
    params.set_param(key, 0)
    while True:
        env["crm.lead.duplicate"]._cron_refresh()
        calls += 1
        if params.get_param(key) == "0":
            return calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--db", default="bench_duplicates")
    parser.add_argument("--template", default=os.environ.get("BENCH_TEMPLATE"))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="use --db as it is (installed)")
    args = parser.parse_args()
    if not args.reuse:
        create_db(args.db, args.template, say, modules="crm_strategy")
    cr, env = open_env(args.db)
    try:
        build_data(cr, env, args)
        cr.commit()
        cr.execute("SAVEPOINT bench")
        bound_s, bound_pairs = timed("bare SQL bound (count the pairs)", lambda: bound(env))
        cr.execute("ROLLBACK TO SAVEPOINT bench")
        ours_s, (found, trigram) = timed(
            "ours (_refresh, every lead)", lambda: env["crm.lead.duplicate"]._refresh()
        )
        assert trigram and found == bound_pairs, (found, bound_pairs)
        cr.execute("DELETE FROM crm_lead_duplicate")
        cron_s, calls = timed("ours (nightly cron, batch by batch)", lambda: cron(env))
        cr.execute("SELECT count(*) FROM crm_lead_duplicate")
        cron_pairs = cr.fetchone()[0]
        results = {
            "leads": args.leads,
            "pairs": found,
            "cron_pairs": cron_pairs,
            "cron_calls": calls,
            "ours_s": round(ours_s, 3),
            "cron_s": round(cron_s, 3),
            "bound_s": round(bound_s, 3),
            "ratio": round(ours_s / bound_s, 2),
        }
        cr.rollback()
    finally:
        close_env(cr, args.db)
    finish(results, args.db, keep=args.keep)


if __name__ == "__main__":
    main()
