#!/usr/bin/env python3
"""Loyalty ledger benchmark: card balance, statement page, expiry run vs the bare-SQL bound.

Builds a scratch database (crm_strategy installed, no demo), generates cards and ledger
entries in SQL (earn and redeem alternating over two years, earned points valid 365 days,
balance after each entry), then in the same run:

1. reads the balance of random cards through the ORM (cold cache each time) and the sum of
   their posted entries, and checks both agree;
2. builds one statement page (opening balance, 50 entries, closing balance) of random cards
   with `loyalty.card._crm_statement`;
3. times the expiry run over every card (`crm.loyalty.ledger._expire_points`) and one
   hand-written SQL statement doing the same work (FIFO unconsumed part of every due lot,
   expiry rows inserted, card points updated): the lower bound; checks both expire the same
   points, prints the ratio.

Usage: bench/bench_loyalty.py [--cards 100000] [--entries 10000000] [--template DB]
Sizes are arguments (or LOYALTY_BENCH_CARDS / LOYALTY_BENCH_ENTRIES): run a smaller size on a
small machine and say so in docs/benchmarks.md.
"""

import argparse
import os
import random
import statistics
import subprocess
import time

from benchlib import close_env, create_db, finish, make_say, open_env

say = make_say("bench_loyalty")


def build_data(cr, env, args):
    program = env["loyalty.program"].create(
        {
            "name": "Bench Club",
            "program_type": "loyalty",
            "trigger": "auto",
            "crm_points_validity_days": 365,
        }
    )
    company = program.company_id.id
    per_card = max(2, args.entries // args.cards)
    say(f"generating {args.cards} cards and {args.cards * per_card} entries in SQL")
    t0 = time.perf_counter()
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, active, type, is_company, autopost_bills,
                                 create_date, write_date, create_uid, write_uid)
        SELECT 'Member ' || g, 'Member ' || g, true, 'contact', false, 'ask',
               now(), now(), 1, 1
          FROM generate_series(1, %(n)s) g
        RETURNING id
        """,
        {"n": args.cards},
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO loyalty_card (program_id, company_id, partner_id, code, points, active,
                                  create_date, write_date, create_uid, write_uid)
        SELECT %(program)s, %(company)s, p, 'BENCH-' || p, 0, true, now(), now(), 1, 1
          FROM unnest(%(partners)s::int[]) p
        """,
        {"program": program.id, "company": company, "partners": partner_ids},
    )
    cr.execute("SELECT min(id), max(id) FROM loyalty_card WHERE program_id = %s", [program.id])
    lo, hi = cr.fetchone()
    # bulk load: no index maintenance nor foreign-key triggers row by row (rebuilt after)
    cr.execute(
        """SELECT indexname, indexdef FROM pg_indexes
            WHERE tablename = 'crm_loyalty_ledger' AND indexname NOT LIKE '%%pkey'"""
    )
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute(f'DROP INDEX "{name}"')
    cr.execute("SET session_replication_role = replica")
    chunk = max(1, 2_000_000 // per_card)
    for start in range(lo, hi + 1, chunk):
        # odd entries earn 10-30 points, even ones redeem 8: the balance never goes negative
        cr.execute(
            """
            INSERT INTO crm_loyalty_ledger (
                card_id, program_id, partner_id, company_id, entry_type, points, balance_after,
                state, date, date_posted, expiry_date, reason, user_id,
                create_uid, create_date, write_uid, write_date)
            SELECT c.id, c.program_id, c.partner_id, c.company_id, x.entry_type, x.points,
                   SUM(x.points) OVER (PARTITION BY c.id ORDER BY k), 'posted', x.d, x.d,
                   CASE WHEN x.entry_type = 'earn' THEN (x.d + interval '365 days')::date END,
                   'bench', 1, 1, now(), 1, now()
              FROM loyalty_card c
        CROSS JOIN generate_series(1, %(per_card)s) k
        CROSS JOIN LATERAL (
                SELECT CASE WHEN k %% 2 = 1 THEN 'earn' ELSE 'redeem' END AS entry_type,
                       CASE WHEN k %% 2 = 1 THEN 10 + ((k * 7 + c.id) %% 5) * 5 ELSE -8 END
                           AS points,
                       now() - interval '730 days'
                           + (k * 730.0 / %(per_card)s) * interval '1 day'
                           + (c.id %% 24) * interval '1 hour' AS d
               ) x
             WHERE c.id >= %(start)s AND c.id < %(stop)s
          ORDER BY c.id, k
            """,
            {"per_card": per_card, "start": start, "stop": start + chunk},
        )
    cr.execute("SET session_replication_role = DEFAULT")
    for _name, definition in indexes:
        cr.execute(definition)
    cr.execute(
        """
        UPDATE loyalty_card c SET points = s.total
          FROM (SELECT card_id, SUM(points) AS total FROM crm_loyalty_ledger GROUP BY card_id) s
         WHERE c.id = s.card_id
        """
    )
    cr.execute("ANALYZE loyalty_card; ANALYZE crm_loyalty_ledger")
    cr.commit()
    cr.execute("SELECT count(*) FROM crm_loyalty_ledger")
    entries = cr.fetchone()[0]
    elapsed = time.perf_counter() - t0
    say(f"data generated in {elapsed:.1f}s ({entries} entries)")
    env.invalidate_all()
    return program, list(range(lo, hi + 1)), entries, elapsed


def percentiles(samples):
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples) * 1000, 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 2),
        "max_ms": round(samples[-1] * 1000, 2),
    }


