#!/usr/bin/env python3
"""Serve crm_strategy's read-only screens from a PostgreSQL hot standby, and prove it.

What `make replica-check` runs (see docs/deployment.md):

1. the primary (the PostgreSQL reached by psql, PGHOST/PGPORT/...) accepts replication
   connections from 127.0.0.1; if it does not, a `trust` line for the current role is added
   to the top of its pg_hba.conf and the configuration is reloaded (said on the output);
2. a scratch database with crm_strategy, a salesperson, a portal member and some data
   (persona, customers with orders and their customer value, a loyalty card with points,
   a goal, leads);
3. a hot standby of the primary on this machine (`pg_basebackup -R`, port 55433) that logs
   every statement it runs into its own log file;
4. Odoo with `--workers=2 --db_replica_host=127.0.0.1 --db_replica_port=55433`;
5. as the salesperson (and the member, for the portal page) the calls each screen makes:
   web_search_read / web_read / read_group with the fields of the screen's real views, the
   statement report, the portal points page;
6. for each call, three proofs: Odoo's request log line says the request ran on a read-only
   cursor (`ro`, not `ro->rw` = a write was attempted and retried on the primary, not `rw`),
   the standby's own statement log shows the screen's table read during the request, and no
   "read-only transaction" error anywhere.

Prints one line per screen and exits non-zero if any failed. Cleans up everything it started
(Odoo, the standby, its directory, the database) unless --keep. Run it with the Python that
imports Odoo 18 (ODOO_PYTHON in the Makefile), as root or as a user allowed to run PostgreSQL.
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Odoo's addons path beside ours: one owner, the benchmarks' scaffolding
sys.path.insert(0, str(REPO / "bench"))
from benchlib import addons_path  # noqa: E402

HBA_MARKER = "# added by crm_strategy tools/replica_check.py"
PASSWORD = "replica-check-pw"  # throw-away users of a scratch database
WAIT = 90  # seconds, for every bounded wait


def say(msg):
    print(f"[replica-check] {msg}", flush=True)


def die(msg):
    print(f"[replica-check] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def psql(sql, db="postgres", **conn):
    """One value (or rows) from the primary, or from the standby with host=/port=."""
    args = ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql]
    if conn:
        args += ["-h", conn["host"], "-p", str(conn["port"])]
    args.append(db)
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def wait_for(what, probe, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if probe():
                return
        time.sleep(0.5)
    raise TimeoutError(f"gave up after {timeout}s waiting for {what}")


# ---------------------------------------------------------------- odoo


def odoo_cmd(db, *args):
    import odoo  # noqa: PLC0415

    # odoo-bin rather than -m odoo: prefork servers re-run sys.argv[0] for their workers
    odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
    launcher = [str(odoo_bin)] if odoo_bin.exists() else ["-m", "odoo"]
    return [
        sys.executable,
        *launcher,
        "-d",
        db,
        f"--db-filter=^{db}$",
        f"--addons-path={addons_path()}",
        "--without-demo=all",
        "--max-cron-threads=0",
        *args,
    ]


def create_db(db, template):
    run(["dropdb", "--if-exists", db])
    if template:
        say(f"database {db}: copy of {template}, crm_strategy updated")
        run(["createdb", "-T", template, db])
        init = ["-u", "crm_strategy"]
    else:
        say(f"database {db}: installing crm_strategy (a few minutes)")
        run(["createdb", db])
        init = ["-i", "crm_strategy"]
    run(odoo_cmd(db, *init, "--stop-after-init", "--log-level=warn", "--http-port=0"))


SEED = r"""
import json, sys
from datetime import date, timedelta
import odoo
from odoo import Command, api
from odoo.tests import new_test_user

