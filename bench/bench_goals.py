#!/usr/bin/env python3
"""SMART goals benchmark: full progress refresh vs the bare-SQL bound and vs gamification.

Builds a scratch database (crm_strategy and gamification installed, no demo), creates
salespeople in sales teams, generates leads, customers and confirmed sales orders in
SQL, creates SMART goals (salespeople's, teams' and the company's, on seven metrics,
this month and this quarter), then in the same run:

1. times `crm.smart.goal._refresh_progress()` over every goal (values, pace, status,
   written back), with and without the baselines;
2. times the bare SQL: the statements our refresh sent, replayed with nothing around
   them, and a hand-written statement computing and writing the same current values
   (grouped subqueries joining the goals table to the records); checks it agrees;
3. creates the equivalent gamification goals (the salespeople's goals on the metrics
   gamification can express: leads created, opportunities won, revenue won), times
   `update_goal()` on them with the goal definitions in gamification's default mode (one
   query per goal) and in batch mode (one query per period), then our refresh of the
   same goals, and checks both give the same values.

Usage: bench/bench_goals.py [--goals 2000] [--leads 500000] [--orders 200000]
Sizes also come from BENCH_GOALS, BENCH_LEADS, BENCH_ORDERS; run a smaller size on a
small machine and say so in docs/benchmarks.md.
"""

import argparse
import os
import time
from datetime import date, timedelta

from benchlib import close_env, create_db, finish, make_say, open_env, timed

say = make_say("bench_goals")


USER_METRICS = ["leads_created", "opportunities_won", "revenue_won", "win_rate"]
TEAM_METRICS = [
    "leads_created",
    "revenue_won",
    "new_customers",
    "customers_retained",
    "average_deal_size",
]
# what gamification can express with a count/sum goal definition
GAMIFICATION_METRICS = ["leads_created", "opportunities_won", "revenue_won"]


def build_people(env, args):
    from odoo import Command  # noqa: PLC0415

    salesman = env.ref("sales_team.group_sale_salesman")
    users = (
        env["res.users"]
        .with_context(no_reset_password=True, mail_create_nolog=True, tracking_disable=True)
        .create(
            [
                {
                    "name": f"Bench rep {i}",
                    "login": f"bench_rep_{i}",
                    "groups_id": [Command.set([salesman.id])],
                }
                for i in range(args.users)
            ]
        )
    )
    teams = env["crm.team"].create(
        [
            {
                "name": f"Bench team {t}",
                "member_ids": [Command.set(users[t :: args.teams].ids)],
            }
            for t in range(args.teams)
        ]
    )
    team_of = {}
    for team in teams:
        for user in team.member_ids:
            team_of[user.id] = team.id
    return users, teams, team_of


