#!/usr/bin/env python3
"""Strategy cockpit benchmark: opening the dashboards against the bare SQL bound.

Builds a scratch database (crm_strategy and the dashboards bridge installed, no demo),
generates customers (one in ten a salesperson's), confirmed sales orders spread over two
years with UTM sources, and marketing spend in SQL, then in the same run:

1. times the stored refresh of the per customer-month facts (`crm.customer.month`): the
   nightly full rebuild, then an incremental one after 1,000 orders were cancelled;
2. for each pivot of the managers' "CRM Strategy" dashboard (as the administrator) and of
   "My CRM Strategy" (as the salesperson), times the pivot read the way the Dashboards app
   sends it (`read_group`: record rules, ORM, the report view), and for the order-based
   reports (acquisition cost, the cohort totals behind retention cohorts and churn) the
   bare SQL bound: the report's own view (read from the database, never copied) or stored
   table aggregated the same way with nothing around it, checking both count the same rows.

3. the loyalty refreshes (`crm.loyalty.month` and the per-card totals it rewrites) over a
   bulk-loaded ledger, and the loyalty pivot read from the entries (before);
4. each dashboard opened in headless Chromium from an Odoo server with 2 workers (as the
   administrator, then as the salesperson), timed until every pivot shows its figures: a new
   page with the browser's caches empty, then full, then from inside the running web client.

The full refreshes (and the RFM & CLV refresh) are committed, so that the dashboards read
them; the incremental ones are measured in a savepoint and rolled back.

Usage: bench/bench_cockpit.py [--customers 100000] [--orders 1000000] [--template DB] [--keep]
                              [--browser-port 8399 | 0]
Sizes also come from BENCH_CUSTOMERS, BENCH_ORDERS.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

from benchlib import (
    REPO,
    bulk_load_begin,
    bulk_load_end,
    close_env,
    create_db,
    finish,
    make_say,
    odoo_cmd,
    open_env,
    timed,
)

say = make_say("bench_cockpit")
REPORTS = (
    "crm.acquisition.report",
    "crm.customer.cohort",
    "crm.retention.cohort.report",
    "crm.retention.report",
    "crm.loyalty.economics.month.report",
    "crm.loyalty.economics.card.report",
)
# bulk loads skip every trigger of the session: the ledger's (immutability guard, hash
# chain) and the foreign-key checks, queued per row until the end of the statement
BULK, NORMAL = "SET session_replication_role = replica", "SET session_replication_role = DEFAULT"


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
        "UPDATE res_partner SET user_id = %s WHERE id = ANY(%s) AND id %% 10 = 0",
        [rep_user(env).id, partners],
    )
    cr.execute(
        """
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id, date_order, state, source_id, amount_untaxed,
                                currency_rate, create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH' || g, p.id, p.id, p.id, %(company)s,
               now() at time zone 'UTC' - ((g::bigint * 7919) %% 730) * interval '1 day',
               'sale', (%(sources)s::int[])[1 + g %% 20], (g %% 97) * 10, 1.0,
               -- written before the last refresh: the incremental one reads what changed
               now() - interval '1 day', now() - interval '1 day', 1, 1
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


