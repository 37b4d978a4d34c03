#!/usr/bin/env python3
"""Strategy cockpit benchmark: the dashboard's pivots against the bare SQL bound.

Builds a scratch database (crm_strategy and the dashboards bridge installed, no demo),
generates customers, confirmed sales orders spread over two years with UTM sources, and
marketing spend in SQL, then in the same run, for each pivot of the managers' "CRM
Strategy" dashboard on the order-based reports (acquisition cost, retention cohorts,
retention and churn):

1. times the pivot read the way the Dashboards app sends it (`read_group` as a sales
   manager: record rules, ORM, the report view);
2. times the bare SQL bound: the report's own SQL (imported from the model, never copied)
   aggregated the same way with nothing around it;
3. checks both give the same totals.

Usage: bench/bench_cockpit.py [--customers 100000] [--orders 1000000]
Sizes also come from BENCH_CUSTOMERS, BENCH_ORDERS.
"""

import argparse
import json
import os
import time

from benchlib import create_db, make_say, open_env, timed

say = make_say("bench_cockpit")
REPORTS = ("crm.acquisition.report", "crm.retention.cohort.report", "crm.retention.report")


def build_data(cr, env, args):
    company = env.company.id
    say(f"generating {args.customers} customers and {args.orders} orders in SQL")
    t0 = time.perf_counter()
    cr.execute(
        """INSERT INTO utm_source (name, create_date, write_date, create_uid, write_uid)
           SELECT 'Bench source ' || g, now(), now(), 1, 1 FROM generate_series(1, 20) g
           RETURNING id"""
    )
    sources = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO res_partner (name, active, type, is_company, autopost_bills, create_date,
                                 write_date, create_uid, write_uid)
        SELECT 'Bench customer ' || g, true, 'contact', true, 'ask', now(), now(), 1, 1
          FROM generate_series(1, %s) g
        RETURNING id
        """,
        [args.customers],
    )
    partners = [row[0] for row in cr.fetchall()]
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [partners])
    cr.execute(
        """
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id, date_order, state, source_id, amount_untaxed,
                                currency_rate, create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH' || g, p.id, p.id, p.id, %(company)s,
               now() at time zone 'UTC' - ((g::bigint * 7919) %% 730) * interval '1 day',
               'sale', (%(sources)s::int[])[1 + g %% 20], (g %% 97) * 10, 1.0,
               now(), now(), 1, 1
          FROM generate_series(1, %(n)s) g,
       LATERAL (SELECT (%(partners)s::int[])[1 + (g::bigint * 31) %% %(npartners)s] AS id) p
        """,
        {
            "company": company,
            "sources": sources,
            "partners": partners,
            "npartners": len(partners),
            "n": args.orders,
        },
    )
    cr.execute(
        """
        INSERT INTO crm_marketing_spend (date, company_id, source_id, amount, create_date,
                                         write_date, create_uid, write_uid)
        SELECT (date_trunc('month', now()) - m * interval '1 month')::date, %s, s, 1000 + s,
               now(), now(), 1, 1
          FROM generate_series(0, 23) m, unnest(%s::int[]) s
        """,
        [company, sources],
    )
    cr.execute("ANALYZE sale_order; ANALYZE res_partner; ANALYZE crm_marketing_spend")
    env.invalidate_all()
    say(f"data generated in {time.perf_counter() - t0:.1f}s")


def pivots(env):
    dashboard = env.ref("crm_strategy_spreadsheet_dashboard.crm_strategy_dashboard")
    for pivot in json.loads(dashboard.spreadsheet_data)["pivots"].values():
        if pivot["model"] in REPORTS:
            yield pivot


def read_pivot(env, pivot, user):
    Model = env[pivot["model"]].with_user(user)
    measures = [
        "__count"
        if m["fieldName"] == "__count"
        else f"{m['fieldName']}:{Model._fields[m['fieldName']].aggregator}"
        for m in pivot["measures"]
    ]
    groupby = [
        f"{g['fieldName']}:{g['granularity']}" if g.get("granularity") else g["fieldName"]
        for g in pivot["rows"] + pivot["columns"]
    ]
    return Model.read_group(pivot["domain"], measures, groupby, lazy=False)


def bare_sql(env, pivot):
    """The report's SQL, grouped like the pivot, with no ORM, rules or joins around it."""
    Model = env[pivot["model"]]
    cr = env.cr
    cr.execute(
        "SELECT pg_get_viewdef(%s::regclass, true)", [Model._table]
    )  # the view the model created in init(): its own SQL
    view_sql = cr.fetchone()[0].rstrip().rstrip(";").replace("%", "%%")
    groups = [g["fieldName"] for g in pivot["rows"] + pivot["columns"]]
    exprs = [
        f"date_trunc('{g['granularity']}', {g['fieldName']})"
        if g.get("granularity")
        else g["fieldName"]
        for g in pivot["rows"] + pivot["columns"]
    ]
    where = " AND ".join(f"{f} {op} %s" for f, op, __ in pivot["domain"]) or "TRUE"
    params = [v for __, __, v in pivot["domain"]]
    query = (
        f"SELECT {', '.join(exprs)}, COUNT(*) FROM ({view_sql}) AS r WHERE {where} "
        f"GROUP BY {', '.join(str(i + 1) for i in range(len(groups)))}"
    )
    cr.execute(query, params)
    return cr.fetchall()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 100000))
    )
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 1000000)))
    parser.add_argument("--db", default="bench_cockpit")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database (and its data) if it exists"
    )
    args = parser.parse_args()
    if not args.keep:
        create_db(args.db, None, say, modules="crm_strategy_spreadsheet_dashboard")
    cr, env = open_env(args.db)
    try:
        cr.execute("SELECT 1 FROM sale_order WHERE name LIKE 'BENCH%%' LIMIT 1")
        if not cr.fetchone():
            build_data(cr, env, args)
            cr.commit()
        manager = env.ref("base.user_admin")
        total_orm = total_sql = 0.0
        for pivot in pivots(env):
            env.invalidate_all()
            orm, groups = timed(
                f"{pivot['name']}: pivot read", lambda p=pivot: read_pivot(env, p, manager)
            )
            sql, rows = timed(f"{pivot['name']}: bare SQL", lambda p=pivot: bare_sql(env, p))
            assert sum(g["__count"] for g in groups) == sum(r[-1] for r in rows), pivot["name"]
            say(f"{pivot['name']}: {len(groups)} groups, ratio {orm / sql:.2f}")
            total_orm += orm
            total_sql += sql
        say(
            f"cockpit (order-based pivots): {total_orm:.2f}s, bare SQL {total_sql:.2f}s, "
            f"ratio {total_orm / total_sql:.2f}"
        )
    finally:
        cr.rollback()
        cr.close()


if __name__ == "__main__":
    main()