def build_data(cr, env, users, team_of, args):
    company = env.company.id
    won = env["crm.stage"].search([("is_won", "=", True)], limit=1).id
    new = env["crm.stage"].search([("is_won", "=", False)], limit=1).id
    user_ids = users.ids
    team_ids = [team_of[uid] for uid in user_ids]
    say(f"generating {args.leads} leads, 50,000 customers and {args.orders} orders in SQL")
    t0 = time.perf_counter()
    # 10% won, 10% lost, a third opportunities; created over the last 400 days
    cr.execute(
        """
        INSERT INTO crm_lead (name, type, active, company_id, user_id, team_id, stage_id,
                              probability, expected_revenue, create_date, write_date,
                              create_uid, write_uid, date_conversion, date_closed, day_close,
                              lifecycle_stage, lifecycle_stage_max)
        SELECT 'Lead ' || g,
               CASE WHEN g %% 10 IN (0, 1) OR g %% 3 = 0 THEN 'opportunity' ELSE 'lead' END,
               g %% 10 != 1, %(company)s,
               (%(users)s::int[])[1 + g %% %(nusers)s], (%(teams)s::int[])[1 + g %% %(nusers)s],
               CASE WHEN g %% 10 = 0 THEN %(won)s ELSE %(new)s END,
               CASE WHEN g %% 10 = 0 THEN 100 WHEN g %% 10 = 1 THEN 0 ELSE 10 END,
               (g %% 50) * 100, c.created, c.created, 1, 1,
               CASE WHEN g %% 10 IN (0, 1) OR g %% 3 = 0 THEN c.created END,
               CASE WHEN g %% 10 IN (0, 1) THEN c.closed END,
               CASE WHEN g %% 10 IN (0, 1) THEN EXTRACT(DAY FROM c.closed - c.created) END,
               'lead', 'lead'
          FROM generate_series(1, %(n)s) g,
       LATERAL (SELECT now() at time zone 'UTC' - (g %% 400) * interval '1 day'
                       - (g %% 23) * interval '1 hour' AS created) c0,
       LATERAL (SELECT c0.created,
                       LEAST(now() at time zone 'UTC',
                             c0.created + (g %% 60) * interval '1 day') AS closed) c
        """,
        {
            "company": company,
            "users": user_ids,
            "teams": team_ids,
            "nusers": len(user_ids),
            "won": won,
            "new": new,
            "n": args.leads,
        },
    )
    cr.execute(
        """
        INSERT INTO res_partner (name, active, type, is_company, autopost_bills, create_date,
                                 write_date, create_uid, write_uid)
        SELECT 'Bench customer ' || g, true, 'contact', true, 'ask', now(), now(), 1, 1
          FROM generate_series(1, 50000) g
        RETURNING id
        """
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [partner_ids]
    )
    cr.execute(
        """
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id, date_order, state, user_id, team_id, create_date,
                                write_date, create_uid, write_uid)
        SELECT 'BENCH' || g, p.id, p.id, p.id, %(company)s,
               now() at time zone 'UTC' - ((g * 7919) %% 400) * interval '1 day',
               'sale', (%(users)s::int[])[1 + g %% %(nusers)s],
               (%(teams)s::int[])[1 + g %% %(nusers)s], now(), now(), 1, 1
          FROM generate_series(1, %(n)s) g,
       LATERAL (SELECT (%(partners)s::int[])[1 + (g * 31) %% %(npartners)s] AS id) p
        """,
        {
            "company": company,
            "users": user_ids,
            "teams": team_ids,
            "nusers": len(user_ids),
            "partners": partner_ids,
            "npartners": len(partner_ids),
            "n": args.orders,
        },
    )
    cr.execute("ANALYZE crm_lead; ANALYZE sale_order; ANALYZE res_partner")
    env.invalidate_all()
    say(f"data generated in {time.perf_counter() - t0:.1f}s")


def build_goals(env, users, teams, args):
    """`args.goals` goals: salespeople's goals on four metrics, teams' goals on five,
    then more salespeople's goals on new customers; half this month, half this quarter."""
    today = date.today()
    month = (today.replace(day=1), (today.replace(day=1) + timedelta(days=32)).replace(day=1))
    q_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    q_end = (q_start + timedelta(days=93)).replace(day=1)
    periods = [
        (month[0], month[1] - timedelta(days=1)),
        (q_start, q_end - timedelta(days=1)),
    ]
    metric = {m.kind: m for m in env["crm.goal.metric"].search([])}
    objective = env["crm.strategy.objective"].create({"name": "Bench objective"})
    targets = {
        "leads_created": 100,
        "opportunities_won": 10,
        "revenue_won": 20000,
        "win_rate": 50,
        "new_customers": 5,
        "customers_retained": 20,
        "average_deal_size": 2500,
    }
    vals_list = []

    def add(kind, owner, **vals):
        i = len(vals_list)
        start, deadline = periods[i % 2]
        vals_list.append(
            {
                "name": f"Bench goal {i}",
                "description": "Bench",
                "objective_id": objective.id,
                "metric_id": metric[kind].id,
                "target": targets[kind],
                "owner_type": owner,
                "date_start": start,
                "date_deadline": deadline,
                **vals,
            }
        )

    for user in users:
        for kind in USER_METRICS:
            add(kind, "user", user_id=user.id)
    for team in teams:
        for kind in TEAM_METRICS:
            add(kind, "team", owner_team_id=team.id, user_id=False)
    for kind in targets:
        add(kind, "company", user_id=False)
    extra = 0
    while len(vals_list) < args.goals:
        add("new_customers", "user", user_id=users[extra % len(users)].id)
        extra += 1
    vals_list = vals_list[: args.goals]
    say(f"creating {len(vals_list)} goals (first computation with baselines included)")
    elapsed, goals = timed(
        "create goals",
        lambda: (
            env["crm.smart.goal"]
            .with_context(
                mail_create_nolog=True, mail_auto_subscribe_no_notify=True, tracking_disable=True
            )
            .create(vals_list)
        ),
    )
    env.cr.commit()
    return goals, elapsed


