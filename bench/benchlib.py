"""What the benchmark scripts share: finding Odoo, a scratch database, an environment, a timer."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


_say = print


def make_say(name):
    """The script's reporter, prefixed with its name; `timed` reports through it too."""
    global _say

    def say(msg):
        print(f"[{name}] {msg}", flush=True)

    _say = say
    return say


def addons_path():
    import odoo  # noqa: PLC0415

    root = Path(odoo.__file__).resolve().parent
    paths = [REPO, root.parent / "addons", root / "addons"]
    return ",".join(str(p) for p in paths if p.is_dir())


def odoo_cmd(db, *args):
    import odoo  # noqa: PLC0415

    # odoo-bin rather than -m odoo: prefork servers re-run sys.argv[0] for the gevent worker
    odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
    launcher = [str(odoo_bin)] if odoo_bin.exists() else ["-m", "odoo"]
    return [
        sys.executable,
        *launcher,
        "-d",
        db,
        f"--addons-path={addons_path()}",
        "--without-demo=all",
        "--max-cron-threads=0",
        *args,
    ]


def create_db(db, template, say, modules="crm_strategy"):
    """A fresh database (copied from `template` if given) with `modules` installed, no demo."""
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    if template:
        say(f"copying template {template} into {db}")
        subprocess.run(["createdb", "-T", template, db], check=True)
    say(f"installing {modules}")
    subprocess.run(
        odoo_cmd(db, "-i", modules, "--stop-after-init", "--log-level=warn", "--http-port=0"),
        check=True,
    )


def open_env(db, context=None):
    import odoo  # noqa: PLC0415
    from odoo import api  # noqa: PLC0415

    odoo.tools.config.parse_config(["-d", db, f"--addons-path={addons_path()}", "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db)
    cr = registry.cursor()
    return cr, api.Environment(cr, odoo.SUPERUSER_ID, context or {})


def close_env(cr, db):
    """Close the benchmark's cursor and the database's connections (before dropping it)."""
    import odoo  # noqa: PLC0415

    cr.close()
    odoo.sql_db.close_db(db)


def finish(results, db, keep=False):
    """Print the results as JSON, then drop the scratch database unless asked to keep it."""
    print(json.dumps(results, indent=2))
    if not keep:
        subprocess.run(["dropdb", "--if-exists", db], check=False)


def timed(label, func):
    """Run func, say how long it took; with BENCH_PROFILE set, print its profile too."""
    profile = os.environ.get("BENCH_PROFILE") and __import__("cProfile").Profile()
    t0 = time.perf_counter()
    if profile:
        profile.enable()
    result = func()
    elapsed = time.perf_counter() - t0
    if profile:
        profile.disable()
        __import__("pstats").Stats(profile).sort_stats("cumulative").print_stats(25)
    _say(f"{label}: {elapsed:.2f}s")
    return elapsed, result


def bulk_load_begin(cr, tables):
    """Load generated rows as a restore would: drop the secondary indexes of `tables` (not
    those of constraints) and turn the session's triggers off (foreign-key checks, guards:
    generated rows reference existing records by construction; needs a superuser). Returns
    the dropped indexes for `bulk_load_end`."""
    from odoo.tools import SQL  # noqa: PLC0415

    cr.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes
         WHERE tablename = ANY(%s)
           AND indexname NOT IN (SELECT conname FROM pg_constraint)
        """,
        [list(tables)],
    )
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
    cr.execute("SET session_replication_role = replica")
    return indexes


def bulk_load_end(cr, indexes):
    """Triggers back on, then the indexes `bulk_load_begin` dropped rebuilt, once each."""
    cr.execute("SET session_replication_role = DEFAULT")
    _say(f"rebuilding {len(indexes)} indexes")
    cr.execute("SET maintenance_work_mem = '512MB'")
    for _name, definition in indexes:
        cr.execute(definition)
    cr.execute("RESET maintenance_work_mem")


def insert_bench_customers(cr, count):
    """`count` companies named 'Bench customer N', each its own commercial entity."""
    cr.execute(
        """
        INSERT INTO res_partner
               (name, active, type, is_company, autopost_bills, create_date, write_date)
        SELECT 'Bench customer ' || g, TRUE, 'contact', TRUE, 'ask', NOW(), NOW()
          FROM generate_series(1, %s) g
        """,
        [count],
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE name LIKE 'Bench customer %%'"
    )