def bench_reads(cr, env, card_ids, args):
    from odoo import fields  # noqa: PLC0415

    rng = random.Random(42)
    sample = rng.sample(card_ids, min(args.samples, len(card_ids)))
    Card = env["loyalty.card"]
    balance_times, sum_times, statement_times = [], [], []
    mismatches = 0
    today = fields.Date.today()
    date_from = fields.Date.subtract(today, days=90)
    for card_id in sample:
        env.invalidate_all()
        t0 = time.perf_counter()
        points = Card.browse(card_id).points
        balance_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cr.execute(
            "SELECT COALESCE(SUM(points), 0) FROM crm_loyalty_ledger "
            "WHERE card_id = %s AND state = 'posted'",
            [card_id],
        )
        total = cr.fetchone()[0]
        sum_times.append(time.perf_counter() - t0)
        mismatches += abs(float(total) - points) > 0.005
        env.invalidate_all()
        t0 = time.perf_counter()
        statement = Card.browse(card_id)._crm_statement(date_from, today, limit=50)
        statement["entries"].mapped("balance_after")  # the page's rows are read
        statement_times.append(time.perf_counter() - t0)
    result = {
        "cards_sampled": len(sample),
        "balance_orm": percentiles(balance_times),
        "balance_ledger_sum": percentiles(sum_times),
        "statement_page": percentiles(statement_times),
        "balance_mismatches": mismatches,
    }
    say(f"balance (ORM read): {result['balance_orm']}")
    say(f"balance (sum of the card's entries): {result['balance_ledger_sum']}")
    say(f"statement page (50 entries): {result['statement_page']}")
    return result


BOUND_SQL = """
WITH net AS (
    SELECT COALESCE(origin_entry_id, id) AS root_id, card_id, SUM(points) AS net
      FROM crm_loyalty_ledger WHERE state = 'posted' GROUP BY 1, 2
), debits AS (
    SELECT card_id, -SUM(net) AS total FROM net WHERE net < 0 GROUP BY card_id
), lots AS (
    SELECT n.root_id, n.card_id, n.net, r.expiry_date,
           SUM(n.net) OVER (PARTITION BY n.card_id ORDER BY r.date, r.id) AS cum
      FROM net n JOIN crm_loyalty_ledger r ON r.id = n.root_id WHERE n.net > 0
), due AS (
    SELECT l.root_id, l.card_id,
           LEAST(l.net, GREATEST(0, l.cum - COALESCE(d.total, 0))) AS unconsumed
      FROM lots l LEFT JOIN debits d ON d.card_id = l.card_id
     WHERE l.expiry_date <= %(today)s
       AND LEAST(l.net, GREATEST(0, l.cum - COALESCE(d.total, 0))) > 0
), ins AS (
    INSERT INTO crm_loyalty_ledger (
        card_id, program_id, partner_id, company_id, entry_type, points, balance_after, state,
        date, date_posted, reason, user_id, origin_entry_id,
        create_uid, create_date, write_uid, write_date)
    SELECT d.card_id, c.program_id, c.partner_id, c.company_id, 'expire', -d.unconsumed,
           c.points - SUM(d.unconsumed) OVER (PARTITION BY d.card_id ORDER BY d.root_id),
           'posted', now(), now(), 'Points expired', 1, d.root_id, 1, now(), 1, now()
      FROM due d JOIN loyalty_card c ON c.id = d.card_id
 RETURNING card_id, points
), upd AS (
    UPDATE loyalty_card c SET points = c.points + t.total
      FROM (SELECT card_id, SUM(points) AS total FROM ins GROUP BY card_id) t
     WHERE c.id = t.card_id
)
SELECT COUNT(*), COALESCE(SUM(points), 0) FROM ins
"""