# The lower bound: per metric, one hand-written statement joining the goals to the
# records and writing the values. {source}, {where}, {date}, {value} by metric.
BOUND = {
    "leads_created": ("crm_lead t", "true", "t.create_date", "count(*)"),
    "opportunities_won": (
        "crm_lead t JOIN crm_stage s ON s.id = t.stage_id",
        "t.active AND s.is_won",
        "t.date_closed",
        "count(*)",
    ),
    "revenue_won": (
        "crm_lead t JOIN crm_stage s ON s.id = t.stage_id",
        "t.active AND s.is_won",
        "t.date_closed",
        "sum(t.expected_revenue)",
    ),
    "average_deal_size": (
        "crm_lead t JOIN crm_stage s ON s.id = t.stage_id",
        "t.active AND s.is_won",
        "t.date_closed",
        "avg(t.expected_revenue)",
    ),
    "win_rate": (
        "crm_lead t LEFT JOIN crm_stage s ON s.id = t.stage_id",
        "((t.active AND s.is_won) OR (NOT t.active AND t.probability = 0))",
        "t.date_closed",
        "100.0 * count(*) FILTER (WHERE t.active) / count(*)",
    ),
    "new_customers": (
        "sale_order t JOIN res_partner p ON p.id = t.partner_id",
        """t.state = 'sale' AND NOT EXISTS (
               SELECT 1 FROM sale_order o1 JOIN res_partner p1 ON p1.id = o1.partner_id
                WHERE p1.commercial_partner_id = p.commercial_partner_id
                  AND o1.state = 'sale'
                  AND (o1.date_order, o1.id) < (t.date_order, t.id))""",
        "t.date_order",
        "count(DISTINCT p.commercial_partner_id)",
    ),
    "customers_retained": (
        "sale_order t JOIN res_partner p ON p.id = t.partner_id",
        """t.state = 'sale' AND EXISTS (
               SELECT 1 FROM sale_order o1 JOIN res_partner p1 ON p1.id = o1.partner_id
                WHERE p1.commercial_partner_id = p.commercial_partner_id
                  AND o1.state = 'sale'
                  AND o1.date_order >= g.date_start - (g.date_deadline + 1 - g.date_start)
                  AND o1.date_order < g.date_start)""",
        "t.date_order",
        "count(DISTINCT p.commercial_partner_id)",
    ),
}


def run_bound(cr, env):
    """Compute every goal's current value and write them all: one statement, a grouped
    subquery per metric and owner type (joining the goals to the records), one UPDATE."""
    kinds = {m.id: m.kind for m in env["crm.goal.metric"].search([])}
    cr.execute(
        """SELECT metric_id, owner_type, min(date_start), max(date_deadline) + 1
             FROM crm_smart_goal GROUP BY metric_id, owner_type"""
    )
    parts, params = [], {}
    for i, (metric_id, owner_type, date_from, date_to) in enumerate(cr.fetchall()):
        source, where, date_col, value = BOUND[kinds[metric_id]]
        owner = {"user": "g.user_id", "team": "g.owner_team_id", "company": "g.company_id"}[
            owner_type
        ]
        column = {"user": "t.user_id", "team": "t.team_id", "company": "t.company_id"}[owner_type]
        parts.append(
            f"""SELECT g.id, {value} AS value
                  FROM crm_smart_goal g
                  JOIN {source} ON {column} = {owner}
                   AND {date_col} >= g.date_start AND {date_col} < g.date_deadline + 1
                 WHERE g.metric_id = %(metric{i})s AND g.owner_type = %(owner{i})s AND {where}
                   AND {date_col} >= %(from{i})s AND {date_col} < %(to{i})s
              GROUP BY g.id"""
        )
        params.update(
            {f"metric{i}": metric_id, f"owner{i}": owner_type, f"from{i}": date_from}
            | {f"to{i}": date_to}
        )
    cr.execute(
        f"""WITH v AS ({" UNION ALL ".join(parts)})
            UPDATE crm_smart_goal g0 SET current_value = COALESCE(v.value, 0)
              FROM crm_smart_goal g1 LEFT JOIN v ON v.id = g1.id
             WHERE g0.id = g1.id""",
        params,
    )


