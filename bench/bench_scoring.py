#!/usr/bin/env python3
"""Lead scoring benchmark: full rescore vs the bare-SQL lower bound, and HTTP ingestion.

Builds a scratch database (crm_strategy installed, no demo), generates leads and
engagement events in SQL, then in the same run:

1. times `crm.lead._score_leads` over every lead (cold: every score changes, so every
   lead is written and gets a history row; warm: nothing changed, compute only);
2. times one hand-written SQL statement computing the same fit + engagement scores
   (same decay, caps, floor/ceiling) and writing them: the lower bound;
3. checks both give the same scores, prints the ratios;
4. starts Odoo on loopback and POSTs batches of 1,000 events to /crm_strategy/events
   with an integration key, and prints events/s.

Usage: bench/bench_scoring.py [--leads 200000] [--events 5000000] [--http-events 50000]
Sizes are arguments: run a smaller size on a small machine and say so.
"""

import argparse
import json
import os
import random
import socket
import subprocess
import threading
import time
import urllib.request

from benchlib import close_env, create_db, finish, make_say, odoo_cmd, open_env, timed

say = make_say("bench_scoring")


FIT_SQL = """
    CASE WHEN l.country_id = %(be)s THEN 20 ELSE 0 END
  + CASE WHEN l.email_from ILIKE '%%@gmail.com' THEN -10 ELSE 0 END
  + CASE WHEN l.type = 'opportunity' THEN 15 ELSE 0 END
  + CASE WHEN l.priority IN ('2', '3') THEN 10 ELSE 0 END
"""


def build_data(cr, env, args):
    be = env.ref("base.be").id
    company = env.company.id
    say(f"generating {args.leads} leads and {args.events} events in SQL")
    t0 = time.perf_counter()
    cr.execute(
        """
        INSERT INTO crm_lead (name, type, active, company_id, country_id, email_from,
                              email_normalized, priority, lifecycle_stage, lifecycle_stage_max,
                              create_date, write_date, create_uid, write_uid)
        SELECT 'Lead ' || g, CASE WHEN g %% 5 = 0 THEN 'opportunity' ELSE 'lead' END, true,
               %(company)s, CASE WHEN g %% 3 = 0 THEN %(be)s END,
               'p' || g || CASE WHEN g %% 4 = 0 THEN '@gmail.com' ELSE '@corp.example' END,
               'p' || g || CASE WHEN g %% 4 = 0 THEN '@gmail.com' ELSE '@corp.example' END,
               (g %% 4)::text, 'lead', 'lead',
               now() - (g %% 365) * interval '1 day', now(), 1, 1
          FROM generate_series(1, %(n)s) g
        """,
        {"company": company, "be": be, "n": args.leads},
    )
    cr.execute("SELECT min(id), max(id) FROM crm_lead")
    lo, hi = cr.fetchone()
    types = [
        "page_view",
        "page_view",
        "page_view",
        "email_open",
        "email_click",
        "download",
        "form_submit",
        "social_like",
        "unsubscribe",
        "meeting_booked",
    ]
    paths = ["/pricing", "/pricing/enterprise", "/blog/post", "/docs/start", "/", "/contact"]
    cr.execute(
        """
        INSERT INTO crm_engagement_event (company_id, lead_id, event_type, url, url_path,
                                          timestamp, create_date, write_date, create_uid,
                                          write_uid)
        SELECT %(company)s, %(lo)s + (random() * (%(hi)s - %(lo)s))::int,
               (%(types)s::varchar[])[1 + (random() * 9)::int],
               p.path, p.path,
               now() - random() * interval '180 days', now(), now(), 1, 1
          FROM generate_series(1, %(n)s) g,
       LATERAL (SELECT (%(paths)s::varchar[])[1 + (random() * 5 + g * 0)::int] AS path) p
        """,
        {"company": company, "lo": lo, "hi": hi, "types": types, "paths": paths, "n": args.events},
    )
    cr.execute("ANALYZE crm_lead; ANALYZE crm_engagement_event")
    say(f"data generated in {time.perf_counter() - t0:.1f}s")
    model = env["crm.scoring.model"].create(
        {
            "name": "Bench",
            "score_floor": 0,
            "score_ceiling": 100,
            "hot_threshold": 60,
            "rule_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Belgian",
                        "rule_type": "fit",
                        "points": 20,
                        "domain": f"[('country_id', '=', {be})]",
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Free mailbox",
                        "rule_type": "fit",
                        "points": -10,
                        "domain": "[('email_from', '=ilike', '%@gmail.com')]",
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Opportunity",
                        "rule_type": "fit",
                        "points": 15,
                        "domain": "[('type', '=', 'opportunity')]",
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "High priority",
                        "rule_type": "fit",
                        "points": 10,
                        "domain": "[('priority', 'in', ['2', '3'])]",
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Pricing",
                        "rule_type": "engagement",
                        "event_type": "page_view",
                        "url_pattern": "/pricing*",
                        "points": 10,
                        "decay_mode": "half_life",
                        "half_life_days": 14,
                        "period_cap": 20,
                        "cap_period": "day",
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Any page",
                        "rule_type": "engagement",
                        "event_type": "page_view",
                        "points": 1,
                        "max_points": 15,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Opens",
                        "rule_type": "engagement",
                        "event_type": "email_open",
                        "points": 2,
                        "decay_mode": "expiry",
                        "expiry_days": 30,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Clicks",
                        "rule_type": "engagement",
                        "event_type": "email_click",
                        "points": 5,
                        "decay_mode": "half_life",
                        "half_life_days": 30,
                        "max_points": 25,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Download",
                        "rule_type": "engagement",
                        "event_type": "download",
                        "points": 15,
                        "decay_mode": "half_life",
                        "half_life_days": 60,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Unsubscribed",
                        "rule_type": "engagement",
                        "event_type": "unsubscribe",
                        "points": -30,
                    },
                ),
            ],
        }
    )
    env.flush_all()
    cr.commit()
    return model, be