EXPIRED_SQL = """
SELECT COUNT(*), COALESCE(SUM(points), 0) FROM crm_loyalty_ledger WHERE entry_type = 'expire'
"""


def bench_expiry(cr, env, program, args):
    from odoo import fields  # noqa: PLC0415

    Ledger = env["crm.loyalty.ledger"]
    today = fields.Date.today()
    runs = {"ours": [], "bound": []}
    totals = {}
    for round_ in range(args.rounds):
        for name in ("bound", "ours") if round_ % 2 == 0 else ("ours", "bound"):
            env.invalidate_all()
            t0 = time.perf_counter()
            if name == "ours":
                Ledger._expire_points(today=today)
                env.flush_all()
            else:
                cr.execute(BOUND_SQL, {"today": today, "program": program.id})
            elapsed = time.perf_counter() - t0
            cr.execute(EXPIRED_SQL)
            totals[name] = tuple(float(v) for v in cr.fetchone())
            cr.rollback()
            env.invalidate_all()
            # the rolled-back rows must not slow the next run down
            subprocess.run(
                [
                    "psql",
                    "-q",
                    "-d",
                    args.db,
                    "-c",
                    "VACUUM ANALYZE crm_loyalty_ledger, loyalty_card",
                ],
                check=True,
            )
            runs[name].append(elapsed)
            say(f"expiry run, {name}: {elapsed:.2f}s -> {totals[name]} (count, points)")
    ours, bound = min(runs["ours"]), min(runs["bound"])
    return {
        "expiry_ours_s": round(ours, 2),
        "expiry_bound_s": round(bound, 2),
        "expiry_ratio": round(ours / bound, 2),
        "expiry_runs": {k: [round(v, 2) for v in vs] for k, vs in runs.items()},
        "expired_entries": totals["ours"][0],
        "expired_points": totals["ours"][1],
        "same_expiry": totals["ours"] == totals["bound"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cards", type=int, default=int(os.environ.get("LOYALTY_BENCH_CARDS", 100_000))
    )
    parser.add_argument(
        "--entries", type=int, default=int(os.environ.get("LOYALTY_BENCH_ENTRIES", 10_000_000))
    )
    parser.add_argument("--samples", type=int, default=200, help="cards timed for reads")
    parser.add_argument("--rounds", type=int, default=2, help="expiry runs of each side")
    parser.add_argument("--db", default="bench_loyalty")
    parser.add_argument(
        "--template",
        default=os.environ.get("BENCH_TEMPLATE"),
        help="database to copy instead of an empty one (sale_loyalty installed)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    create_db(args.db, args.template, say)
    cr, env = open_env(args.db, {"tracking_disable": True})
    try:
        program, card_ids, entries, generated_s = build_data(cr, env, args)
        results = {
            "cards": len(card_ids),
            "entries": entries,
            "generation_s": round(generated_s, 1),
            **bench_reads(cr, env, card_ids, args),
            **bench_expiry(cr, env, program, args),
        }
    finally:
        close_env(cr, args.db)
    finish(results, args.db, keep=args.keep)


if __name__ == "__main__":
    main()