def values_of(cr):
    cr.execute("SELECT id, round(current_value::numeric, 4) FROM crm_smart_goal ORDER BY id")
    return cr.fetchall()


def traced(cr, func, statements):
    """Run func, printing the time of each SQL statement it runs (first words) and
    appending the statements to `statements`."""
    execute = cr.execute
    spent = []

    def timed_execute(query, params=None, log_exceptions=True):
        statements.append((query, params))
        t0 = time.perf_counter()
        try:
            return execute(query, params, log_exceptions)
        finally:
            text = getattr(query, "code", query)
            spent.append((time.perf_counter() - t0, " ".join(str(text).split())[:90]))

    cr.execute = timed_execute
    try:
        return func()
    finally:
        del cr.execute
        for elapsed, text in sorted(spent, reverse=True)[:12]:
            say(f"  {elapsed:.2f}s {text}")


def replay(cr, statements):
    """Send the same statements again, with nothing around them."""
    for query, params in statements:
        cr.execute(query, params)
        if cr.description:
            cr.fetchall()


def bench_refresh(cr, env, args):
    cr.execute("ANALYZE crm_smart_goal")
    goals = env["crm.smart.goal"].search([])
    env.invalidate_all()
    statements = []
    ours, _ = timed(
        f"ours: refresh {len(goals)} goals",
        lambda: traced(cr, goals._refresh_progress, statements),
    )
    ours_rows = values_of(cr)
    cr.commit()
    for metric, metric_goals in goals.grouped("metric_id").items():
        t0 = time.perf_counter()
        metric_goals._compute_metric_values()
        say(f"  ours {metric.kind} ({len(metric_goals)} goals): {time.perf_counter() - t0:.2f}s")
    env.invalidate_all()
    ours_base, _ = timed(
        "ours: refresh with baselines", lambda: goals._refresh_progress(baseline=True)
    )
    cr.commit()
    replayed, _ = timed(
        f"bare SQL: our {len(statements)} statements replayed", lambda: replay(cr, statements)
    )
    cr.rollback()
    bound, _ = timed("bare SQL: hand-written, goals joined as a table", lambda: run_bound(cr, env))
    same = values_of(cr) == ours_rows
    cr.rollback()
    return {
        "goals": len(goals),
        "ours_s": round(ours, 2),
        "ours_with_baselines_s": round(ours_base, 2),
        "replayed_sql_s": round(replayed, 2),
        "ratio_to_replayed_sql": round(ours / replayed, 2),
        "hand_written_sql_s": round(bound, 2),
        "ratio_to_hand_written_sql": round(ours / bound, 2),
        "same_values": same,
    }