BOUND_SQL = (
    """
WITH fit AS (
    SELECT l.id AS lead_id, ("""
    + FIT_SQL
    + """)::float8 AS pts FROM crm_lead l
), ev AS (
    SELECT e.lead_id, r.id AS rule_id, r.max_points, r.period_cap,
           SUM(r.points * CASE WHEN r.decay_mode = 'half_life'
                               THEN power(0.5, EXTRACT(EPOCH FROM (%(now)s - e.timestamp))
                                               / 86400.0 / r.half_life_days)
                               ELSE 1.0 END) AS pts
      FROM crm_engagement_event e
      JOIN crm_scoring_rule r ON r.model_id = %(model)s AND r.rule_type = 'engagement'
       AND r.event_type = e.event_type AND (r.url_like IS NULL OR e.url_path LIKE r.url_like)
     WHERE e.timestamp <= %(now)s
       AND (r.decay_mode != 'expiry'
            OR e.timestamp > %(now)s - make_interval(days => r.expiry_days))
  GROUP BY e.lead_id, r.id,
           CASE WHEN r.period_cap > 0 THEN date_trunc(r.cap_period, e.timestamp) END
), per_rule AS (
    SELECT lead_id, max_points,
           SUM(CASE WHEN period_cap > 0 THEN sign(pts) * LEAST(abs(pts), period_cap) ELSE pts END)
               AS pts
      FROM ev GROUP BY lead_id, rule_id, max_points
), eng AS (
    SELECT lead_id, round(SUM(CASE WHEN max_points > 0 THEN sign(pts) * LEAST(abs(pts), max_points)
                                   ELSE pts END))::int AS pts
      FROM per_rule GROUP BY lead_id
), calc AS (
    SELECT f.lead_id, round(f.pts)::int AS fit, COALESCE(eng.pts, 0) AS eng
      FROM fit f LEFT JOIN eng ON eng.lead_id = f.lead_id
)
%(tail)s
"""
)
BOUND_UPDATE = """
UPDATE crm_lead l SET score_fit = c.fit, score_engagement = c.eng,
       score = LEAST(GREATEST(c.fit + c.eng, 0), 100)
  FROM calc c WHERE l.id = c.lead_id
"""
BOUND_SELECT = "SELECT count(*), sum(LEAST(GREATEST(fit + eng, 0), 100)) FROM calc"


