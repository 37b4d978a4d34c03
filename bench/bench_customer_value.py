#!/usr/bin/env python3
"""RFM & CLV benchmark: the full refresh vs the bare-SQL lower bound, in one run.

Builds a scratch database (crm_strategy installed, no demo), generates customers
and confirmed sale orders in SQL, then:

1. times one SQL statement that aggregates the orders per customer, computes the
   R/F/M quintile scores and writes them into a scratch table: the lower bound; and
   the same statement inserting into a table with crm_customer_value's keys (foreign
   keys, unique index): the keyed bound, what a row per customer in a table costs;
2. times `crm.customer.value._refresh` (aggregation, scores, BG/NBD and Gamma-Gamma
   fits, predictions, segment history, upsert), cold (every row new: a
   first refresh) and warm (the next night's refresh: as of one day later, so every
   row changes; with no new order every recency grows alike, so no customer changes
   cell or segment: docs/benchmarks.md measures a night that moves them);
3. checks both give the same R/F/M scores, prints the ratios and the peak memory
   (resident set) of this process, which runs the refresh;
4. times the segment cards (customers, revenue, average CLV per segment) against
   grouping the stored (R, F) cells.

Usage: bench/bench_customer_value.py [--customers 100000] [--orders 1000000]
       [--reuse --keep]
"""

import argparse
import json
import os
import resource
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

from benchlib import (
    bulk_load_begin,
    bulk_load_end,
    close_env,
    create_db,
    finish,
    insert_bench_customers,
    make_say,
    open_env,
    timed,
)

from odoo.tools import SQL

say = make_say("bench_customer_value")


AS_OF = date(2026, 6, 30)


def build_data(cr, env, args):
    """Customers buy at their own rate (gamma) and stop at some point (beta): BG/NBD-like."""
    company = env.company
    say(f"generating {args.customers} customers and about {args.orders} confirmed orders in SQL")
    t0 = time.perf_counter()
    # Bulk load, as a restore would: the generated rows reference existing records by
    # construction, so the foreign-key triggers are off (the script runs as a superuser),
    # and sale_order's secondary indexes are dropped and rebuilt once after the insert
    # (at 10,000,000 orders, maintaining them row by row took most of the time).
    indexes = bulk_load_begin(cr, ["sale_order"])
    insert_bench_customers(cr, args.customers)
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
    say(f"orders inserted in {time.perf_counter() - t0:.1f}s")
    bulk_load_end(cr, indexes)
    cr.execute("SELECT COUNT(*) FROM sale_order WHERE name LIKE 'BENCH/%%'")
    orders = cr.fetchone()[0]
    cr.execute("ANALYZE sale_order")
    cr.execute("ANALYZE res_partner")
    cr.commit()
    say(f"{orders} orders generated in {time.perf_counter() - t0:.1f}s")
    return orders


def bound_select(env, company, as_of=AS_OF):
    """The lower bound's query: the refresh's own purchase aggregation (imported from the
    model, never copied), then per customer the R/F/M numbers and quintile scores."""
    return SQL(
        """
        WITH days AS (%(purchases)s),
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
        """,
        purchases=env["crm.customer.value"]._purchases_sql(company, as_of),
        as_of=as_of,
    )


def bound_sql(env, company, as_of=AS_OF):
    """The lower bound: its query written into a temporary table (no key, no index)."""
    return SQL("CREATE TEMP TABLE bench_rfm_bound AS %s", bound_select(env, company, as_of))


# The keyed bound's table: the keys of crm_customer_value (foreign keys to the customer and
# the company, a unique (customer, company) index and a serial id), nothing else.
KEYED_TABLE = """
    CREATE TABLE bench_rfm_bound_keyed (
        id SERIAL PRIMARY KEY,
        partner_id INTEGER NOT NULL REFERENCES res_partner ON DELETE CASCADE,
        company_id INTEGER NOT NULL REFERENCES res_company ON DELETE CASCADE,
        r_score INTEGER, f_score INTEGER, m_score INTEGER,
        UNIQUE (partner_id, company_id)
    )
"""