db, addons, password = sys.argv[1:4]
odoo.tools.config.parse_config(["-d", db, f"--addons-path={addons}", "--log-level=warn"])
registry = odoo.modules.registry.Registry(db)
with registry.cursor() as cr:
    env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
    rep = new_test_user(env, login="replica_rep", name="Rhea Replica", password=password,
                        groups="sales_team.group_sale_salesman")
    member = env["res.partner"].create({"name": "Pia Portal", "email": "pia@example.com"})
    portal = new_test_user(env, login="replica_member", name="Pia Portal", password=password,
                           groups="base.group_portal", partner_id=member.id)
    persona = env["crm.persona"].create({"name": "Replica Rachel"})
    product = env["product.product"].create(
        {"name": "Replica beans", "list_price": 100.0, "type": "consu", "taxes_id": False})
    customers = env["res.partner"].create(
        [{"name": f"Replica customer {i}", "persona_id": persona.id} for i in range(4)])
    today = date.today()
    orders = env["sale.order"].create([
        {"partner_id": c.id, "user_id": rep.id,
         "order_line": [Command.create({"product_id": product.id, "price_unit": 100.0 * (i + 1)})]}
        for i, c in enumerate(customers) for _ in range(i + 1)])
    orders.action_confirm()
    env["crm.customer.value"]._refresh(env.company)
    env["crm.lead"].create([
        {"name": f"Replica lead {i}", "user_id": rep.id, "persona_id": persona.id,
         "type": "opportunity" if i % 2 else "lead", "partner_id": customers[i % 4].id}
        for i in range(6)])
    program = env["loyalty.program"].create({
        "name": "Replica Club", "program_type": "loyalty", "trigger": "auto",
        "applies_on": "both",
        "rule_ids": [Command.create({"reward_point_mode": "unit", "reward_point_amount": 1,
                                     "product_ids": [product.id]})],
        "reward_ids": [Command.create({"reward_type": "discount", "discount": 10,
                                       "discount_mode": "percent",
                                       "discount_applicability": "order",
                                       "required_points": 10})]})
    card = env["loyalty.card"].create({"program_id": program.id, "partner_id": member.id})
    card._crm_earn(120, "Welcome points")
    card._crm_redeem(20, "Mug")
    objective = env["crm.strategy.objective"].create({"name": "Replica objective"})
    goal = env["crm.smart.goal"].create({
        "name": "Replica: six leads this month", "description": "Checked on a replica.",
        "objective_id": objective.id,
        "metric_id": env.ref("crm_strategy.crm_goal_metric_leads_created").id,
        "target": 6, "owner_type": "user", "user_id": rep.id,
        "date_start": today.replace(day=1), "date_deadline": today + timedelta(days=30)})
    # as if the last refresh was long ago: opening the goal on the primary would refresh it
    cr.execute("UPDATE crm_smart_goal SET last_refresh = NULL WHERE id = %s", [goal.id])
    grid = env.ref("crm_strategy.crm_customer_value_view_pivot_grid")
    print(json.dumps({"card": card.id, "goal": goal.id, "grid_view": grid.id}))
