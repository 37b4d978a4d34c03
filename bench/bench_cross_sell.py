#!/usr/bin/env python3
"""Cross-sell benchmark: the rules' refresh vs the bare-SQL bound, in one run.

Builds a scratch database (crm_strategy installed, no demo), creates product categories and
products with the ORM, then customers, confirmed orders and their lines in bulk SQL. Each
customer has a taste (one of eight groups of neighbouring categories), so categories really
go together. Then, in the same run:

1. the bound: the rules' own SELECT (`crm.product.affinity._rules_sql`, imported, never
   copied) into a temporary table;
2. ours: `crm.product.affinity._refresh_company` (flush, DELETE, INSERT ... SELECT of the
   same statement, cache invalidation);
3. checks both found the same rules, prints the ratios; then times what a rep and a
   marketer do with them: the suggestions of a list page of customers (80) and the
   "bought A, never B" audience of the strongest rule (the spend shares are refreshed first,
   as the customer-value refresh does).

Usage: bench/bench_cross_sell.py [--lines 1000000] [--customers 50000] [--rounds 3]
"""

import argparse
import os
import time
from datetime import date

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

say = make_say("bench_cross_sell")

AS_OF = date(2026, 6, 30)
CATEGORIES = 40
PRODUCTS_PER_CATEGORY = 10
LINES_PER_ORDER = 4
TASTES = 8


