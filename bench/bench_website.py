#!/usr/bin/env python3
"""Cost per page view of turning website tracks into engagement events (crm_strategy_website).

Builds a scratch database with crm_strategy_website, links some visitors to leads, generates page
views in SQL (most of them anonymous), then times in the same run:
- ours: `website.track._crm_engagement_convert` in batches until nothing is left (pending query,
  crm_strategy's validation, ORM create, lead matching and rescoring of the leads);
- the bare SQL bound: one INSERT ... SELECT of the same rows from the model's pending query.
Page serving itself is untouched (no hook runs while a page is served).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import close_env, create_db, finish, make_say, open_env, timed

say = make_say("website")


def build_data(cr, env, args):
    env["crm.scoring.model"].search([]).action_archive()
    env["crm.scoring.model"].create(
        {
            "name": "Bench website",
            "rule_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Pricing",
                        "rule_type": "engagement",
                        "event_type": "page_view",
                        "url_pattern": "/pricing*",
                        "points": 5,
                        "max_points": 50,
                    },
                )
            ],
        }
    )
    website = env["website"].search([], limit=1)
    leads = env["crm.lead"].create([{"name": f"Bench lead {i}"} for i in range(args.leads)])
    visitors = env["website.visitor"].create(
        [
            {"access_token": f"{i:032x}", "website_id": website.id}
            for i in range(args.leads * args.anonymous_ratio + args.leads)
        ]
    )
    env.cr.execute(
        "INSERT INTO crm_lead_website_visitor_rel (crm_lead_id, website_visitor_id) "
        "SELECT l, v FROM unnest(%s::int[], %s::int[]) AS t(l, v)",
        (leads.ids, visitors.ids[: args.leads]),
    )
    env.cr.execute(
        """
        INSERT INTO website_track (visitor_id, url, visit_datetime)
        SELECT (%s::int[])[1 + (i %% %s)],
               'https://shop.example.com'
                   || (ARRAY['/pricing', '/about', '/shop', '/blog'])[1 + i %% 4],
               now() at time zone 'UTC' - (i %% 86400) * interval '1 second'
          FROM generate_series(1, %s) i
        """,
        (visitors.ids, len(visitors), args.tracks),
    )
    env.invalidate_all()
    env.cr.execute("ANALYZE")
    env.cr.execute(
        "SELECT count(*) FROM website_track t JOIN crm_lead_website_visitor_rel r "
        "ON r.website_visitor_id = t.visitor_id"
    )
    return env.cr.fetchone()[0]


def bound(env):
    pending = env["website.track"]._crm_engagement_pending_sql(None)
    from odoo.tools import SQL  # noqa: PLC0415

    env.execute_query(
        SQL(
            """
            INSERT INTO crm_engagement_event
                   (company_id, lead_id, partner_id, event_type, url, url_path, timestamp,
                    idempotency_key, payload, create_uid, create_date, write_uid, write_date)
            SELECT p.company_id, p.lead_id, p.partner_id, 'page_view', p.url, p.url,
                   p.visit_datetime, 'website.track:' || p.id,
                   jsonb_build_object('website_track_id', p.id, 'website_visitor_id', p.visitor_id),
                   1, now(), 1, now()
              FROM (%s) p(id, url, visit_datetime, visitor_id, company_id, lead_id, partner_id)
            """,
            pending,
        )
    )


def ours(env, batch):
    total = 0
    more = True
    while more:
        done, more = env["website.track"]._crm_engagement_convert(batch)
        total += done
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2_000)
    parser.add_argument("--anonymous-ratio", type=int, default=4)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--db", default="bench_website")
    parser.add_argument("--template", default=os.environ.get("BENCH_TEMPLATE"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    create_db(args.db, args.template, say, modules="crm_strategy_website")
    cr, env = open_env(args.db)
    try:
        linked = build_data(cr, env, args)
        cr.commit()
        say(f"{args.tracks} page views, {linked} of visitors linked to a lead")
        cr.execute("SAVEPOINT bench")
        bound_s, _ = timed("bare SQL bound (one INSERT ... SELECT)", lambda: bound(env))
        cr.execute("SELECT count(*) FROM crm_engagement_event")
        bound_rows = cr.fetchone()[0]
        cr.execute("ROLLBACK TO SAVEPOINT bench")
        env.invalidate_all()
        ours_s, converted = timed(
            "ours (batched conversion + rescoring)", lambda: ours(env, args.batch)
        )
        again_s, again = timed("ours again (nothing new)", lambda: ours(env, args.batch))
        cr.execute("SELECT count(*) FROM crm_lead WHERE score > 0")
        scored = cr.fetchone()[0]
        results = {
            "tracks": args.tracks,
            "linked_views": linked,
            "converted": converted,
            "bound_rows": bound_rows,
            "converted_again": again,
            "leads_scored": scored,
            "ours_s": round(ours_s, 3),
            "bound_s": round(bound_s, 3),
            "ratio": round(ours_s / bound_s, 2),
            "ours_ms_per_view": round(1000 * ours_s / max(converted, 1), 3),
            "bound_ms_per_view": round(1000 * bound_s / max(bound_rows, 1), 3),
            "nothing_new_s": round(again_s, 3),
        }
        cr.rollback()
    finally:
        close_env(cr, args.db)
    finish(results, args.db, keep=args.keep)


if __name__ == "__main__":
    main()