"""


def seed(db):
    out = subprocess.run(
        [sys.executable, "-c", SEED, db, addons_path(), PASSWORD],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        die(f"seeding {db} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- postgres


def replication_ok(user):
    probe = subprocess.run(
        [
            "psql",
            "-XAtqw",
            f"host=127.0.0.1 port={primary_port()} user={user} replication=true dbname=postgres",
            "-c",
            "IDENTIFY_SYSTEM",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PGCONNECT_TIMEOUT="5"),
    )
    return probe.returncode == 0


def primary_port():
    return int(psql("SHOW port"))


def ensure_replication_allowed(user):
    """Replication connections from 127.0.0.1 for `user`; add a pg_hba line if needed."""
    if replication_ok(user):
        say("primary: accepts replication connections from 127.0.0.1")
        return
    hba = Path(psql("SHOW hba_file"))
    line = f"host replication {user} 127.0.0.1/32 trust {HBA_MARKER}\n"
    text = hba.read_text()
    if HBA_MARKER not in text:
        if not os.access(hba, os.W_OK):
            die(
                f"the primary refuses replication connections and {hba} is not writable; "
                f"add `{line.strip()}` at its top (or run as root), then reload PostgreSQL"
            )
        # first matching line wins: put ours before the others
        hba.write_text(line + text)
        say(f"primary: added to the top of {hba}: {line.strip()}")
    psql("SELECT pg_reload_conf()")
    say("primary: configuration reloaded")
    wait_for("replication connections to be accepted", lambda: replication_ok(user), 20)


def pg_bin(name):
    major = psql("SHOW server_version_num")[:-4]
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    return str(debian) if debian.exists() else shutil.which(name) or die(f"{name} not found")


class Standby:
    """A hot standby of the primary in a temporary directory, logging every statement."""

    def __init__(self, root, port):
        self.root = Path(root)
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log = self.root / "standby.log"
        self.port = port
        self.as_postgres = os.geteuid() == 0
        self.started = False

    def _as_owner(self, cmd):
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_postgres else cmd

    def create(self, user):
        say(f"standby: pg_basebackup -R of the primary into {self.data}")
        run(
            [
                pg_bin("pg_basebackup"),
                "-D",
                str(self.data),
                "-R",
                "--checkpoint=fast",
                "--no-sync",
                "-X",
                "stream",
                "-h",
                "127.0.0.1",
                "-p",
                str(primary_port()),
                "-U",
                user,
                "-w",
            ]
        )
        # Debian keeps the configuration in /etc, outside the data directory: the standby
        # gets its own. Hot standby needs these at least as high as on the primary.
        floors = {
            name: psql(f"SHOW {name}")
            for name in (
                "max_connections",
                "max_worker_processes",
                "max_wal_senders",
                "max_prepared_transactions",
                "max_locks_per_transaction",
            )
        }
        conf = {
            **floors,
            "port": self.port,
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.sock}'",
            "hot_standby": "on",
            # a throw-away standby: no fsync, which also skips the minutes-long sync of the
            # whole data directory at its first start
            "fsync": "off",
            "ssl": "off",
            "log_statement": "'all'",
            "log_line_prefix": "'%m [%p] %d %a '",
            "logging_collector": "off",
        }
        (self.data / "postgresql.conf").write_text(
            "".join(f"{key} = {value}\n" for key, value in conf.items())
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.data / "pg_ident.conf").write_text("")
        self.sock.mkdir()
        self.log.touch()
        if self.as_postgres:
            self.root.chmod(0o755)
            run(["chown", "-R", "postgres:", str(self.data), str(self.sock), str(self.log)])
        self.data.chmod(0o700)

    def start(self):
        say(f"standby: starting on 127.0.0.1:{self.port}, statements logged to {self.log}")
        self.started = True
        run(
            self._as_owner(
                [pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(WAIT)]
                + ["start"]
            ),
            stdout=subprocess.DEVNULL,
        )
        wait_for(
            "the standby to accept connections",
            lambda: psql("SELECT pg_is_in_recovery()", **self.conn) == "t",
        )
        say("standby: up, in recovery (read-only hot standby), streaming from the primary")

    @property
    def conn(self):
        return {"host": "127.0.0.1", "port": self.port}

    def catch_up(self):
        """Wait until the standby replayed everything the primary wrote so far."""
        target = psql("SELECT pg_current_wal_lsn()")
        wait_for(
            f"the standby to replay up to {target}",
            lambda: psql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'", **self.conn) == "t",
        )

    def stop(self):
        if self.started:
            subprocess.run(
                self._as_owner(
                    [pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
                ),
                check=False,
                stdout=subprocess.DEVNULL,
            )
            self.started = False


# ---------------------------------------------------------------- http


class Client:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        try:
            with self.opener.open(self.base + path, timeout=WAIT) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def jsonrpc(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
        req = urllib.request.Request(self.base + path, body, {"Content-Type": "application/json"})
        with self.opener.open(req, timeout=WAIT) as resp:
            reply = json.loads(resp.read())
        if "error" in reply:
            data = reply["error"].get("data", {})
            raise RuntimeError(data.get("message") or reply["error"].get("message"))
        return reply["result"]

    def login(self, db, login):
        return self.jsonrpc(
            "/web/session/authenticate", {"db": db, "login": login, "password": PASSWORD}
        )

    def call(self, tag, model, method, *args, **kwargs):
        # the tag in the path (call_kw/<path:path> accepts anything) finds the log line
        return self.jsonrpc(
            f"/web/dataset/call_kw/{tag}/{model}.{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


def spec_from_arch(arch, fields):
    """The web_read specification a view of this arch asks for (its own fields)."""
    root = ET.fromstring(arch)
    spec = {}

    def walk(node):
        for child in node:
            name = child.get("name") if child.tag == "field" else None
            if name in fields:
                ftype = fields[name]["type"]
                spec[name] = {"fields": {"display_name": {}}} if ftype == "many2one" else {}
                continue  # x2many sub-views: ids only
            walk(child)

    walk(root)
    return spec


def pivot_args(arch, fields):
    """read_group arguments of a pivot or graph view: measures and the row/col group-bys."""
    measures, groupby = ["__count"], []
    for node in ET.fromstring(arch).iter("field"):
        name = node.get("name")
        if name not in fields:
            continue
        if node.get("type") == "measure":
            measures.append(f"{name}:{fields[name].get('aggregator') or 'sum'}")
        else:
            interval = node.get("interval")
            groupby.append(f"{name}:{interval}" if interval else name)
    return measures, groupby


# ---------------------------------------------------------------- the check


class Check:
    def __init__(self, client, standby, odoo_log):
        self.client = client
        self.standby = standby
        self.odoo_log = odoo_log
        self.rows = []
        self.seq = 0
        self.views = {}

    def views_of(self, model, types, view_ids=None):
        """get_views as the screen does it (not read-only: Odoo serves it from the primary)."""
        view_ids = view_ids or {}
        key = (model, tuple(types), tuple(sorted(view_ids.items())))
        if key not in self.views:
            views = [[view_ids.get(t, False), t] for t in types]
            result = self.client.call("views", model, "get_views", views=views, options={})
            self.views[key] = (result["views"], result["models"][model]["fields"])
        return self.views[key]

    def measure(self, screen, table, func, expect=None):
        """Run one request of a screen; decide where it ran from the two logs."""
        self.seq += 1
        tag = f"rc{self.seq:03d}"
        standby_at = self.standby.log.stat().st_size
        odoo_at = self.odoo_log.stat().st_size
        error, result = None, None
        try:
            result = func(tag)
            if expect and not expect(result):
                error = "unexpected answer"
        except Exception as exc:  # reported in the table, the run fails
            error = str(exc).splitlines()[0][:80]
        mode, standby_lines = "?", []

        def logged():
            nonlocal mode, standby_lines
            with self.odoo_log.open(errors="replace") as f:
                f.seek(odoo_at)
                odoo_text = f.read()
            line = next((li for li in odoo_text.splitlines() if tag in li), None)
            if line is None:
                return False
            mode = line.split()[-1]
            with self.standby.log.open(errors="replace") as f:
                f.seek(standby_at)
                standby_lines = f.read().splitlines()
            return True

        with contextlib.suppress(TimeoutError):
            wait_for("the request's log line", logged, 10)
        with self.odoo_log.open(errors="replace") as f:
            f.seek(odoo_at)
            odoo_text = f.read()
        # one entry per logged statement (a statement may span several lines)
        entries = re.split(r"\n(?=\d{4}-\d\d-\d\d )", "\n".join(standby_lines))
        table_re = re.compile(rf'\b"?{table}"?\b')
        reads = [e for e in entries if "statement:" in e and table_re.search(e)]
        read_only_errors = [
            li
            for li in standby_lines + odoo_text.splitlines()
            if "read-only transaction" in li or "Failed to open a readonly cursor" in li
        ]
        ok = error is None and mode == "ro" and bool(reads) and not read_only_errors
        self.rows.append(
            {
                "screen": screen,
                "answered": "yes" if error is None else f"NO: {error}",
                "cursor": mode,
                "replica": f"yes ({len(reads)} reads of {table})" if reads else "NO",
                "writes": "attempted!" if read_only_errors else "none",
                "ok": ok,
                "sample": " ".join(reads[0].split())[:220] if reads else "",
            }
        )
        for li in read_only_errors[:3]:
            say(f"  {screen}: {li.strip()[:200]}")
        return result

    def screen_views(self, label, model, table, types, domain=(), view_ids=None):
        """The calls of a window action's views, one row per view."""
        views, fields = self.views_of(model, types, view_ids)
        first_id = None
        for vtype in types:
            arch = views[vtype]["arch"]
            if vtype in ("list", "kanban"):
                spec = spec_from_arch(arch, fields)
                res = self.measure(
                    f"{label}: {vtype}",
                    table,
                    lambda tag, spec=spec: self.client.call(
                        tag, model, "web_search_read", list(domain), spec, limit=80
                    ),
                    expect=lambda r: r["length"] > 0,
                )
                if res and res["records"]:
                    first_id = res["records"][0]["id"]
            elif vtype in ("pivot", "graph"):
                measures, groupby = pivot_args(arch, fields)
                self.measure(
                    f"{label}: {vtype}",
                    table,
                    lambda tag, m=measures, g=groupby: self.client.call(
                        tag, model, "read_group", list(domain), m, g, lazy=False
                    ),
                    expect=lambda r: len(r) > 0,
                )
            elif vtype == "form" and first_id:
                spec = spec_from_arch(arch, fields)
                self.measure(
                    f"{label}: form",
                    table,
                    lambda tag, spec=spec, rid=first_id: self.client.call(
                        tag, model, "web_read", [rid], spec
                    ),
                    expect=lambda r: len(r) == 1,
                )

    def table(self):
        cols = ("screen", "answered", "cursor", "replica", "writes")
        widths = {c: max(len(c), *(len(r[c]) for r in self.rows)) for c in cols}
        lines = ["  ".join(c.ljust(widths[c]) for c in cols) + "  result"]
        for r in self.rows:
            cells = "  ".join(r[c].ljust(widths[c]) for c in cols)
            lines.append(f"{cells}  {'ok' if r['ok'] else 'FAIL'}")
        return "\n".join(lines)


