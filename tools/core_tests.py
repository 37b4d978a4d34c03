#!/usr/bin/env python3
"""Odoo's own tests of the apps crm_strategy extends, run with and without our addons.

Odoo runs a module's at_install tests only while it installs that module, before
any addon depending on it is loaded, so Odoo's loyalty, sale or crm tests never
meet our overrides. This step loads the registry of a database where everything
is installed, runs those apps' tests (at_install and post_install) with Odoo's
own loader (`odoo.tests.loader.make_suite` / `run_suite`, each test rolled back
by its TransactionCase), and compares them test by test with the same run on a
baseline database holding the same Odoo apps without our addons.

Two halves:
- `worker` (run by ODOO_PYTHON, imports odoo): runs the suites on one database
  and writes every test's outcome to a JSON file; `clone` and `drop` copy and
  drop a database with its filestore, the way Odoo's database manager does.
- the rest (any Python 3.10+, no odoo import), used by devtool.py: builds the two
  databases, runs the worker on each, compares and reports.
"""

import argparse
import ast
import hashlib
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDON = "crm_strategy"

# The Odoo apps our addons extend and the part of their tests we run. None: all
# the module's tests; a list: only these test files (account and base have
# thousands of tests, most of them about nothing we touch). Bridges found in
# the repository (crm_strategy_*) add their Odoo dependencies as whole modules.
# When a bridge lands and its app's suite is too slow, narrow it here.
CORE_SUITES = {
    "base": ["test_res_partner", "test_res_partner_bank", "test_res_partner_merge"],
    "account": [
        "test_account_move_out_invoice",
        "test_account_move_out_refund",
        "test_account_move_in_invoice",
        "test_account_move_in_refund",
    ],
    "loyalty": None,
    "sale_loyalty": None,
    "crm": None,
    "sale_crm": None,
    "sale": None,
    "sale_management": None,
}
# With the baseline's outcomes cached, our side runs in two processes on two database
# copies: these apps in one (account's invoice tests are the slowest), the rest in the other.
FIRST_SHARD = {"account", "base"}
# Odoo modules every database has; never in the install list.
ALWAYS_INSTALLED = {"base", "web"}

OUTCOMES = ("passed", "failed", "error", "skipped")


# ---------------------------------------------------------------- which apps


def bridges():
    """Our addons: crm_strategy and every crm_strategy_* bridge in the repository."""
    return [ADDON] + sorted(p.parent.name for p in REPO.glob(f"{ADDON}_*/__manifest__.py"))


def _depends(module):
    manifest = REPO / module / "__manifest__.py"
    return ast.literal_eval(manifest.read_text()).get("depends", [])


def suites():
    """{app: test files or None}: CORE_SUITES plus the Odoo apps our bridges depend on."""
    ours = set(bridges())
    found = dict(CORE_SUITES)
    for module in sorted(ours):
        for dep in _depends(module):
            if dep not in ours:
                found.setdefault(dep, None)
    return found


def test_tags(apps):
    """Odoo --test-tags selecting the apps' tests: /module or /module/tests/file.py."""
    tags = []
    for app, files in sorted(apps.items()):
        if files is None:
            tags.append(f"/{app}")
        else:
            tags += [f"/{app}/tests/{name}.py" for name in files]
    return ",".join(tags)


def baseline_modules(apps):
    return sorted(set(apps) - ALWAYS_INSTALLED)


# ---------------------------------------------------------------- worker (imports odoo)


