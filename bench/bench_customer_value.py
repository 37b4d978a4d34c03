#!/usr/bin/env python3
"""RFM & CLV benchmark: the full refresh vs the bare-SQL lower bound, in one run.

Builds a scratch database (crm_strategy installed, no demo), generates customers
and confirmed sale orders in SQL, then:

1. times one SQL statement that aggregates the orders per customer, computes the
   R/F/M quintile scores and writes them into a scratch table: the lower bound;
2. times `crm.customer.value._refresh` (aggregation, scores, segments, BG/NBD and
   Gamma-Gamma fits, predictions, segment history, upsert), cold (every row new,
   every customer gets a history row) and warm (rows updated, segments unchanged);
3. checks both give the same R/F/M scores, prints the ratios and the peak memory
   (resident set) of this process, which runs the refresh.

Usage: bench/bench_customer_value.py [--customers 100000] [--orders 1000000]
"""

import argparse
import json
import os
import resource
import subprocess
import time
from datetime import date

from benchlib import create_db, make_say, open_env, timed

say = make_say("bench_customer_value")


AS_OF = date(2026, 6, 30)


def build_data(cr, env, args):
    """Customers buy at their own rate (gamma) and stop at some point (beta): BG/NBD-like."""
    company = env.company
    say(f"generating {args.customers} customers and about {args.orders} confirmed orders in SQL")
    t0 = time.perf_counter()
    cr.execute(
        """
        INSERT INTO res_partner
               (name, active, type, is_company, autopost_bills, create_date, write_date)
        SELECT 'Bench customer ' || g, TRUE, 'contact', TRUE, 'ask', NOW(), NOW()
          FROM generate_series(1, %s) g
        """,
        [args.customers],
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE name LIKE 'Bench customer %%'"
    )
    # Each customer gets a share of the orders skewed like real shops (few buy a lot),
    # spread between their first purchase and the day they stopped buying.
    cr.execute(
        """
        WITH customers AS (
            SELECT id, (-LN(1 - RANDOM() * 0.9999)) AS weight,
                   %(as_of)s::date - (RANDOM() * 1000)::int AS first_day,
                   RANDOM() AS alive_share, 20 + RANDOM() * 180 AS basket
              FROM res_partner WHERE name LIKE 'Bench customer %%'
        ),
        shares AS (
            SELECT c.*, GREATEST(1, ROUND(%(orders)s * weight / SUM(weight) OVER ())::int) AS n
              FROM customers c
        )
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id,
                                currency_id, currency_rate, date_order, state, amount_untaxed,
                                amount_tax, amount_total, create_date, write_date)
        SELECT 'BENCH/' || s.id || '/' || k, s.id, s.id, s.id, %(company)s, %(currency)s, 1.0,
               s.first_day + (CASE WHEN k = 1 THEN 0
                                   ELSE (RANDOM() * (%(as_of)s::date - s.first_day)
                                         * s.alive_share)::int END)
                   + TIME '12:00',
               'sale', ROUND((s.basket * (0.5 + RANDOM()))::numeric, 2), 0,
               ROUND((s.basket * (0.5 + RANDOM()))::numeric, 2), NOW(), NOW()
          FROM shares s, generate_series(1, s.n) k
        """,
        {
            "as_of": AS_OF,
            "orders": args.orders,
            "company": company.id,
            "currency": company.currency_id.id,
        },
    )
    cr.execute("SELECT COUNT(*) FROM sale_order WHERE name LIKE 'BENCH/%%'")
    orders = cr.fetchone()[0]
    cr.execute("ANALYZE sale_order")
    cr.execute("ANALYZE res_partner")
    cr.commit()
    say(f"{orders} orders generated in {time.perf_counter() - t0:.1f}s")
    return orders