def start_odoo(db, http_port, replica_port, log):
    cmd = odoo_cmd(
        db,
        f"--http-port={http_port}",
        "--http-interface=127.0.0.1",
        "--workers=2",
        "--db_replica_host=127.0.0.1",
        f"--db_replica_port={replica_port}",
        f"--logfile={log}",
        "--log-level=info",
        "--limit-time-real=300",
    )
    say(f"odoo: {' '.join(cmd[1:2] + cmd[3:])}")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )

    def up():
        if proc.poll() is not None:
            raise SystemExit(f"odoo exited with {proc.returncode}, see {log}")
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/web/health", timeout=5) as resp:
            return resp.status == 200

    wait_for("Odoo to answer /web/health", up)
    return proc


def stop_odoo(proc):
    if proc and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def run_screens(db, base, standby, odoo_log, ids):
    rep = Client(base)
    rep.login(db, "replica_rep")
    standby.catch_up()  # the login wrote on the primary; screens read what it replayed
    check = Check(rep, standby, odoo_log)

    check.screen_views(
        "Personas", "crm.persona", "crm_persona", ["kanban", "list", "form", "search"]
    )
    # the action's context picks rows, columns and measures
    check.measure(
        "Pipeline by persona: pivot",
        "crm_lead",
        lambda tag: rep.call(
            tag,
            "crm.lead",
            "read_group",
            [["type", "=", "opportunity"]],
            ["__count", "expected_revenue:sum"],
            ["persona_id", "stage_id"],
            lazy=False,
        ),
        expect=lambda r: any(g["persona_id"] for g in r),
    )
    check.screen_views(
        "Customer values",
        "crm.customer.value",
        "crm_customer_value",
        ["list", "pivot", "graph", "form", "search"],
    )
    # the R x F grid: the same model's second pivot view, opened by its own menu
    check.screen_views(
        "Customer values R x F grid",
        "crm.customer.value",
        "crm_customer_value",
        ["pivot", "search"],
        view_ids={"pivot": ids["grid_view"]},
    )
    check.screen_views(
        "Lifecycle funnel",
        "crm.lifecycle.funnel.report",
        "crm_lifecycle_funnel_report",
        ["pivot", "graph", "search"],
    )
    check.measure(
        "Customer values: list by segment",
        "crm_customer_value",
        lambda tag: rep.call(
            tag,
            "crm.customer.value",
            "web_read_group",
            [],
            ["monetary_total:sum", "clv_total:sum"],
            ["segment_id"],
            lazy=True,
        ),
        expect=lambda r: r["length"] > 0,
    )
    check.screen_views(
        "Customers with a persona",
        "res.partner",
        "res_partner",
        ["list", "form", "search"],
        domain=[["persona_id", "!=", False]],
    )
    check.screen_views(
        "Goals",
        "crm.smart.goal",
        "crm_smart_goal",
        ["list", "kanban", "pivot", "graph", "form", "search"],
    )
    check.screen_views(
        "Objectives", "crm.strategy.objective", "crm_strategy_objective", ["list", "form", "search"]
    )
    check.screen_views("Loyalty cards", "loyalty.card", "loyalty_card", ["list", "form", "search"])
    check.screen_views(
        "Points history",
        "crm.loyalty.ledger",
        "crm_loyalty_ledger",
        ["list", "search"],
        domain=[["card_id", "=", ids["card"]]],
    )
    check.measure(
        "Member statement (report)",
        "crm_loyalty_ledger",
        lambda tag: rep.get(
            f"/report/html/crm_strategy.report_loyalty_statement/{ids['card']}?rc={tag}"
        ),
        expect=lambda r: r[0] == 200 and "Points statement" in r[1],
    )
    member = Client(base)
    member.login(db, "replica_member")
    standby.catch_up()
    check.measure(
        "Portal: my points history",
        "crm_loyalty_ledger",
        lambda tag: member.get(f"/my/loyalty_card/{ids['card']}/ledger?rc={tag}"),
        expect=lambda r: r[0] == 200 and "Welcome points" in r[1],
    )
    return check


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="replica_check")
    parser.add_argument(
        "--template", help="copy this database (crm_strategy installed) instead of installing"
    )
    parser.add_argument("--http-port", type=int, default=18700)
    parser.add_argument("--replica-port", type=int, default=55433)
    parser.add_argument("--keep", action="store_true", help="keep database and standby dir")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show a standby statement per screen"
    )
    args = parser.parse_args()

    try:
        import odoo  # noqa: F401, PLC0415
    except ImportError:
        die(f"{sys.executable} cannot import odoo: set ODOO_PYTHON to Odoo 18's Python")
    for tool in ("psql", "pg_basebackup", "createdb"):
        if not shutil.which(tool):
            die(f"{tool} not found: install PostgreSQL's client tools")
    try:
        user = psql("SELECT current_user")
    except subprocess.CalledProcessError:
        die("PostgreSQL is not reachable with psql (run `make run` once, or set PGHOST/...)")
    for port in (args.replica_port, args.http_port):
        if not port_free(port):
            die(f"port {port} is in use (choose another with --replica-port/--http-port)")

    ensure_replication_allowed(user)
    t0 = time.monotonic()
    create_db(args.db, args.template)
    ids = seed(args.db)
    say(f"seeded: salesperson replica_rep, portal member replica_member, {ids}")

    root = Path(tempfile.mkdtemp(prefix="crm_replica_"))
    standby = Standby(root, args.replica_port)
    odoo_log = root / "odoo.log"
    proc, failed = None, True
    try:
        standby.create(user)
        standby.start()
        proc = start_odoo(args.db, args.http_port, args.replica_port, odoo_log)
        say(f"odoo: up with 2 workers, log {odoo_log}")
        check = run_screens(args.db, f"http://127.0.0.1:{args.http_port}", standby, odoo_log, ids)
        print(check.table(), flush=True)
        if args.verbose:
            say("one statement per screen, from the standby's own log:")
            for row in check.rows:
                print(f"  {row['screen']}: {row['sample']}", flush=True)
        failed = [r for r in check.rows if not r["ok"]]
        if failed:
            say(f"FAILED: {len(failed)} of {len(check.rows)} screens did not run on the replica")
        else:
            say(
                f"OK: {len(check.rows)} screens served by the read-only standby "
                f"({time.monotonic() - t0:.0f}s)"
            )
    finally:
        stop_odoo(proc)
        standby.stop()
        if failed and not args.keep:
            kept = Path(tempfile.mkdtemp(prefix="crm_replica_logs_"))
            for log in (odoo_log, standby.log):
                if log.exists():
                    shutil.copy(log, kept)
            say(f"logs kept in {kept}")
        if args.keep:
            say(f"kept: database {args.db}, standby directory {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
            subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