def build_ledger(cr, env, args):
    """A card per customer (three tiers) and `args.entries` posted entries, bulk-loaded:
    no trigger runs during the load (`bulk_load_begin`: the ledger's guard and hash chain, the
    foreign-key checks of rows built from existing ids) and the ledger's secondary
    indexes are rebuilt after it, so the chain columns stay empty."""
    say(f"generating a loyalty card per customer and {args.entries} ledger entries in SQL")
    t0 = time.perf_counter()
    program = env["loyalty.program"].create(
        {"name": "Bench loyalty", "program_type": "loyalty", "crm_point_value": 0.01}
    )
    tiers = env["crm.loyalty.tier"].create(
        [
            {"name": name, "program_id": program.id, "min_points": points}
            for name, points in (("Bronze", 0), ("Silver", 500), ("Gold", 2000))
        ]
    )
    env.flush_all()
    cr.execute(
        """
        INSERT INTO loyalty_card (program_id, company_id, partner_id, code, points, crm_tier_id,
                                  create_date, write_date, create_uid, write_uid)
        SELECT %s, %s, id, 'BENCH-' || id, 0, (%s::int[])[1 + id %% 3], now(), now(), 1, 1
          FROM res_partner WHERE name LIKE 'Bench customer %%'
        RETURNING id
        """,
        [program.id, env.company.id, tiers.ids],
    )
    cards = [row[0] for row in cr.fetchall()]
    indexes = bulk_load_begin(cr, ["crm_loyalty_ledger"])
    cr.execute(
        """
        INSERT INTO crm_loyalty_ledger (card_id, program_id, partner_id, company_id, entry_type,
                                        points, state, date, date_posted, reason, user_id,
                                        create_uid, create_date, write_uid, write_date)
        SELECT c.id, %(program)s, c.partner_id, %(company)s, k.entry_type, k.points, 'posted',
               d.date, d.date, 'bench', 1, 1, d.date, 1, d.date
          FROM generate_series(1, %(n)s) g
          JOIN loyalty_card c ON c.id = (%(cards)s::int[])[1 + (g::bigint * 31) %% %(ncards)s]
          CROSS JOIN LATERAL (
                SELECT CASE WHEN g %% 20 = 0 THEN 'expire' WHEN g %% 20 = 1 THEN 'adjust'
                            WHEN g %% 20 < 6 THEN 'redeem' ELSE 'earn' END AS entry_type,
                       CASE WHEN g %% 20 = 0 THEN -2 WHEN g %% 20 = 1 THEN 1
                            WHEN g %% 20 < 6 THEN -5 ELSE 10 END AS points
          ) k
          CROSS JOIN LATERAL (
                -- posted before the last refresh: the incremental one reads what is new
                SELECT now() at time zone 'UTC'
                       - (1 + (g::bigint * 7919) %% 730) * interval '1 day' AS date
          ) d
        """,
        {
            "program": program.id,
            "company": env.company.id,
            "cards": cards,
            "ncards": len(cards),
            "n": args.entries,
        },
    )
    # one earning in a thousand reversed (a cancelled order)
    cr.execute(
        """
        INSERT INTO crm_loyalty_ledger (card_id, program_id, partner_id, company_id, entry_type,
                                        points, state, date, date_posted, reason, user_id,
                                        origin_entry_id, create_uid, create_date, write_uid,
                                        write_date)
        SELECT card_id, program_id, partner_id, company_id, 'reversal', -points, 'posted',
               date + interval '1 day', date + interval '1 day', 'bench', 1, id, 1, date, 1, date
          FROM crm_loyalty_ledger WHERE entry_type = 'earn' AND id % 1000 = 0
        """
    )
    say(f"ledger loaded in {time.perf_counter() - t0:.1f}s")
    bulk_load_end(cr, indexes)
    cr.execute(
        """UPDATE loyalty_card c SET points = t.points
             FROM (SELECT card_id, SUM(points) AS points FROM crm_loyalty_ledger
                    GROUP BY card_id) t
            WHERE t.card_id = c.id"""
    )
    cr.execute("ANALYZE crm_loyalty_ledger; ANALYZE loyalty_card")
    env.invalidate_all()
    say(f"ledger generated in {time.perf_counter() - t0:.1f}s")


def rep_user(env):
    user = env["res.users"].search([("login", "=", "bench_cockpit_rep")])
    return user or env["res.users"].create(
        {
            "name": "Bench rep",
            "login": "bench_cockpit_rep",
            "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
        }
    )


def pivots(env, xmlid):
    dashboard = env.ref(f"crm_strategy_spreadsheet_dashboard.{xmlid}")
    return json.loads(dashboard.spreadsheet_data)["pivots"].values()


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
    cr.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [Model._table])
    if cr.fetchone()[0] == "v":
        # the view the model created in init(): its own SQL
        cr.execute("SELECT pg_get_viewdef(%s::regclass, true)", [Model._table])
        view_sql = cr.fetchone()[0].rstrip().rstrip(";").replace("%", "%%")
    else:  # a stored table (the refresh's totals)
        view_sql = f"SELECT * FROM {Model._table}"
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


def refresh_loyalty(env):
    """The first (full) refresh, committed; then an incremental one after 1,000 new entries,
    rolled back (the dashboards read the committed figures)."""
    Facts = env["crm.loyalty.month"]
    full, rows = timed("loyalty refresh: full", lambda: Facts._refresh(full=True))
    env.cr.commit()
    env.cr.execute("SAVEPOINT bench_incremental")
    env.cr.execute(BULK)
    env.cr.execute(
        """INSERT INTO crm_loyalty_ledger (card_id, program_id, partner_id, company_id,
                                           entry_type, points, state, date, date_posted)
           SELECT card_id, program_id, partner_id, company_id, 'earn', 3, 'posted',
                  now() at time zone 'UTC', now() at time zone 'UTC'
             FROM crm_loyalty_ledger WHERE reason = 'bench' ORDER BY id DESC LIMIT 1000"""
    )
    env.cr.execute(NORMAL)
    incremental, touched = timed(
        "loyalty refresh: incremental (1,000 new entries)", lambda: Facts._refresh()
    )
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_incremental")
    env.invalidate_all()
    env.cr.execute("ANALYZE crm_loyalty_month; ANALYZE crm_loyalty_card_total")
    env.cr.commit()
    return {"full_s": full, "rows": rows, "incremental_s": incremental, "incremental_rows": touched}