def worker(args):
    """Run the selected tests on one database; write {test id: outcome} as JSON."""
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    # Load the registry with tests disabled: with --test-enable, loading runs each
    # module's at_install tests before the modules depending on it are loaded,
    # which is precisely what this step is here to avoid.
    config.parse_config(
        [
            "-d",
            args.db,
            f"--addons-path={args.addons_path}",
            f"--http-port={args.http_port}",
            "--max-cron-threads=0",
            "--log-level=info",
        ]
    )
    odoo.service.server.load_server_wide_modules()
    registry = odoo.modules.registry.Registry.new(args.db)
    config["test_enable"] = True
    config["test_tags"] = args.tags
    threading.current_thread().dbname = args.db
    # only now: importing the test framework outside test mode logs an error
    from odoo.tests import loader  # noqa: PLC0415
    from odoo.tests.common import HttpCase  # noqa: PLC0415
    from odoo.tests.result import OdooTestResult  # noqa: PLC0415

    if args.browser:
        # Build the static-file map now, in this single thread: it parses every
        # manifest, and Python 3.11's AST parser is not thread-safe (CPython
        # issue 106905), so a tour's first concurrent static requests can fail
        # with "SystemError: AST constructor recursion depth mismatch".
        statics = odoo.http.root.statics
        print(f"core-tests: static map of {len(statics)} modules built", flush=True)
        server = odoo.service.server.ThreadedServer(odoo.http.root)
        odoo.service.server.server = server
        server.http_spawn()
        with registry.cursor() as cr:
            odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["ir.qweb"]._pregenerate_assets_bundles()

    outcomes = {}
    class_outcome = {}

    class Recorder(OdooTestResult):
        """Odoo's test result, remembering each test's outcome by id."""

        def startTest(self, test):
            super().startTest(test)
            outcomes[test.id()] = "passed"

        def _record(self, test, outcome):
            while getattr(test, "test_case", None) is not None:  # a subTest
                test = test.test_case
            test_id = test.id()
            hook = re.match(r"(setUpClass|tearDownClass) \((.*)\)$", test_id)
            if hook and hook[1] == "setUpClass":
                # the class's tests will not start: they get this outcome below
                class_outcome[hook[2]] = outcome
                return
            if hook:
                test_id = f"{hook[2]}.tearDownClass"
            if outcomes.get(test_id) not in ("failed", "error"):
                outcomes[test_id] = outcome

        def addFailure(self, test, err):
            super().addFailure(test, err)
            self._record(test, "failed")

        def addError(self, test, err):
            super().addError(test, err)
            self._record(test, "error")

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            self._record(test, "skipped")

    per_app = {}
    t0 = time.time()
    for app in args.apps.split(","):
        for position in ("at_install", "post_install"):
            suite = loader.make_suite([app], position)
            tests = [t for t in suite if isinstance(t, HttpCase) == args.browser]
            if not tests:
                continue
            chosen = loader.OdooSuite(tests)
            result = Recorder()
            # what loader.run_suite does, with our result object
            odoo.modules.module.current_test = True
            threading.current_thread().testing = True
            try:
                chosen(result)
            finally:
                threading.current_thread().testing = False
                odoo.modules.module.current_test = False
            for test in tests:
                # a test whose class failed to set up (or was skipped) never starts
                klass = f"{type(test).__module__}.{type(test).__qualname__}"
                outcomes.setdefault(test.id(), class_outcome.get(klass, "error"))
                per_app[test.id()] = app
    out = {
        "db": args.db,
        "seconds": round(time.time() - t0, 1),
        "tests": {
            tid: {"app": per_app.get(tid, _app_of(tid)), "outcome": o}
            for tid, o in outcomes.items()
        },
    }
    Path(args.out).write_text(json.dumps(out, indent=1, sort_keys=True))
    if args.browser:
        server.stop()
    return 0


def _app_of(test_id):
    match = re.match(r"odoo\.addons\.(\w+)\.", test_id)
    return match[1] if match else "?"


def clone(args):
    """Copy a database and its filestore, as Odoo's duplicate does (without its registry load)."""
    import odoo  # noqa: PLC0415
    from odoo.tools import SQL  # noqa: PLC0415

    odoo.tools.config.parse_config([f"--addons-path={args.addons_path}", "--log-level=warn"])
    source_fs = odoo.tools.config.filestore(args.source)
    for target in args.targets:
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(
                SQL(
                    "CREATE DATABASE %s ENCODING 'unicode' TEMPLATE %s",
                    SQL.identifier(target),
                    SQL.identifier(args.source),
                )
            )
        if os.path.isdir(source_fs):
            shutil.copytree(source_fs, odoo.tools.config.filestore(target))
    return 0