BOUND_SQL = """
    DROP TABLE IF EXISTS bench_rfm_bound;
    CREATE TEMP TABLE bench_rfm_bound AS
    WITH days AS (
        SELECT p.commercial_partner_id AS partner_id, o.date_order::date AS day,
               SUM(o.amount_untaxed / o.currency_rate) AS amount
          FROM sale_order o JOIN res_partner p ON p.id = o.partner_id
         WHERE o.company_id = %(company)s AND o.state = 'sale' AND o.date_order < %(end)s
         GROUP BY 1, 2
    ),
    customers AS (
        SELECT partner_id, MAX(day) AS last_day, COUNT(*) AS n_tx, SUM(amount) AS total
          FROM days GROUP BY partner_id
    )
    SELECT partner_id,
           1 + 5 * (RANK() OVER (ORDER BY %(as_of)s::date - last_day DESC) - 1)
               / COUNT(*) OVER () AS r_score,
           1 + 5 * (RANK() OVER (ORDER BY n_tx) - 1) / COUNT(*) OVER () AS f_score,
           1 + 5 * (RANK() OVER (ORDER BY total) - 1) / COUNT(*) OVER () AS m_score
      FROM customers
"""


def bench(cr, env, args):
    company = env.company
    Value = env["crm.customer.value"]

    def bound():
        cr.execute(BOUND_SQL, {"company": company.id, "end": "2026-07-01", "as_of": AS_OF})

    def refresh():
        fit = Value._refresh(company, AS_OF)
        env.flush_all()
        return fit

    results = {}
    for run in range(args.rounds):
        t_bound, _ = timed(f"round {run + 1}: lower bound (one SQL statement)", bound)
        label = "cold" if run == 0 else "warm"
        t_ours, fit = timed(f"round {run + 1}: full refresh ({label})", refresh)
        cr.commit()
        results.setdefault(label, []).append((t_ours, t_bound))
        if run == 0:
            results["fit"] = {
                "customers": fit.customer_count,
                "repeat_buyers": fit.repeat_buyer_count,
                "bgnbd_converged": fit.bgnbd_converged,
                "gamma_gamma_converged": fit.gamma_gamma_converged,
                "r": fit.r,
                "alpha": fit.alpha,
                "a": fit.a,
                "b": fit.b,
            }
    cr.execute(
        """
        SELECT COUNT(*) FROM bench_rfm_bound b
          JOIN crm_customer_value v ON v.partner_id = b.partner_id AND v.company_id = %s
         WHERE (v.r_score, v.f_score, v.m_score) <> (b.r_score, b.f_score, b.m_score)
        """,
        [company.id],
    )
    mismatches = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM crm_customer_segment_history")
    history = cr.fetchone()[0]
    summary = {"score_mismatches": mismatches, "history_rows": history, "fit": results["fit"]}
    for label in ("cold", "warm"):
        if label in results:
            ours = min(t for t, _b in results[label])
            bound_time = min(b for _t, b in results[label])
            summary[label] = {
                "ours_s": round(ours, 2),
                "bound_s": round(bound_time, 2),
                "ratio": round(ours / bound_time, 2),
            }
    summary["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="1 cold run, then warm runs")
    parser.add_argument("--db", default="bench_customer_value")
    parser.add_argument("--template", default=os.environ.get("BENCH_TEMPLATE"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept by --keep")
    args = parser.parse_args()

    if not args.reuse:
        create_db(args.db, args.template, say)
    cr, env = open_env(args.db)
    try:
        if args.reuse:
            cr.execute("DELETE FROM crm_customer_value; DELETE FROM crm_customer_segment_history")
            cr.execute("SELECT COUNT(*) FROM sale_order WHERE name LIKE 'BENCH/%%'")
            orders = cr.fetchone()[0]
            cr.commit()
        else:
            orders = build_data(cr, env, args)
        results = {"customers": args.customers, "orders": orders, **bench(cr, env, args)}
    finally:
        cr.close()
        import odoo  # noqa: PLC0415

        odoo.sql_db.close_db(args.db)
    print(json.dumps(results, indent=2))
    if not args.keep:
        subprocess.run(["dropdb", "--if-exists", args.db], check=False)


if __name__ == "__main__":
    main()