def keyed_bound_sql(env, company, as_of=AS_OF):
    """A second, keyed bound: the same query inserted (in customer order, as the refresh
    inserts) into a table with the keys of crm_customer_value. What storing a row per
    customer in an Odoo table costs at least: PostgreSQL checks each foreign key row by
    row. Not the target's bound: the target is judged against `bound_sql`."""
    return SQL(
        """
        INSERT INTO bench_rfm_bound_keyed (partner_id, company_id, r_score, f_score, m_score)
        SELECT b.partner_id, %(company)s, b.r_score, b.f_score, b.m_score
          FROM (%(bound)s) b
         ORDER BY b.partner_id
        """,
        company=company.id,
        bound=bound_select(env, company, as_of),
    )


class FitTimer:
    """Times the two fits inside the refresh by wrapping the service functions it calls."""

    def __init__(self):
        from odoo.addons.crm_strategy.services import clv  # noqa: PLC0415

        self.seconds = 0.0
        for name in ("fit_bgnbd", "fit_gamma_gamma"):
            setattr(clv, name, self._wrap(getattr(clv, name)))

    def _wrap(self, func):
        def timed_fit(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0

        return timed_fit


class StatementTimer:
    """Times each statement the refresh runs (by its first words), to say where time goes."""

    def __init__(self, cr):
        self.cr, self.seconds = cr, {}

    def __enter__(self):
        cursor_class = type(self.cr)
        self.original = original = cursor_class.execute
        seconds = self.seconds

        def execute(cursor, query, params=None, log_exceptions=True):
            t0 = time.perf_counter()
            try:
                return original(cursor, query, params, log_exceptions)
            finally:
                code = " ".join(getattr(query, "code", str(query)).split()[:4])
                seconds[code] = seconds.get(code, 0.0) + time.perf_counter() - t0

        cursor_class.execute = execute
        return self

    def __exit__(self, *exc):
        type(self.cr).execute = self.original

    def top(self, n=5):
        ranked = sorted(self.seconds.items(), key=lambda item: -item[1])[:n]
        return {code: round(seconds, 2) for code, seconds in ranked}


# The least a segment's numbers need: the customers of each (R, F) cell, one scan, no segment.
CELL_NUMBERS_BOUND = """
    SELECT r_score, f_score, COUNT(*), SUM(monetary_total), AVG(clv_total)
      FROM crm_customer_value WHERE company_id = %s GROUP BY r_score, f_score
"""


def bench_segment_numbers(cr, env, rounds):
    """The segments' customers, revenue and average CLV (the RFM Segments cards), read
    through the segment's SQL expression, against grouping the stored cells: what not
    storing the segment costs a reader."""
    segments = env["crm.rfm.segment"].search([])

    def ours():
        segments.invalidate_recordset(["customer_count", "revenue", "average_clv"])
        return sum(segments.mapped("customer_count"))

    def bound():
        cr.execute(CELL_NUMBERS_BOUND, [env.company.id])
        return sum(row[2] for row in cr.fetchall())

    measured = []
    for run in range(rounds):
        t_bound, in_cells = timed(f"segment numbers {run + 1}: bound (group by cell)", bound)
        t_ours, in_segments = timed(f"segment numbers {run + 1}: the segments' cards", ours)
        assert in_cells == in_segments, (in_cells, in_segments)
        measured.append(
            {"ours_s": round(t_ours, 3), "bound_s": round(t_bound, 3), "customers": in_cells}
        )
    return measured


def bench(cr, env, args):
    company = env.company
    Value = env["crm.customer.value"]
    cr.execute("DROP TABLE IF EXISTS bench_rfm_bound_keyed")
    cr.execute(KEYED_TABLE)
    cr.commit()

    fit_timer = FitTimer()

    results = {}
    for run in range(args.rounds):
        as_of = AS_OF + timedelta(days=run)
        if run:
            # A warm round is the next night's refresh: by then autovacuum has vacuumed the
            # table (a refresh leaves every row's old version dead, far above autovacuum's 20%
            # threshold). Back to back on this shared server, where other databases keep
            # long transactions open, the pages were not pruned on the fly and still held
            # the night before's rows: the update found no room beside each row and moved
            # all of them (1,171 of 100,000 updates in place, the table doubled, the update
            # three times slower), every second round. Committed first: an open transaction
            # here would hold the oldest snapshot of the server and VACUUM could not clean.
            cr.commit()
            subprocess.run(
                ["psql", "-q", "-d", cr.dbname, "-c", "VACUUM ANALYZE crm_customer_value"],
                check=True,
            )

        def bound(as_of=as_of):
            cr.execute("DROP TABLE IF EXISTS bench_rfm_bound")
            cr.execute(bound_sql(env, company, as_of))

        def refresh(as_of=as_of):
            fit = Value._refresh(company, as_of)
            env.flush_all()
            return fit

        def keyed_bound(as_of=as_of):
            cr.execute("TRUNCATE bench_rfm_bound_keyed")
            cr.execute(keyed_bound_sql(env, company, as_of))

        t_bound, _ = timed(f"round {run + 1}: lower bound (one SQL statement)", bound)
        label = "cold" if run == 0 else "warm"
        fit_timer.seconds = 0.0
        with StatementTimer(cr) as statements:
            t_ours, fit = timed(f"round {run + 1}: full refresh ({label})", refresh)
        say(f"round {run + 1}: of which the two fits {fit_timer.seconds:.2f}s")
        say(f"round {run + 1}: slowest statements {json.dumps(statements.top())}")
        results.setdefault("statements", []).append(statements.top())
        cr.commit()
        # After ours, so that the target's measurement (the bound, then ours) is as before:
        # the keyed bound leaves dirty pages and WAL behind, which the next statement pays.
        t_keyed, _ = timed(
            f"round {run + 1}: keyed bound (inserting into a keyed table)", keyed_bound
        )
        cr.commit()
        cr.execute("SELECT COUNT(*) FROM crm_customer_segment_history WHERE date = %s", [as_of])
        say(f"round {run + 1}: as of {as_of}, {cr.fetchone()[0]} segment changes recorded")
        results.setdefault(label, []).append((t_ours, t_bound, t_keyed, os.getloadavg()[0]))
        results.setdefault("fit_s", []).append(fit_timer.seconds)
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
    summary["segment_numbers"] = bench_segment_numbers(cr, env, args.rounds)
    for label in ("cold", "warm"):
        if label in results:
            # Each round's ratio is ours against the bound of the same round: on a shared
            # machine the load changes between rounds more than either time.
            summary[label] = [
                {
                    "ours_s": round(t, 2),
                    "bound_s": round(b, 2),
                    "ratio": round(t / b, 2),
                    "keyed_bound_s": round(k, 2),
                    "ratio_to_keyed": round(t / k, 2),
                    "load_1min": round(load, 1),
                }
                for t, b, k, load in results[label]
            ]
    summary["fit_s"] = round(min(results["fit_s"]), 2)
    summary["fit_s_rounds"] = [round(seconds, 2) for seconds in results["fit_s"]]
    summary["statements"] = results["statements"]
    summary["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return summary


def simulate_statistics(customers, orders, seed=0):
    """Per-customer (x, t_x, T, repeat mean) in weeks, drawn like `build_data` draws its
    orders (same rates, dates and baskets), aggregated per day like the refresh: numpy
    only, for sizes the database here cannot hold in the time (1,000,000 / 10,000,000)."""
    import numpy as np  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    weight = -np.log(1 - rng.random(customers) * 0.9999)
    age = (rng.random(customers) * 1000).round().astype(np.int64)
    alive_share = rng.random(customers)
    basket = 20 + rng.random(customers) * 180
    n = np.maximum(1, np.round(orders * weight / weight.sum())).astype(np.int64)
    customer = np.repeat(np.arange(customers), n)
    first = np.concatenate(([True], customer[1:] != customer[:-1]))
    offset = (rng.random(customer.size) * age[customer] * alive_share[customer]).round()
    offset = np.where(first, 0, offset).astype(np.int64)
    amount = basket[customer] * (0.5 + rng.random(customer.size))
    del first
    # One purchase per customer and day; its amount is the day's total.
    key = customer * 2048 + offset
    del customer, offset
    days, day_of = np.unique(key, return_inverse=True)
    del key
    day_amount = np.bincount(day_of, weights=amount)
    del day_of, amount
    day_customer, day_offset = days // 2048, days % 2048
    n_days = np.bincount(day_customer, minlength=customers)
    last = np.zeros(customers, dtype=np.int64)
    np.maximum.at(last, day_customer, day_offset)
    total = np.bincount(day_customer, weights=day_amount, minlength=customers)
    first_amount = np.bincount(
        day_customer[day_offset == 0], weights=day_amount[day_offset == 0], minlength=customers
    )
    x = (n_days - 1).astype(float)
    repeat_mean = np.where(x > 0, (total - first_amount) / np.maximum(x, 1), 0.0)
    return x, last / 7.0, age / 7.0, repeat_mean, int(day_customer.size), int(n.sum())


def bench_fit(args):
    """The fits and predictions of the refresh on simulated statistics: time, memory."""
    import importlib.util  # noqa: PLC0415
    import tracemalloc  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location(
        "clv", Path(__file__).resolve().parent.parent / "crm_strategy/services/clv.py"
    )
    clv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(clv)
    results = []
    for customers in args.fit_only:
        orders = customers * 10
        t0 = time.perf_counter()
        x, t_x, T, m, purchases, orders = simulate_statistics(customers, orders)
        say(f"{customers} customers, {orders} orders simulated in {time.perf_counter() - t0:.1f}s")
        tracemalloc.start()
        t0 = time.perf_counter()
        # What `crm.customer.value._predict` does with the arrays.
        (gx, gt, gT), counts, group = clv.group_rows(x, t_x, T)
        bgnbd = clv.fit_bgnbd(gx, gt, gT, counts)
        gamma = clv.fit_gamma_gamma(x, m)
        fit_s = time.perf_counter() - t0
        value = clv.gamma_gamma_expected_value(gamma.params, x, m)
        alive = clv.bgnbd_probability_alive(bgnbd.params, gx, gt, gT)[group]
        purchases_12 = clv.discounted_purchases(bgnbd.params, gx, gt, gT, 12, 0.1, 30.4375 / 7)
        clv_predicted = purchases_12[group] * value
        total_s = time.perf_counter() - t0
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert np.all(np.isfinite(clv_predicted)) and np.all(np.isfinite(alive))
        results.append(
            {
                "customers": customers,
                "orders": orders,
                "purchase_days": purchases,
                "distinct_x_tx_T": int(gx.size),
                "bgnbd_converged": bgnbd.converged,
                "gamma_gamma_converged": gamma.converged,
                "fit_s": round(fit_s, 2),
                "fit_and_predict_s": round(total_s, 2),
                "fit_and_predict_peak_mb": round(peak / 2**20, 1),
                "process_peak_rss_mb": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
        )
        say(json.dumps(results[-1]))
    print(json.dumps(results, indent=2))
    if args.plot:
        plot_scale(results, args.plot)


def plot_scale(results, path):
    """Fit time, fit + prediction time and memory against the number of customers."""
    try:
        from matplotlib import pyplot  # noqa: PLC0415
    except ImportError:
        say("matplotlib is missing (pip install matplotlib): no plot")
        return
    customers = [r["customers"] for r in results]
    figure, (times, memory) = pyplot.subplots(1, 2, figsize=(9, 3.5))
    times.plot(customers, [r["fit_s"] for r in results], "o-", label="exact fits")
    times.plot(customers, [r["fit_and_predict_s"] for r in results], "s-", label="fits + CLV")
    times.set(xscale="log", yscale="log", xlabel="customers", ylabel="seconds")
    times.legend()
    memory.plot(
        customers, [r["fit_and_predict_peak_mb"] for r in results], "o-", label="fits + CLV"
    )
    memory.plot(customers, [r["process_peak_rss_mb"] for r in results], "s-", label="process")
    memory.set(xscale="log", yscale="log", xlabel="customers", ylabel="peak MB")
    memory.legend()
    figure.suptitle("BG/NBD + Gamma-Gamma on every customer (10 orders each)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    say(f"plot written to {path}")


def plot_runs(runs, path):
    """Refresh (cold, warm), bound, fit time and peak memory against the number of
    customers, from full runs (--json)."""
    from matplotlib import pyplot  # noqa: PLC0415

    runs = sorted(runs, key=lambda run: run["customers"])
    customers = [run["customers"] for run in runs]
    figure, (times, memory) = pyplot.subplots(1, 2, figsize=(9, 3.5))
    for label, key, style in (("cold refresh", "cold", "o-"), ("warm refresh", "warm", "s-")):
        times.plot(
            customers, [min(r["ours_s"] for r in run[key]) for run in runs], style, label=label
        )
    times.plot(
        customers,
        [min(r["bound_s"] for r in run["cold"] + run["warm"]) for run in runs],
        "^--",
        label="bare SQL bound",
    )
    times.plot(customers, [run["fit_s"] for run in runs], "d-", label="exact fits")
    times.set(xscale="log", yscale="log", xlabel="customers (10 orders each)", ylabel="seconds")
    times.legend(fontsize="small")
    memory.plot(
        customers, [run["peak_rss_mb"] for run in runs], "o-", label="process running the refresh"
    )
    memory.axhline(1536, color="grey", linestyle=":", label="target 1.5 GB")
    memory.set(xscale="log", xlabel="customers (10 orders each)", ylabel="peak resident MB")
    memory.legend(fontsize="small")
    figure.suptitle("RFM + exact BG/NBD and Gamma-Gamma refresh, 100k to 1M customers")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    say(f"plot written to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="1 cold run, then warm runs")
    parser.add_argument("--db", default="bench_customer_value")
    parser.add_argument("--template", default=os.environ.get("BENCH_TEMPLATE"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept by --keep")
    parser.add_argument(
        "--fit-only",
        type=int,
        nargs="+",
        metavar="CUSTOMERS",
        help="no database: time the fits and predictions on simulated statistics of this "
        "many customers (10 orders each), e.g. --fit-only 100000 1000000",
    )
    parser.add_argument("--plot", metavar="PNG", help="with --fit-only or --runs: plot the figures")
    parser.add_argument("--json", metavar="PATH", help="also write the results to this file")
    parser.add_argument(
        "--runs",
        nargs="+",
        metavar="JSON",
        help="no benchmark: plot (--plot) the results that runs wrote with --json",
    )
    args = parser.parse_args()

    if args.runs:
        plot_runs([json.loads(Path(path).read_text()) for path in args.runs], args.plot)
        return
    if args.fit_only:
        bench_fit(args)
        return
    if not args.reuse:
        create_db(args.db, args.template, say)
    cr, env = open_env(args.db)
    try:
        if args.reuse:
            cr.execute("TRUNCATE crm_customer_value, crm_customer_segment_history")
            cr.execute("SELECT COUNT(*) FROM sale_order WHERE name LIKE 'BENCH/%%'")
            orders = cr.fetchone()[0]
            cr.commit()
        else:
            orders = build_data(cr, env, args)
        results = {"customers": args.customers, "orders": orders, **bench(cr, env, args)}
    finally:
        close_env(cr, args.db)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    finish(results, args.db, keep=args.keep)


if __name__ == "__main__":
    main()