def bench_rescore(cr, env, model, be, args):
    from odoo import fields  # noqa: PLC0415

    Lead = env["crm.lead"].with_context(active_test=False)
    ids = list(Lead._search([]))
    now = fields.Datetime.now()

    def run_bound(tail):
        sql = BOUND_SQL.replace("%(tail)s", tail).replace("%(be)s", str(be))
        cr.execute(sql, {"now": now, "model": model.id})
        return cr.fetchall() if cr.description else cr.rowcount

    ours_cold, changed = timed(
        f"ours, cold ({len(ids)} leads, all change)", lambda: Lead._score_leads(ids)
    )
    cr.execute("SELECT id, score_fit, score_engagement, score FROM crm_lead ORDER BY id")
    ours_rows = cr.fetchall()
    cr.commit()
    ours_warm, unchanged = timed("ours, warm (nothing changes)", lambda: Lead._score_leads(ids))
    cr.commit()
    bound_compute, _ = timed("bare SQL, compute only", lambda: run_bound(BOUND_SELECT))
    bound_update, _ = timed(
        "bare SQL, compute + UPDATE every lead", lambda: run_bound(BOUND_UPDATE)
    )
    cr.execute("SELECT id, score_fit, score_engagement, score FROM crm_lead ORDER BY id")
    same = cr.fetchall() == ours_rows
    cr.rollback()
    return {
        "leads": len(ids),
        "changed_cold": changed,
        "changed_warm": unchanged,
        "ours_cold_s": round(ours_cold, 2),
        "ours_warm_s": round(ours_warm, 2),
        "bound_update_s": round(bound_update, 2),
        "bound_compute_s": round(bound_compute, 2),
        "ratio_cold": round(ours_cold / bound_update, 2),
        "ratio_warm": round(ours_warm / bound_compute, 2),
        "same_scores": same,
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_http(cr, env, args):
    integration = env["crm.scoring.integration"].create({"name": "Bench"})
    key = integration._generate_key()
    cr.execute("SELECT min(id), max(id) FROM crm_lead")
    lo, hi = cr.fetchone()
    cr.commit()
    port = args.port or free_port()
    server_args = [
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--db-filter=^{args.db}$",
        "--log-level=warn",
        f"--workers={args.workers}",
        f"--gevent-port={free_port()}",
    ]
    if args.workers:
        server_args += ["--limit-time-real=600", "--limit-time-cpu=600"]
    server = subprocess.Popen(odoo_cmd(args.db, *server_args))
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/web/webclient/version_info", data=b"{}", timeout=2
                )
                break
            except OSError:
                time.sleep(1)
        rng = random.Random(42)
        batches = []
        for b in range(args.http_events // args.batch):
            batches.append(
                json.dumps(
                    [
                        {
                            "type": rng.choice(
                                ["page_view", "email_open", "email_click", "download"]
                            ),
                            "lead_id": rng.randint(lo, hi),
                            "url": "/pricing",
                            "utm_source": "bench",
                            "idempotency_key": f"bench-{b}-{i}",
                        }
                        for i in range(args.batch)
                    ]
                ).encode()
            )
        # one warm-up request (routing map, registry caches), not timed
        warm = json.dumps([{"type": "page_view", "lead_id": lo, "idempotency_key": "warm"}])
        post(port, key, warm.encode())
        statuses = []
        lock = threading.Lock()
        queue = list(batches)

        def worker():
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                status = post(port, key, body)
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        sent = len(batches) * args.batch
        ok = statuses.count(201)
        say(
            f"HTTP: {sent} events in {len(batches)} requests, {args.clients} clients, "
            f"{elapsed:.2f}s -> {sent / elapsed:.0f} events/s ({ok} x 201)"
        )
        return {
            "http_events": sent,
            "http_s": round(elapsed, 2),
            "events_per_s": round(sent / elapsed),
            "all_201": ok == len(batches),
            "clients": args.clients,
            "workers": args.workers,
        }
    finally:
        server.terminate()
        server.wait(timeout=60)


def post(port, key, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/crm_strategy/events",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status
    except urllib.error.HTTPError as error:
        say(f"HTTP {error.code}: {error.read()[:300]!r}")
        return error.code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--http-events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers (0: threaded)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--db", default="bench_scoring")
    parser.add_argument(
        "--template",
        default=os.environ.get("BENCH_TEMPLATE"),
        help="database to copy instead of an empty one (crm installed)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    create_db(args.db, args.template, say)
    cr, env = open_env(args.db)
    try:
        model, be = build_data(cr, env, args)
        results = {"events": args.events, **bench_rescore(cr, env, model, be, args)}
        if args.http_events:
            results.update(bench_http(cr, env, args))
    finally:
        close_env(cr, args.db)
    finish(results, args.db, keep=args.keep)


if __name__ == "__main__":
    main()