def build_data(cr, env, args):
    company = env.company
    t0 = time.perf_counter()
    categories = env["product.category"].create(
        [{"name": f"Bench category {i:02d}"} for i in range(CATEGORIES)]
    )
    products = env["product.product"].create(
        [
            {"name": f"Bench product {c.name[-2:]}/{k}", "type": "consu", "categ_id": c.id}
            for c in categories
            for k in range(PRODUCTS_PER_CATEGORY)
        ]
    )
    env.flush_all()
    orders = args.lines // LINES_PER_ORDER
    say(f"generating {args.customers} customers, {orders} orders, {args.lines} lines in SQL")
    # Bulk load, as a restore would: foreign-key triggers off (generated rows reference
    # existing records by construction), secondary indexes rebuilt once afterwards.
    indexes = bulk_load_begin(cr, ["sale_order", "sale_order_line"])
    insert_bench_customers(cr, args.customers)
    # Orders: skewed between customers (few buy a lot), as in bench_customer_value.
    cr.execute(
        """
        WITH customers AS (
            SELECT id, -LN(1 - RANDOM() * 0.9999) AS weight
              FROM res_partner WHERE name LIKE 'Bench customer %%'
        ),
        shares AS (
            SELECT id, GREATEST(1, ROUND(%(orders)s * weight / SUM(weight) OVER ())::int) AS n
              FROM customers
        )
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id, currency_id, currency_rate, date_order, state,
                                amount_untaxed, amount_tax, amount_total, create_date,
                                write_date)
        SELECT 'BENCH/' || s.id || '/' || k, s.id, s.id, s.id, %(company)s, %(currency)s,
               CASE WHEN k %% 50 = 0 THEN 0.5 ELSE 1.0 END,
               %(as_of)s::date - (RANDOM() * 1000)::int + TIME '12:00',
               CASE WHEN k %% 20 = 0 THEN 'cancel' ELSE 'sale' END, 0, 0, 0, NOW(), NOW()
          FROM shares s, generate_series(1, s.n) k
        """,
        {
            "orders": orders,
            "company": company.id,
            "currency": company.currency_id.id,
            "as_of": AS_OF,
        },
    )
    # Lines: a customer's taste picks mostly categories next to each other; one line in
    # twenty from anywhere.
    cr.execute(
        """
        INSERT INTO sale_order_line (order_id, company_id, currency_id, order_partner_id,
                                     name, sequence, product_id, product_uom_qty, product_uom,
                                     price_unit, discount, price_subtotal, price_tax,
                                     price_total, customer_lead, create_date, write_date)
        SELECT o.id, o.company_id, o.currency_id, o.partner_id, 'Bench line', l,
               p.ids[1 + categ * %(per_categ)s + (RANDOM() * (%(per_categ)s - 1))::int],
               1, %(uom)s, price, 0, price, 0, price, 0, NOW(), NOW()
          FROM sale_order o
         CROSS JOIN generate_series(1, %(per_order)s) l
         CROSS JOIN (SELECT %(products)s::int[] AS ids) p
         CROSS JOIN LATERAL (
             SELECT CASE WHEN RANDOM() < 0.05 THEN (RANDOM() * (%(categs)s - 1))::int
                         ELSE ((o.partner_id %% %(tastes)s) * %(categs)s / %(tastes)s
                               + (RANDOM() * 7)::int) %% %(categs)s END AS categ,
                    ROUND((10 + RANDOM() * 90)::numeric, 2) AS price
              WHERE o.id > 0 AND l > 0) pick
         WHERE o.name LIKE 'BENCH/%%'
        """,
        {
            "products": products.ids,  # category by category
            "per_categ": PRODUCTS_PER_CATEGORY,
            "per_order": LINES_PER_ORDER,
            "uom": products[0].uom_id.id,
            "categs": CATEGORIES,
            "tastes": TASTES,
        },
    )
    say(f"rows inserted in {time.perf_counter() - t0:.1f}s")
    bulk_load_end(cr, indexes)
    for table in ("res_partner", "sale_order", "sale_order_line"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    cr.execute("SELECT COUNT(*) FROM sale_order_line WHERE name = 'Bench line'")
    lines = cr.fetchone()[0]
    cr.commit()
    say(f"{lines} order lines generated in {time.perf_counter() - t0:.1f}s")
    return lines


def bound_sql(env, company):
    """The bound: the refresh's own SELECT of the rules into a temporary table."""
    return SQL(
        "CREATE TEMP TABLE bench_affinity_bound AS %s",
        env["crm.product.affinity"]._rules_sql(company, AS_OF),
    )


def bench(cr, env, args):
    company = env.company
    Affinity = env["crm.product.affinity"]
    rounds = []
    for run in range(args.rounds):

        def bound():
            cr.execute("DROP TABLE IF EXISTS bench_affinity_bound")
            cr.execute(bound_sql(env, company))

        def refresh():
            Affinity._refresh_company(company, AS_OF)
            env.flush_all()

        t_bound, _ = timed(f"round {run + 1}: bare SQL bound (the rules' SELECT)", bound)
        t_ours, _ = timed(f"round {run + 1}: refresh (_refresh_company)", refresh)
        cr.commit()
        rounds.append({"ours_s": round(t_ours, 2), "bound_s": round(t_bound, 2)})
        rounds[-1]["ratio"] = round(t_ours / t_bound, 2)
    cr.execute(
        """
        SELECT COUNT(*) FROM bench_affinity_bound b
          FULL JOIN (SELECT * FROM crm_product_affinity WHERE company_id = %s) a
            ON a.antecedent_categ_id = b.antecedent_categ_id
           AND a.consequent_categ_id = b.consequent_categ_id
           AND a.customer_count = b.customer_count AND abs(a.lift - b.lift) < 1e-9
         WHERE a.id IS NULL OR b.antecedent_categ_id IS NULL
        """,
        [company.id],
    )
    mismatches = cr.fetchone()[0]
    rules = Affinity.search([("company_id", "=", company.id)])
    summary = {
        "rules": len(rules),
        "rule_mismatches_vs_bound": mismatches,
        "rounds": rounds,
        "thresholds": {
            "min_support": company.crm_affinity_min_support,
            "min_confidence": company.crm_affinity_min_confidence,
            "min_lift": company.crm_affinity_min_lift,
        },
    }
    if rules:
        strongest = rules[0]
        summary["strongest_rule"] = {
            "rule": strongest.display_name,
            "support": round(strongest.support, 2),
            "confidence": round(strongest.confidence, 1),
            "lift": round(strongest.lift, 2),
        }
    # What the rules are for: the spend shares (written by the customer-value refresh),
    # then a list page of customers' suggestions and the strongest rule's audience.
    t_shares, _ = timed(
        "spend shares (as the customer-value refresh writes them)",
        lambda: env["crm.customer.category.share"]._refresh_company(company, AS_OF),
    )
    cr.commit()
    Partner = env["res.partner"]
    page = Partner.search([("name", "like", "Bench customer %")], limit=80)
    env.invalidate_all()
    t_page, suggested = timed(
        "cross-sell suggestions of 80 customers",
        lambda: sum(1 for partner in page if partner.crm_cross_sell_ids),
    )
    summary["spend_shares_s"] = round(t_shares, 2)
    summary["suggestions_80_customers_s"] = round(t_page, 3)
    summary["customers_with_suggestions_of_80"] = suggested
    if rules:
        t_audience, audience = timed(
            "audience of the strongest rule (bought A, never B)",
            lambda: Partner.search_count(rules[0]._crm_audience_domain()),
        )
        summary["audience_s"] = round(t_audience, 2)
        summary["audience_size"] = audience
        summary["audience_target_count_at_refresh"] = rules[0].target_count
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="bench_cross_sell")
    parser.add_argument("--template", default=os.environ.get("BENCH_TEMPLATE"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept by --keep")
    args = parser.parse_args()

    if not args.reuse:
        create_db(args.db, args.template, say)
    cr, env = open_env(args.db)
    try:
        if args.reuse:
            cr.execute("SELECT COUNT(*) FROM sale_order_line WHERE name = 'Bench line'")
            lines = cr.fetchone()[0]
        else:
            lines = build_data(cr, env, args)
        cr.execute("SELECT COUNT(*) FROM sale_order WHERE name LIKE 'BENCH/%%'")
        orders = cr.fetchone()[0]
        results = {
            "customers": args.customers,
            "orders": orders,
            "lines": lines,
            **bench(cr, env, args),
        }
    finally:
        close_env(cr, args.db)
    finish(results, args.db, keep=args.keep)


if __name__ == "__main__":
    main()