def refresh(env):
    """The nightly full rebuild, committed; then an incremental refresh after 1,000
    cancellations, rolled back; then the RFM & CLV refresh the RFM section reads."""
    Facts = env["crm.customer.month"]
    full, rows = timed("refresh: full rebuild", lambda: Facts._refresh(env.company, full=True))
    env.cr.commit()
    env.cr.execute("SAVEPOINT bench_incremental")
    env.cr.execute(
        """UPDATE sale_order SET state = 'cancel', write_date = now() at time zone 'UTC'
            WHERE id IN (SELECT id FROM sale_order WHERE name LIKE 'BENCH%%'
                          ORDER BY id LIMIT 1000)"""
    )
    env.cr.execute("ANALYZE crm_customer_month")
    incremental, touched = timed(
        "refresh: incremental (1,000 orders cancelled)", lambda: Facts._refresh(env.company)
    )
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_incremental")
    env.invalidate_all()
    say(f"refresh: {rows} rows in {full:.2f}s; incremental {touched} rows in {incremental:.2f}s")
    values, __ = timed("RFM & CLV refresh", lambda: env["crm.customer.value"]._refresh(env.company))
    env.cr.execute("ANALYZE crm_customer_month; ANALYZE crm_customer_cohort")
    env.cr.commit()
    return {
        "full_s": full,
        "rows": rows,
        "incremental_s": incremental,
        "incremental_rows": touched,
        "customer_value_s": values,
    }


def open_dashboard(env, xmlid, user, bound):
    """Every pivot of the dashboard as `user`; the bare SQL bound of the order-based ones."""
    results = []
    for pivot in pivots(env, xmlid):
        env.invalidate_all()
        orm, groups = timed(
            f"{xmlid} {pivot['name']}: pivot read", lambda p=pivot: read_pivot(env, p, user)
        )
        row = {"pivot": pivot["name"], "groups": len(groups), "read_s": orm}
        if bound and pivot["model"] in REPORTS:
            sql, rows = timed(f"{pivot['name']}: bare SQL", lambda p=pivot: bare_sql(env, p))
            assert sum(g["__count"] for g in groups) == sum(r[-1] for r in rows), pivot["name"]
            row["bare_sql_s"] = sql
        results.append(row)
    total = sum(r["read_s"] for r in results)
    say(f"{xmlid} as {user.login}: {total:.2f}s")
    return {"pivots": results, "total_s": total}


# In the page: true once the dashboard on screen shows numbers and no pivot is still loading.
DASHBOARD_LOADED = """(() => {
    const nodes = [odoo.__WOWL_DEBUG__?.root?.__owl__].filter(Boolean);
    while (nodes.length) {
        const node = nodes.pop();
        const model = node.component.state?.activeDashboard?.model;
        if (model) {
            const sheet = model.getters.getActiveSheetId();
            const cells = model.getters.getEvaluatedCellsInZone(sheet, {left: 0, top: 0,
                right: model.getters.getNumberCols(sheet) - 1,
                bottom: model.getters.getNumberRows(sheet) - 1});
            return !cells.some((c) => c.type === "error" && String(c.value).startsWith("Loading"))
                && cells.some((c) => typeof c.value === "number");
        }
        nodes.push(...Object.values(node.children));
    }
    return false;
})()"""


# In the page: open the Dashboards app on a dashboard, the way its menu does.
DO_ACTION = """odoo.__WOWL_DEBUG__.root.env.services.action.doAction(
    "spreadsheet_dashboard.ir_actions_dashboard_action",
    {additionalContext: {params: {dashboard_id: %s}}, clearBreadcrumbs: true}) && true"""