def drop(args):
    """Drop databases and their filestores (Odoo's own drop)."""
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config([f"--addons-path={args.addons_path}", "--log-level=warn"])
    for db in args.dbs:
        if db in odoo.service.db.list_dbs(force=True):
            odoo.service.db.exp_drop(db)
    return 0


# ---------------------------------------------------------------- orchestration (no odoo import)

BASE_PREFIX = f"{ADDON}_core_base_"


def _say(msg):
    print(f"[crm_strategy] {msg}", flush=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _psql(query, db="postgres"):
    return subprocess.run(
        ["psql", "-Atqc", query, db], capture_output=True, text=True, check=False
    ).stdout.split()


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _installed(db):
    return set(_psql("select name from ir_module_module where state = 'installed'", db))


def _odoo_sources(addons_path):
    """Odoo's own source folders: every addons path but ours, and the odoo package."""
    roots = {Path(p).resolve() for p in addons_path.split(",")} - {REPO}
    roots |= {p.parent for p in roots if (p.parent / "release.py").is_file()}
    return sorted(r for r in roots if not any(o in r.parents for o in roots))


def baseline_key(addons_path, modules):
    """What the baseline database is a function of: Odoo's source files (path, size,
    mtime), the module list, the install options and the PostgreSQL version."""
    digest = hashlib.sha1()
    digest.update(f"{modules} without-demo {_psql('show server_version')}\n".encode())
    for root in _odoo_sources(addons_path):
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            for name in sorted(files):
                if name.endswith(".pyc"):
                    continue
                st = os.stat(os.path.join(folder, name))
                rel = os.path.relpath(os.path.join(folder, name), root)
                digest.update(f"{root}/{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


class Runner:
    """The two databases, the worker runs on them, and the comparison."""

    def __init__(self, addons_path, log_dir, odoo_python, keep=False, only=None):
        self.addons_path = addons_path
        self.log_dir = Path(log_dir)
        self.odoo_python = odoo_python
        self.keep = keep
        self.ours = bridges()
        # the databases always hold every app; `only` narrows the tests run (development)
        self.modules = baseline_modules(suites())
        self.apps = {a: f for a, f in suites().items() if not only or a in only}

    def _tool(self, *args):
        return [self.odoo_python, str(Path(__file__).resolve()), *args]

    def _run(self, cmd, log_name, timeout=40 * 60):
        with open(self.log_dir / log_name, "a") as fh:
            return subprocess.run(
                cmd, stdout=fh, stderr=subprocess.STDOUT, check=False, timeout=timeout
            ).returncode

    def drop(self, *dbs):
        existing = [db for db in dbs if db in _psql("select datname from pg_database")]
        if existing:
            self._run(
                self._tool("drop", f"--addons-path={self.addons_path}", *existing), "core-db.log"
            )

    def baseline_template(self, reuse=True):
        """A database with the Odoo apps and none of our addons, kept between runs.

        It holds pristine Odoo only, so reusing it cannot hide a change of ours; its
        name carries baseline_key(), so any change to Odoo's source, the module
        list or PostgreSQL builds a new one (and drops the old)."""
        name = BASE_PREFIX + baseline_key(self.addons_path, ",".join(self.modules))
        stale = [
            db
            for db in _psql(f"select datname from pg_database where datname like '{BASE_PREFIX}%'")
            if db != name and (not reuse or not db.startswith(BASE_PREFIX + "tmp"))
        ]
        self.drop(*stale)
        if reuse and name in _psql("select datname from pg_database"):
            _say(f"core tests: baseline database {name} reused (same Odoo source and apps)")
            return name
        self.drop(name)
        building = f"{BASE_PREFIX}tmp_{os.getpid()}"
        _say(f"core tests: installing {', '.join(self.modules)} into a baseline database")
        t0 = time.time()
        rc = self._run(
            [
                self.odoo_python,
                "-m",
                "odoo",
                f"--addons-path={self.addons_path}",
                "-d",
                building,
                "-i",
                ",".join(self.modules),
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
                f"--http-port={_free_port()}",
                "--max-cron-threads=0",
            ],
            "core-install-baseline.log",
        )
        if rc:
            self.drop(building)
            return None
        ours = _installed(building) & set(self.ours)
        if ours:
            self.drop(building)
            _say(f"core tests: the baseline got our {', '.join(ours)} (auto_install?)")
            return None
        # a database under the final name is always complete
        self._run(
            self._tool("clone", f"--addons-path={self.addons_path}", building, name),
            "core-db.log",
        )
        self.drop(building)
        _say(f"core tests: baseline installed in {time.time() - t0:.0f}s")
        # (another run may have built the same one meanwhile)
        return name if name in _psql("select datname from pg_database") else None

    def install_ours(self, db):
        return self._run(
            [
                self.odoo_python,
                "-m",
                "odoo",
                f"--addons-path={self.addons_path}",
                "-d",
                db,
                "-i",
                ",".join(self.ours),
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
                f"--http-port={_free_port()}",
                "--max-cron-threads=0",
            ],
            "core-install-ours.log",
        )

    def worker_cmd(self, db, job, kind, apps):
        return self._tool(
            "worker",
            f"--db={db}",
            f"--addons-path={self.addons_path}",
            f"--apps={','.join(sorted(apps))}",
            f"--tags={test_tags(apps)}",
            f"--out={self.log_dir / f'core-{kind}-{job}.json'}",
            f"--http-port={_free_port()}",
            *(["--browser"] if kind == "browser" else []),
        )

    def run_workers(self, jobs, kind, parallel):
        """Run the worker on {job: (db, apps)}; return {job: outcomes or None}."""
        procs = {}
        for job, (db, apps) in jobs.items():
            (self.log_dir / f"core-{kind}-{job}.json").unlink(missing_ok=True)
            log = open(self.log_dir / f"core-{kind}-{job}.log", "w")  # closed below
            procs[job] = (
                subprocess.Popen(
                    self.worker_cmd(db, job, kind, apps), stdout=log, stderr=subprocess.STDOUT
                ),
                log,
            )
            if not parallel:
                procs[job][0].wait()
        found = {}
        for job, (proc, log) in procs.items():
            proc.wait()
            log.close()
            out = self.log_dir / f"core-{kind}-{job}.json"
            found[job] = json.loads(out.read_text())["tests"] if out.is_file() else None
        return found

    def baseline_cache(self, template, kind):
        """Where the baseline's outcomes are kept: they are a function of the baseline
        database (its name carries Odoo's source and the apps), the tests selected and the
        Python packages of ODOO_PYTHON, all in the file name."""
        packages = subprocess.run(
            [
                self.odoo_python,
                "-c",
                "import sys, importlib.metadata as m; print(sys.version); "
                "print(sorted(f'{d.metadata[\"Name\"]}=={d.version}' for d in m.distributions()))",
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        digest = hashlib.sha1(f"{test_tags(self.apps)}\n{packages}".encode()).hexdigest()[:12]
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / ADDON
        return cache / f"core-{template}-{kind}-{digest}.json"

    def run(self, tally, kinds=("unit",), reuse_baseline=True):
        t0, cpu0 = time.time(), _children_cpu()
        template = self.baseline_template(reuse=reuse_baseline)
        if not template:
            tally.check(False, f"core tests: baseline install failed; see {self.log_dir}")
            return
        with_db = f"{ADDON}_core_with_{os.getpid()}"
        without_db = f"{ADDON}_core_without_{os.getpid()}"
        self.drop(with_db, without_db)
        try:
            rc = self._run(
                self._tool(
                    "clone", f"--addons-path={self.addons_path}", template, with_db, without_db
                ),
                "core-db.log",
            )
            if rc:
                tally.check(False, "core tests: could not copy the baseline database")
                return
            _say(f"core tests: installing {', '.join(self.ours)} on a copy of the baseline")
            if self.install_ours(with_db):
                tally.check(False, "core tests: installing our addons on the baseline failed")
                return
            extra = _installed(with_db) - _installed(without_db) - set(self.ours)
            if extra:
                _say(f"core tests: our addons also installed {', '.join(sorted(extra))}")
            for kind in kinds:
                t1 = time.time()
                found = self.run_kind(kind, template, with_db, without_db, reuse_baseline)
                if found is None:
                    tally.check(
                        False, f"core tests ({kind}): a test run crashed; see {self.log_dir}"
                    )
                    continue
                report(tally, found["with"], found["without"], kind, self.apps)
                _say(f"core tests ({kind}): {time.time() - t1:.0f}s")
        finally:
            if not self.keep:
                self.drop(with_db, without_db, f"{with_db}_2")
        _say(
            f"core tests: {time.time() - t0:.0f}s in all, {_children_cpu() - cpu0:.0f}s of CPU in"
            f" Odoo processes (PostgreSQL not counted); logs: {self.log_dir}/core-*"
        )

    def run_kind(self, kind, template, with_db, without_db, reuse_baseline):
        """{"with": outcomes, "without": outcomes} for one kind of tests, or None on a crash.

        The baseline side holds pristine Odoo only: its outcomes are cached (baseline_cache)
        and reused while nothing they depend on changes, and our side then runs in two
        processes. Browser tests are never cached and run one database at a time."""
        cache = self.baseline_cache(template, kind) if kind == "unit" else None
        cached = None
        if cache and reuse_baseline and cache.is_file():
            cached = json.loads(cache.read_text())
            _say(f"core tests: baseline outcomes reused ({cache})")
        if cached is None:
            _say(f"core tests: running Odoo's {KIND_LABEL[kind]} with and without our addons")
            jobs = {"with": (with_db, self.apps), "without": (without_db, self.apps)}
            found = self.run_workers(jobs, kind, parallel=kind == "unit")
            if None in found.values():
                return None
            if cache:
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(found["without"], sort_keys=True))
            return found
        _say(f"core tests: running Odoo's {KIND_LABEL[kind]} with our addons, in two processes")
        second_db = f"{with_db}_2"
        if self._run(
            self._tool("clone", f"--addons-path={self.addons_path}", with_db, second_db),
            "core-db.log",
        ):
            return None
        first = {a: f for a, f in self.apps.items() if a in FIRST_SHARD}
        rest = {a: f for a, f in self.apps.items() if a not in FIRST_SHARD}
        jobs = {"with-1": (with_db, first), "with-2": (second_db, rest)}
        found = self.run_workers({j: v for j, v in jobs.items() if v[1]}, kind, parallel=True)
        if None in found.values():
            return None
        with_ours = {k: v for part in found.values() for k, v in part.items()}
        if any(_outcome(with_ours, t) != _outcome(cached, t) for t in set(with_ours) | set(cached)):
            # a difference is never judged on a cached baseline: run it again, live
            _say("core tests: outcomes differ from the cached baseline; running the baseline again")
            live = self.run_workers({"without": (without_db, self.apps)}, kind, parallel=False)
            if live["without"] is None:
                return None
            cache.write_text(json.dumps(live["without"], sort_keys=True))
            cached = live["without"]
        return {"with": with_ours, "without": cached}


def _outcome(found, test_id):
    return found.get(test_id, {}).get("outcome", "not run")


class Tally:
    """Checks passed and failed, and what failed: make test's final line (devtool.py)."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.problems = []

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.problems.append(what)


KIND_LABEL = {"unit": "non-browser tests", "browser": "browser tests (HttpCase, tours)"}
BAD = ("failed", "error")


def report(tally, with_ours, baseline, kind, apps):
    """Print per-app counts; count one check per app; name every differing test."""

    def counts(found, app):
        got = [t["outcome"] for t in found.values() if t["app"] == app]
        return (
            sum(o != "skipped" for o in got),
            sum(o in BAD for o in got),
            sum(o == "skipped" for o in got),
        )

    def show(run, failed, skipped):
        return f"{run} run, {failed} failed" + (f", {skipped} skipped" if skipped else "")

    both_bad, differ = [], {}
    for test_id in sorted(set(with_ours) | set(baseline)):
        mine = with_ours.get(test_id, {}).get("outcome", "not run")
        base = baseline.get(test_id, {}).get("outcome", "not run")
        app = (with_ours.get(test_id) or baseline.get(test_id))["app"]
        if mine in BAD and base in BAD:
            both_bad.append(f"{test_id} ({base} without, {mine} with)")
        elif mine != base:
            label = (
                "FAILED ONLY WITH crm_strategy"
                if mine in BAD
                else f"{mine.upper()} WITH crm_strategy (without: {base})"
            )
            differ.setdefault(app, []).append(f"{label}: {test_id}")

    suffix = "" if kind == "unit" else " [browser]"
    for app in sorted(apps):
        mine, base = counts(with_ours, app), counts(baseline, app)
        if kind == "browser" and not mine[0] + base[0]:
            continue  # app without browser tests
        print(f"  {app + suffix + ':':<18} {show(*mine)}  (baseline: {show(*base)})", flush=True)
        if kind == "unit" and not mine[0] + base[0]:
            tally.check(False, f"core tests: no test of {app} ran; is the selection right?")
            continue
        tally.check(app not in differ, f"core tests: {app}{suffix} differs with our addons")
        tally.problems += differ.get(app, [])
    for line in (line for lines in differ.values() for line in lines):
        print(f"  {line}", flush=True)
    if both_bad:
        print(f"  failing with and without our addons ({len(both_bad)}), not caused by them:")
        for line in both_bad:
            print(f"    {line}", flush=True)


def check(args):
    """The step alone (make test runs it after our own tests)."""

    log_dir = Path(args.log_dir)
    log_dir.mkdir(exist_ok=True)
    tally = Tally()
    kinds = ("unit", "browser") if args.browser else ("unit",)
    odoo_python = os.environ.get("ODOO_PYTHON", "python3")
    only = args.apps.split(",") if args.apps else None
    Runner(args.addons_path, log_dir, odoo_python, keep=args.keep_db, only=only).run(
        tally, kinds=kinds, reuse_baseline=not args.fresh_baseline
    )
    for problem in tally.problems:
        print(f"FAILED: {problem}")
    print(f"{tally.passed} passed, {tally.failed} failed", flush=True)
    return 1 if tally.failed or tally.problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    alone = sub.add_parser("check", help="this step alone, as make test runs it")
    alone.add_argument("--addons-path", required=True)
    alone.add_argument("--browser", action="store_true", help="also the browser tests")
    alone.add_argument("--keep-db", action="store_true")
    alone.add_argument("--log-dir", default=str(REPO / ".test-logs"))
    alone.add_argument("--apps", help="only these apps' tests (comma-separated), while developing")
    alone.add_argument("--fresh-baseline", action="store_true")
    alone.set_defaults(func=check)
    run = sub.add_parser("worker", help="run the selected tests on one database")
    run.add_argument("--db", required=True)
    run.add_argument("--addons-path", required=True)
    run.add_argument("--apps", required=True, help="comma-separated modules")
    run.add_argument("--tags", required=True, help="Odoo --test-tags spec")
    run.add_argument("--out", required=True, help="JSON file for the outcomes")
    run.add_argument("--http-port", type=int, default=8069)
    run.add_argument("--browser", action="store_true", help="HttpCase tests only (tours)")
    run.set_defaults(func=worker)
    cp = sub.add_parser("clone", help="copy a database with its filestore")
    cp.add_argument("--addons-path", required=True)
    cp.add_argument("source")
    cp.add_argument("targets", nargs="+")
    cp.set_defaults(func=clone)
    dr = sub.add_parser("drop", help="drop databases with their filestores")
    dr.add_argument("--addons-path", required=True)
    dr.add_argument("dbs", nargs="+")
    dr.set_defaults(func=drop)
    args = parser.parse_args()
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