def bench_gamification(cr, env, args):
    from odoo.tools import float_compare  # noqa: PLC0415

    Field = env["ir.model.fields"]
    lead_model = env["ir.model"]._get("crm.lead")
    user_field = Field._get("crm.lead", "user_id")
    common = {
        "model_id": lead_model.id,
        "batch_mode": True,
        "batch_distinctive_field": user_field.id,
        "batch_user_expression": "user.id",
    }
    won = "[('active', '=', True), ('stage_id.is_won', '=', True)]"
    definitions = {
        # ours counts lost (archived) leads too: say so to gamification's search
        "leads_created": {
            "name": "Leads created",
            "computation_mode": "count",
            "field_date_id": Field._get("crm.lead", "create_date").id,
            "domain": "['|', ('active', '=', True), ('active', '=', False)]",
        },
        "opportunities_won": {
            "name": "Opportunities won",
            "computation_mode": "count",
            "field_date_id": Field._get("crm.lead", "date_closed").id,
            "domain": won,
        },
        "revenue_won": {
            "name": "Revenue won",
            "computation_mode": "sum",
            "field_id": Field._get("crm.lead", "expected_revenue").id,
            "field_date_id": Field._get("crm.lead", "date_closed").id,
            "domain": won,
        },
    }
    definition = {
        kind: env["gamification.goal.definition"].create({**common, **vals})
        for kind, vals in definitions.items()
    }
    ours = env["crm.smart.goal"].search(
        [("owner_type", "=", "user"), ("metric_id.kind", "in", GAMIFICATION_METRICS)]
    )
    # gamification compares a datetime with `<= end_date` (midnight): give it the
    # next day so that both count the same records
    gamification = env["gamification.goal"].create(
        [
            {
                "definition_id": definition[goal.metric_id.kind].id,
                "user_id": goal.user_id.id,
                "start_date": goal.date_start,
                "end_date": goal.date_deadline + timedelta(days=1),
                "target_goal": goal.target,
                "state": "inprogress",
            }
            for goal in ours
        ]
    )
    env.flush_all()
    cr.commit()

    def update(batch_mode):
        env["gamification.goal.definition"].browse(d.id for d in definition.values()).write(
            {"batch_mode": batch_mode}
        )
        env.flush_all()
        cr.execute(
            "UPDATE gamification_goal SET current = 0 WHERE id = ANY(%s)", [gamification.ids]
        )
        cr.commit()
        env.invalidate_all()
        t0 = time.perf_counter()
        gamification.update_goal()
        env.flush_all()
        elapsed = time.perf_counter() - t0
        mode = "batch mode" if batch_mode else "one query per goal"
        say(f"gamification ({mode}): update_goal on {len(gamification)} goals: {elapsed:.2f}s")
        cr.commit()
        return elapsed

    gam_single = update(False)
    gam_batch = update(True)
    env.invalidate_all()
    ours_same, _ = timed(f"ours: refresh the same {len(ours)} goals", ours._refresh_progress)
    cr.commit()
    same = all(
        float_compare(g.current, o.current_value, precision_digits=2) == 0
        for g, o in zip(gamification, ours, strict=True)
    )
    return {
        "gamification_goals": len(gamification),
        "gamification_per_goal_s": round(gam_single, 2),
        "gamification_batch_s": round(gam_batch, 2),
        "ours_same_goals_s": round(ours_same, 2),
        "speedup_vs_per_goal": round(gam_single / ours_same, 1),
        "speedup_vs_batch": round(gam_batch / ours_same, 1),
        "same_values_as_gamification": same,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=int, default=int(os.environ.get("BENCH_GOALS", 2000)))
    parser.add_argument("--leads", type=int, default=int(os.environ.get("BENCH_LEADS", 500_000)))
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 200_000)))
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--db", default="bench_goals")
    parser.add_argument(
        "--template",
        default=os.environ.get("BENCH_TEMPLATE"),
        help="database to copy instead of an empty one (crm installed)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on a database kept by --keep"
    )
    args = parser.parse_args()

    if not args.reuse:
        create_db(args.db, args.template, say, modules="crm_strategy,gamification")
    cr, env = open_env(args.db)
    try:
        if args.reuse:
            # a database kept by --keep: forget the previous gamification goals
            env["gamification.goal"].search([]).unlink()
            env["gamification.goal.definition"].search(
                [("name", "in", ["Leads created", "Opportunities won", "Revenue won"])]
            ).unlink()
            cr.commit()
            create_s = None
        else:
            users, teams, team_of = build_people(env, args)
            build_data(cr, env, users, team_of, args)
            cr.commit()
            _goals, create_s = build_goals(env, users, teams, args)
        results = {
            "leads": args.leads,
            "orders": args.orders,
            "users": args.users,
            "teams": args.teams,
            "create_goals_s": create_s and round(create_s, 2),
            **bench_refresh(cr, env, args),
            **bench_gamification(cr, env, args),
        }
    finally:
        close_env(cr, args.db)
    finish(results, args.db, keep=args.keep or args.reuse)


if __name__ == "__main__":
    main()