def open_in_browser(env, db, port):
    """Each dashboard opened in Chromium from a server with 2 workers, timed until every
    pivot shows its figures: once with the browser's caches empty (a new page: Odoo's assets
    downloaded), three times as a new page with them cached (the web client starts, then
    the dashboard), three times from inside the running web client (what a user does:
    Dashboards in the menu)."""
    sys.path.insert(0, str(REPO / "tools"))
    from screenshot import Browser, login  # noqa: PLC0415

    rep = rep_user(env)
    rep.password = "bench"
    env.cr.commit()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        odoo_cmd(
            db, f"--http-port={port}", "--workers=2", "--log-level=warn", f"--db-filter=^{db}$"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = {}
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/web/login", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        for xmlid, user, password in (
            ("crm_strategy_dashboard", "admin", "admin"),
            ("crm_strategy_my_dashboard", rep.login, "bench"),
        ):
            dashboard = env.ref(f"crm_strategy_spreadsheet_dashboard.{xmlid}")
            url = (
                f"{base}/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action"
                f"?dashboard_id={dashboard.id}"
            )
            open_in_app = DO_ACTION % json.dumps(dashboard.id)
            browser = Browser(port + 1000)
            try:
                login(browser, base, user, password)
                times = {"empty_cache_s": [], "reload_s": [], "in_app_s": []}
                for kind in ["empty_cache_s"] + ["reload_s"] * 3 + ["in_app_s"] * 3:
                    browser.call("Page.navigate", url="about:blank")
                    if kind == "in_app_s":  # the web client is up (Discuss), then the menu
                        browser.call("Page.navigate", url=f"{base}/odoo")
                        browser.settle("!!document.querySelector('.o_main_navbar')")
                    t0 = time.perf_counter()
                    if kind == "in_app_s":
                        browser.js(open_in_app)
                    else:
                        browser.call("Page.navigate", url=url)
                    while not browser.js(DASHBOARD_LOADED):
                        if time.perf_counter() - t0 > 120:
                            raise SystemExit(f"{xmlid} did not load in 120 s")
                        time.sleep(0.02)
                    times[kind].append(time.perf_counter() - t0)
                    say(f"{xmlid} as {user} in the browser ({kind}): {times[kind][-1]:.2f}s")
                results[xmlid] = {"user": user, **times}
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", 100000))
    )
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 1000000)))
    parser.add_argument(
        "--entries", type=int, default=int(os.environ.get("BENCH_ENTRIES", 10000000))
    )
    parser.add_argument("--db", default="bench_cockpit")
    parser.add_argument("--template", help="a database to copy (crm_strategy installed)")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database (and its data) if it exists"
    )
    parser.add_argument(
        "--browser-port",
        type=int,
        default=8399,
        help="port of the Odoo server the browser measurement starts (0: no browser)",
    )
    args = parser.parse_args()
    exists = not subprocess.run(["psql", "-d", args.db, "-c", ""], capture_output=True).returncode
    if not (args.keep and exists):
        create_db(args.db, args.template, say, modules="crm_strategy_spreadsheet_dashboard")
    cr, env = open_env(args.db)
    results = {"customers": args.customers, "orders": args.orders, "entries": args.entries}
    try:
        cr.execute("SELECT 1 FROM sale_order WHERE name LIKE 'BENCH%%' LIMIT 1")
        if not cr.fetchone():
            build_data(cr, env, args)
            cr.commit()
        results["refresh"] = refresh(env)
        cr.execute("ANALYZE crm_customer_month")
        cr.execute("SELECT 1 FROM crm_loyalty_ledger WHERE reason = 'bench' LIMIT 1")
        if not cr.fetchone():
            build_ledger(cr, env, args)
            cr.commit()
        results["loyalty_refresh"] = refresh_loyalty(env)
        entries_pivot = {
            "model": "crm.loyalty.economics.report",
            "name": "Loyalty economics by tier, read from the entries (before)",
            "domain": [],
            "rows": [{"fieldName": "tier_id"}],
            "columns": [],
            "measures": [{"fieldName": "points"}, {"fieldName": "points_issued"}],
        }
        results["loyalty_entries_pivot_s"] = timed(
            entries_pivot["name"], lambda: read_pivot(env, entries_pivot, env.user)
        )[0]
        admin = env.ref("base.user_admin")
        results["managers"] = open_dashboard(env, "crm_strategy_dashboard", admin, True)
        results["salesperson"] = open_dashboard(
            env, "crm_strategy_my_dashboard", rep_user(env), False
        )
        cr.rollback()
        if args.browser_port:
            results["browser"] = open_in_browser(env, args.db, args.browser_port)
    finally:
        cr.rollback()
        close_env(cr, args.db)
    finish(results, args.db, keep=args.keep)


if __name__ == "__main__":
    main()
