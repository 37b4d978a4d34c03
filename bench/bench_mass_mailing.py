#!/usr/bin/env python3
"""Cost per mailing event of turning opens, clicks, replies and bounces into engagement events.

Builds a scratch database with crm_strategy_mass_mailing, one mailing to leads with its traces
generated in SQL (opens, replies, bounces, clicks on a tracked link), then times in the same run:
- ours: `mailing.trace._crm_engagement_convert` until nothing is left (pending query,
  crm_strategy's validation, ORM create, lead matching and rescoring);
- the bare SQL bound: one INSERT ... SELECT of the same rows from the model's pending query.
"""

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import close_env, create_db, finish, make_say, open_env, timed

say = make_say("mass_mailing")


def build_data(cr, env, args):
    env["crm.scoring.model"].search([]).action_archive()
    env["crm.scoring.model"].create(
        {
            "name": "Bench e-mail",
            "rule_ids": [
                (0, 0, {"name": n, "rule_type": "engagement", "event_type": t, "points": p})
                for n, t, p in (("Open", "email_open", 2), ("Click", "email_click", 5))
            ],
        }
    )
    leads = env["crm.lead"].create(
        [{"name": f"Lead {i}", "email_from": f"lead{i}@example.com"} for i in range(args.leads)]
    )
    mailing = env["mailing.mailing"].create(
        {
            "name": "Bench",
            "subject": "Bench",
            "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
            "body_html": "<p>x</p>",
        }
    )
    link = env["link.tracker"].create({"url": "https://shop.example.com/pricing"})
    # one trace per lead and send: opened 1 in 2, replied 1 in 10, bounced 1 in 20
    cr.execute(
        """
        INSERT INTO mailing_trace (trace_type, model, res_id, email, mass_mailing_id,
                                   trace_status, sent_datetime, open_datetime, reply_datetime,
                                   create_date, write_date)
        SELECT 'mail', 'crm.lead', l, 'lead' || i || '@example.com', %s,
               CASE WHEN i %% 20 = 0 THEN 'bounce' WHEN i %% 10 = 0 THEN 'reply'
                    WHEN i %% 2 = 0 THEN 'open' ELSE 'sent' END,
               now() at time zone 'UTC' - interval '2 days',
               CASE WHEN i %% 2 = 0 AND i %% 20 != 0
                    THEN now() at time zone 'UTC' - interval '1 day' END,
               CASE WHEN i %% 10 = 0 AND i %% 20 != 0
                    THEN now() at time zone 'UTC' - interval '1 day' END,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %s) i, LATERAL (SELECT (%s::int[])[1 + i %% %s] AS l) x
        """,
        (mailing.id, args.traces, leads.ids, len(leads)),
    )
    cr.execute(
        """
        INSERT INTO link_tracker_click (link_id, mailing_trace_id, mass_mailing_id, create_date)
        SELECT %s, t.id, t.mass_mailing_id, t.open_datetime + interval '1 minute'
          FROM mailing_trace t WHERE t.open_datetime IS NOT NULL AND t.id %% 4 = 0
        """,
        (link.id,),
    )
    env.invalidate_all()
    cr.execute("ANALYZE")


def bound(env, since):
    from odoo.tools import SQL  # noqa: PLC0415

    env.execute_query(
        SQL(
            """
            INSERT INTO crm_engagement_event
                   (company_id, lead_id, partner_id, email, event_type, url, url_path,
                    timestamp, idempotency_key, payload,
                    create_uid, create_date, write_uid, write_date)
            SELECT p.company_id, p.lead_id, p.partner_id, p.email, p.event_type, p.url, p.url,
                   p.ts, p.key,
                   jsonb_build_object('mailing_id', p.mailing_id, 'mailing_trace_id', p.trace),
                   1, now(), 1, now()
              FROM (%s) p(key, event_type, ts, company_id, lead_id, partner_id, email, url,
                          mailing_id, trace)
            """,
            env["mailing.trace"]._crm_engagement_pending_sql(since, None),
        )
    )


def ours(env, batch):
    total, more = 0, True
    while more:
        done, more = env["mailing.trace"]._crm_engagement_convert(batch)
        total += done
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=5_000)
    parser.add_argument("--traces", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--db", default="bench_mass_mailing")
    parser.add_argument("--template", default=os.environ.get("BENCH_TEMPLATE"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    create_db(args.db, args.template, say, modules="crm_strategy_mass_mailing")
    cr, env = open_env(args.db)
    try:
        from odoo import fields  # noqa: PLC0415

        build_data(cr, env, args)
        cr.commit()
        since = fields.Datetime.now() - timedelta(days=30)
        cr.execute("SAVEPOINT bench")
        bound_s, _ = timed("bare SQL bound (one INSERT ... SELECT)", lambda: bound(env, since))
        cr.execute("SELECT count(*) FROM crm_engagement_event")
        bound_rows = cr.fetchone()[0]
        cr.execute("ROLLBACK TO SAVEPOINT bench")
        env.invalidate_all()
        ours_s, converted = timed("ours (conversion + rescoring)", lambda: ours(env, args.batch))
        again_s, again = timed("ours again (nothing new)", lambda: ours(env, args.batch))
        results = {
            "traces": args.traces,
            "converted": converted,
            "bound_rows": bound_rows,
            "converted_again": again,
            "ours_s": round(ours_s, 3),
            "bound_s": round(bound_s, 3),
            "ratio": round(ours_s / bound_s, 2),
            "ours_ms_per_event": round(1000 * ours_s / max(converted, 1), 3),
            "bound_ms_per_event": round(1000 * bound_s / max(bound_rows, 1), 3),
            "nothing_new_s": round(again_s, 3),
        }
        cr.rollback()
    finally:
        close_env(cr, args.db)
    finish(results, args.db, keep=args.keep)


if __name__ == "__main__":
    main()
