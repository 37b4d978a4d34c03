#!/usr/bin/env python3
"""Benchmark: buyer persona assignment and per-persona numbers.

Builds a scratch database with crm_strategy, generates partners and leads with
SQL, then times in the same run:
  - our assignment (`crm.persona._assign`) over every partner without persona,
    against the bare SQL lower bound: one UPDATE that scores every partner
    against every persona with the same criteria and keeps the best;
  - our per-persona numbers (`_compute_numbers`) against the bare SQL
    aggregates they need.

Usage: python3 bench/bench_persona.py [--partners 200000] [--leads 200000] [--keep]
Needs Odoo 18.0 importable by this interpreter (see README.md).
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DB = "crm_strategy_bench_persona"


def addons_path():
    import odoo  # noqa: PLC0415

    root = Path(odoo.__file__).parent
    paths = [REPO, root.parent / "addons", root / "addons"]
    return ",".join(str(p) for p in paths if p.is_dir())


def create_database():
    subprocess.run(["dropdb", "--if-exists", DB], check=True, stderr=subprocess.DEVNULL)
    subprocess.run(
        [
            sys.executable, "-m", "odoo", "-d", DB, f"--addons-path={addons_path()}",
            "-i", "crm_strategy", "--without-demo=all", "--stop-after-init",
            "--log-level=warn", "--max-cron-threads=0", "--no-http",
        ],
        check=True,
    )  # fmt: skip


def timed(label, func, results):
    t0 = time.perf_counter()
    value = func()
    results[label] = time.perf_counter() - t0
    print(f"  {label:<40} {results[label]:8.3f} s", flush=True)
    return value


def generate(env, partners, leads):
    cr = env.cr
    countries = env["res.country"].search([], limit=20).ids
    industries = env["res.partner.industry"].search([]).ids
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, active, type, is_company, country_id,
                                 industry_id, function, customer_rank, lang, autopost_bills)
        SELECT 'Bench ' || g, 'Bench ' || g, true, 'contact', g %% 3 = 0,
               (%(countries)s)[1 + g %% array_length(%(countries)s, 1)],
               (%(industries)s)[1 + g %% array_length(%(industries)s, 1)],
               CASE WHEN g %% 7 = 0 THEN 'IT Manager' WHEN g %% 11 = 0 THEN 'Owner' END,
               g %% 2, 'en_US', 'ask'
          FROM generate_series(1, %(n)s) g
        """,
        {"countries": countries, "industries": industries, "n": partners},
    )
    cr.execute("SELECT id FROM crm_stage ORDER BY sequence LIMIT 1")
    stage_id = cr.fetchone()[0]
    cr.execute(
        """
        INSERT INTO crm_lead (name, type, active, stage_id, partner_id, expected_revenue,
                              probability, company_id, day_close, lifecycle_stage,
                              lifecycle_stage_max)
        SELECT 'Lead ' || g, CASE WHEN g %% 2 = 0 THEN 'opportunity' ELSE 'lead' END,
               g %% 10 <> 0, %(stage)s, p.id, (g %% 1000) * 10, CASE WHEN g %% 10 = 0 THEN 0 END,
               %(company)s, g %% 90,
               CASE WHEN g %% 2 = 0 THEN 'opportunity' ELSE 'lead' END,
               CASE WHEN g %% 2 = 0 THEN 'opportunity' ELSE 'lead' END
          FROM generate_series(1, %(n)s) g
          JOIN LATERAL (SELECT id FROM res_partner WHERE name = 'Bench ' || (1 + g %% %(p)s)) p
            ON true
        """,
        {"stage": stage_id, "company": env.company.id, "n": leads, "p": partners},
    )
    env.invalidate_all()
    Persona = env["crm.persona"]
    return Persona.create(
        [
            {
                "name": f"Persona {i}",
                "country_ids": [(6, 0, countries[i * 3 : i * 3 + 4])],
                "industry_ids": [(6, 0, industries[i * 2 : i * 2 + 3])],
                "job_titles": "IT Manager" if i % 2 else "Owner",
                "min_fit_score": 60,
            }
            for i in range(5)
        ]
    )


def sql_lower_bound_assign(env, personas):
    """One UPDATE scoring every partner against every persona, best persona wins."""
    rows = []
    for p in personas:
        rows.append(
            env.cr.mogrify(
                "(%s, %s, %s::int[], %s::int[], %s, %s)",
                [p.id, p.sequence, p.country_ids.ids, p.industry_ids.ids,
                 f"%{p.job_titles}%", p.min_fit_score],
            ).decode()
        )  # fmt: skip
    env.cr.execute(
        f"""
        WITH persona(id, seq, countries, industries, title, min_score) AS (
            VALUES {", ".join(rows)}
        ), scored AS (
            SELECT DISTINCT ON (rp.id) rp.id AS partner_id, persona.id AS persona_id
              FROM res_partner rp, persona
             WHERE rp.persona_id IS NULL AND rp.persona_manual IS NOT TRUE
               AND 100 * ((rp.country_id = ANY(persona.countries))::int
                        + (rp.industry_id = ANY(persona.industries))::int
                        + (coalesce(rp.function ILIKE persona.title, false))::int) / 3
                   >= persona.min_score
             ORDER BY rp.id,
                      ((rp.country_id = ANY(persona.countries))::int
                        + (rp.industry_id = ANY(persona.industries))::int
                        + (coalesce(rp.function ILIKE persona.title, false))::int) DESC,
                      persona.seq, persona.id
        )
        UPDATE res_partner rp SET persona_id = scored.persona_id
          FROM scored WHERE rp.id = scored.partner_id
        """  # only literals from mogrify
    )
    return env.cr.rowcount


def sql_lower_bound_numbers(env, personas):
    env.cr.execute(
        """
        SELECT persona_id, count(*) FROM res_partner
         WHERE persona_id = ANY(%(ids)s) AND customer_rank > 0 GROUP BY persona_id;
        SELECT l.persona_id, l.type, count(*), sum(expected_revenue), avg(day_close),
               bool_and(s.is_won), l.active
          FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id
         WHERE l.persona_id = ANY(%(ids)s)
         GROUP BY l.persona_id, l.type, s.is_won, l.active, (l.probability = 0)
        """,
        {"ids": personas.ids},
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=200_000)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    print(f"creating {DB} ...", flush=True)
    create_database()
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config([f"--addons-path={addons_path()}", "-d", DB, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(DB)
    results = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        print(f"generating {args.partners} partners and {args.leads} leads ...", flush=True)
        personas = generate(env, args.partners, args.leads)
        cr.commit()

        print("assignment of personas to partners without one:")
        cr.execute("SAVEPOINT bench")
        bound = timed("bare SQL lower bound (one UPDATE)", lambda: sql_lower_bound_assign(
            env, personas), results)  # fmt: skip
        cr.execute("ROLLBACK TO SAVEPOINT bench")
        env.invalidate_all()
        ours = timed("crm.persona._assign (ORM, set-based)", lambda: personas._assign(
            "res.partner"), results)  # fmt: skip
        print(f"  assigned: ours {ours}, bound {bound}")
        env.flush_all()

        print("numbers for every persona:")
        env["crm.lead"].flush_model()
        cr.execute(
            "UPDATE crm_lead l SET persona_id = p.persona_id FROM res_partner p"
            " WHERE p.id = l.partner_id"
        )
        env.invalidate_all()
        timed("bare SQL aggregates", lambda: sql_lower_bound_numbers(env, personas), results)
        env.invalidate_all()
        timed("crm.persona numbers (4 grouped queries)", lambda: personas.mapped("win_rate"),
              results)  # fmt: skip
        cr.rollback()

    ratio_assign = (
        results["crm.persona._assign (ORM, set-based)"]
        / results["bare SQL lower bound (one UPDATE)"]
    )
    ratio_numbers = (
        results["crm.persona numbers (4 grouped queries)"] / results["bare SQL aggregates"]
    )
    print(f"ratio assignment: {ratio_assign:.2f}x the bound")
    print(f"ratio numbers:    {ratio_numbers:.2f}x the bound")
    if not args.keep:
        odoo.sql_db.close_db(DB)
        subprocess.run(["dropdb", "--if-exists", DB], check=False)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TZ", "UTC")
    sys.exit(main())
