#!/usr/bin/env python3
"""`make run` and `make test` for crm_strategy.

Runs with any Python 3.10+; Odoo itself is run with ODOO_PYTHON when it is given, else with
python3 when `import odoo` gives it Odoo 18.0, else with the python of a virtualenv that
tools/odoo_bootstrap.py sets up once in ~/.cache/crm_strategy/ (Odoo from ODOO_SRC, or
downloaded).
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import odoo_bootstrap
from core_tests import Runner as CoreTests
from core_tests import Tally, bridges

REPO = Path(__file__).resolve().parent.parent
ADDON = "crm_strategy"
DEMO_DB = "crm_strategy_demo"
# Given by the user, or found/set up by resolve_odoo_python() before any command uses it.
ODOO_PYTHON = os.environ.get("ODOO_PYTHON") or "python3"
# Our addons: crm_strategy and every crm_strategy_* bridge in the repository. A bridge is
# auto_install, so installing them all is what a user with every app gets; make test runs
# the tests of each.
OUR_ADDONS = bridges()
TEST_TAGS = ",".join(f"/{name}" for name in OUR_ADDONS)
# The languages we ship: crm_strategy/i18n/<lang>.po, checked against the .pot by `make test`.
LANGUAGES = ("zh_CN", "ru", "fa", "th")

ODOO_MISSING = """\
Odoo 18.0 is required but `{python} -c "import odoo"` does not give it ({why}).
ODOO_PYTHON names the interpreter of an Odoo 18.0 installation; without ODOO_PYTHON,
`make {target}` sets one up itself in ~/.cache/crm_strategy/ (from ODOO_SRC or downloaded).
"""


def say(msg):
    print(f"[crm_strategy] {msg}", flush=True)


def die(msg, code=2):
    print(f"[crm_strategy] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


PROBE = (
    "import os, odoo, odoo.release as r;"
    "root = os.path.dirname(odoo.__file__);"
    "print(r.serie);"
    "print(os.path.join(root, 'addons'));"
    "print(os.path.join(os.path.dirname(root), 'addons'))"
)


def probe_odoo(python):
    """(None, Odoo's addons paths) when `python` imports Odoo 18.0, else (why not, None)."""
    try:
        out = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, check=False)
    except (FileNotFoundError, PermissionError):
        return f"{python} not found", None
    if out.returncode:
        return (out.stderr.strip().splitlines() or ["import failed"])[-1], None
    serie, base_addons, main_addons = out.stdout.split()
    if serie != "18.0":
        return f"found Odoo {serie}", None
    return None, [p for p in (main_addons, base_addons) if Path(p).is_dir()]


def resolve_odoo_python(target):
    """ODOO_PYTHON when given (it must import Odoo 18.0); else python3 when it does; else
    the cached virtualenv of tools/odoo_bootstrap.py, set up now if it is not there."""
    global ODOO_PYTHON  # every step below runs Odoo with it
    given = os.environ.get("ODOO_PYTHON")
    why, paths = probe_odoo(ODOO_PYTHON)
    if paths or given:
        if why:
            die(ODOO_MISSING.format(python=ODOO_PYTHON, why=why, target=target))
        return paths
    say(f"python3 cannot import Odoo 18.0 ({why}): using an Odoo of our own")
    try:
        ODOO_PYTHON = odoo_bootstrap.ensure(say=say)
    except odoo_bootstrap.BootstrapError as exc:
        die(f"could not set up Odoo 18.0: {exc}")
    why, paths = probe_odoo(ODOO_PYTHON)
    if why:
        die(f"the Odoo set up in {ODOO_PYTHON} does not import: {why}")
    os.environ["ODOO_PYTHON"] = ODOO_PYTHON  # for the tools we start (core tests, pytest)
    return paths


def odoo_paths(target):
    """Find or set up Odoo 18.0; return its addons paths plus ours."""
    return ",".join([str(REPO), *resolve_odoo_python(target)])


def psql_ok():
    return (
        subprocess.run(
            ["psql", "-Atqc", "select 1", "postgres"], capture_output=True, check=False
        ).returncode
        == 0
    )


def ensure_postgres():
    """Reach PostgreSQL; start a local cluster that is down; install it as root."""
    if shutil.which("psql") and psql_ok():
        return
    if shutil.which("pg_lsclusters"):
        clusters = subprocess.run(
            ["pg_lsclusters", "-h"], capture_output=True, text=True, check=False
        ).stdout.split("\n")
        for line in filter(None, clusters):
            version, name, _port, status = line.split()[:4]
            if status != "online":
                say(f"starting PostgreSQL cluster {version}/{name}")
                subprocess.run(
                    ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],
                    check=False,
                )
        if psql_ok():
            return
    if not shutil.which("pg_lsclusters") and os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing PostgreSQL from the distribution's packages")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=True, env=env)
        return ensure_postgres()
    if psql_ok():
        return
    user = os.environ.get("PGUSER") or os.environ.get("USER") or "your user"
    die(
        "PostgreSQL 13+ is not reachable. Install and start it (Debian/Ubuntu: "
        "apt-get install postgresql), and create a role for "
        f"{user} that may create databases (createuser -s {user}), or set "
        "PGHOST/PGPORT/PGUSER/PGPASSWORD to reach an existing server."
    )


def db_exists(name):
    out = subprocess.run(
        ["psql", "-Atqc", f"select 1 from pg_database where datname = '{name}'", "postgres"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() == "1"


def odoo_cmd(addons_path, *args):
    return [ODOO_PYTHON, "-m", "odoo", f"--addons-path={addons_path}", *args]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- make run


def cmd_run(args):
    addons_path = odoo_paths("run")
    ensure_rtlcss(required=False)
    ensure_postgres()
    exists = db_exists(DEMO_DB)
    say(f"{'upgrading' if exists else 'creating'} database {DEMO_DB} with demo data")
    # -i installs the bridges a newer checkout added; -u upgrades what is there.
    modules = ",".join(OUR_ADDONS)
    init = odoo_cmd(
        addons_path,
        "-d",
        DEMO_DB,
        "-i",
        modules,
        *(["-u", modules] if exists else []),
        "--stop-after-init",
        "--log-level=warn",
    )
    if subprocess.run(init, check=False).returncode:
        die(f"could not install {modules} into {DEMO_DB}; see the log above")
    say(f"Odoo is serving on http://localhost:{args.port}  (login admin / password admin)")
    os.execvp(
        ODOO_PYTHON,
        odoo_cmd(
            addons_path,
            "-d",
            DEMO_DB,
            f"--db-filter=^{DEMO_DB}$",
            f"--http-port={args.port}",
        ),
    )


# ---------------------------------------------------------------- make test


def find_chrome():
    for name in ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable"):
        if shutil.which(name):
            return name
    return None


def check_browser_prerequisites():
    """Odoo silently skips tours without Chrome or websocket-client: refuse instead."""
    missing = []
    if not find_chrome():
        missing.append("Chrome/Chromium on PATH (Debian: apt-get install chromium)")
    probe = subprocess.run(
        [ODOO_PYTHON, "-c", "import websocket"], capture_output=True, check=False
    )
    if probe.returncode:
        missing.append(f"websocket-client for {ODOO_PYTHON} (pip install websocket-client)")
    if missing:
        die("browser tests cannot run; missing: " + "; ".join(missing))


def ensure_rtlcss(required):
    """Odoo turns its style sheets around for right-to-left languages (Persian: we ship fa)
    with the rtlcss command; without it, it logs a warning and lays Persian out left to
    right. Not on PATH: installed once from npm into the cache, and put on PATH for Odoo."""
    if shutil.which("rtlcss"):
        return
    prefix = odoo_bootstrap.cache_root() / "rtlcss"
    bin_dir = prefix / "node_modules" / ".bin"
    problem = None
    if not (bin_dir / "rtlcss").exists():
        if not shutil.which("npm"):
            problem = (
                "rtlcss is not on PATH and npm is missing to install it (Debian: apt-get "
                "install npm, then npm install -g rtlcss)"
            )
        else:
            say(f"installing rtlcss (right-to-left style sheets for Persian) into {prefix}")
            out = subprocess.run(
                ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "rtlcss@4"],
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                why = (out.stderr.strip().splitlines() or ["?"])[-1]
                problem = f"npm install rtlcss failed ({why}); try npm install -g rtlcss"
    if problem and required:
        die(f"{problem}: the Persian (right-to-left) tour needs it")
    if problem:
        say(f"warning: {problem}; Persian will be laid out left to right")
        return
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


PYTEST_SUITES = (
    # (title, folder, log): plain pytest, no database
    ("pure-Python services", REPO / ADDON / "services" / "tests", "pytest.log"),
    # the Odoo set-up itself; its full run needs ODOO_SRC and says so when skipped
    (
        "the Odoo 18.0 set-up (tools/odoo_bootstrap.py)",
        REPO / "tools" / "tests",
        "pytest-tools.log",
    ),
)


def run_pytest(tally, log_dir):
    for title, tests, log_name in PYTEST_SUITES:
        if any(tests.glob("test_*.py")):
            run_pytest_suite(tally, log_dir / log_name, title, tests)


def run_pytest_suite(tally, log, title, tests):
    say(f"pytest: {title}")
    out = subprocess.run(
        [
            ODOO_PYTHON,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            str(tests),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    log.write_text(out.stdout + out.stderr)
    print(out.stdout[-3000:], flush=True)
    counts = dict.fromkeys(("passed", "failed", "error", "errors"), 0)
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    for number, word in re.findall(r"(\d+) (passed|failed|errors?)", last):
        counts[word] += int(number)
    tally.passed += counts["passed"]
    tally.failed += counts["failed"] + counts["error"] + counts["errors"]
    if out.returncode not in (0, 1) or (out.returncode == 1 and not counts["failed"]):
        tally.check(False, f"pytest exited {out.returncode}; see {log}")
    elif counts["failed"] or counts["error"] or counts["errors"]:
        tally.problems.append(f"pytest: {title} failed (see above)")


def run_translation_checks(tally, log_dir):
    """Every language we ship translates every string of the addon's .pot, placeholders kept
    (tools/check_translations.py): one check per language file of each addon with an i18n/."""
    say(f"translations: {', '.join(LANGUAGES)} against each .pot")
    log = []
    for i18n in sorted(REPO.glob(f"{ADDON}*/i18n")):
        addon = i18n.parent.name
        template = f"{addon}/i18n/{addon}.pot"
        for lang in LANGUAGES:
            po = f"{addon}/i18n/{lang}.po"
            missing = [path for path in (template, po) if not (REPO / path).is_file()]
            if missing:
                tally.check(False, f"{po}: {missing[0]} does not exist")
                continue
            out = subprocess.run(
                [ODOO_PYTHON, "tools/check_translations.py", template, po],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            log.append(out.stdout + out.stderr)
            lines = out.stdout.splitlines()
            print(lines[0] if lines and not out.returncode else out.stdout + out.stderr, flush=True)
            tally.check(not out.returncode, f"{po}: translation check failed (see above)")
    (log_dir / "translations.log").write_text("".join(log))


OUR_LOG = re.compile(r"crm_strategy")
LOG_LINE = re.compile(r"^\S+ \S+ \d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+) (\S+): (.*)$")
# Noise Odoo itself prints on any run as root or on a bare machine.
IGNORED_WARNINGS = (
    "Running as user 'root'",
    "wkhtmltopdf",
)


def run_odoo(cmd, log_file, timeout):
    """Run Odoo, stream its log to a file, return (returncode, log text)."""
    with open(log_file, "w") as fh:
        proc = subprocess.run(
            cmd,
            stdout=fh,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=timeout,
        )
    return proc.returncode, Path(log_file).read_text(errors="replace")


def our_problems(log_text):
    """Warnings/errors of our module during install, and every ERROR/CRITICAL."""
    found = []
    for line in log_text.splitlines():
        m = LOG_LINE.match(line)
        if not m:
            continue
        level, _db, _logger, message = m.groups()
        if level in ("ERROR", "CRITICAL") or (
            level == "WARNING"
            and OUR_LOG.search(line)
            and not any(s in message for s in IGNORED_WARNINGS)
        ):
            found.append(line)
    return found


def run_odoo_tests(tally, addons_path, log_dir, keep):
    db = f"crm_strategy_test_{os.getpid()}"
    subprocess.run(["dropdb", "--if-exists", db], check=False, stderr=subprocess.DEVNULL)
    say(
        f"Odoo tests: installing {', '.join(OUR_ADDONS)} into throw-away database {db}"
        " (no demo data)"
    )
    cmd = odoo_cmd(
        addons_path,
        "-d",
        db,
        "-i",
        ",".join(OUR_ADDONS),
        "--without-demo=all",
        f"--test-tags={TEST_TAGS}",
        "--stop-after-init",
        "--log-level=test",
        f"--http-port={free_port()}",
        "--max-cron-threads=0",
    )
    t0 = time.time()
    try:
        rc, log = run_odoo(cmd, log_dir / "odoo-tests.log", timeout=40 * 60)
    finally:
        if not keep:
            subprocess.run(["dropdb", "--if-exists", db], check=False, stderr=subprocess.DEVNULL)
    say(f"Odoo tests finished in {time.time() - t0:.0f}s (log: {log_dir / 'odoo-tests.log'})")

    summary = re.findall(
        r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database", log
    )
    if not summary:
        tally.check(False, f"Odoo printed no test summary (exit {rc}); see the log")
        print("\n".join(log.splitlines()[-40:]))
        return
    failed, errors, run = (int(x) for x in summary[-1])
    tally.passed += run - failed - errors
    tally.failed += failed + errors
    for line in log.splitlines():
        if re.search(r" (ERROR|CRITICAL) .*(FAIL|ERROR):", line) or "Traceback" in line:
            print(line)
    if failed or errors:
        tally.problems.append(f"{failed} Odoo test(s) failed, {errors} errored")

    skipped = re.findall(r"skipped (\S+) : (.*)", log)
    for test, reason in skipped:
        tally.check(False, f"test {test} was skipped: {reason}")
    chrome = re.search(r"chrome headless with pid", log)
    tally.check(bool(chrome), "no browser test ran in Chromium")
    if chrome:
        say("browser tests ran in headless Chromium")
    for line in our_problems(log):
        if "FAIL:" in line or "ERROR:" in line or " when loading database" in line:
            continue  # counted above
        tally.check(False, f"log: {line[:300]}")


def run_install_checks(tally, addons_path, log_dir):
    """Install with demo data, then uninstall: both must leave a clean log."""
    db = f"crm_strategy_demo_check_{os.getpid()}"
    subprocess.run(["dropdb", "--if-exists", db], check=False, stderr=subprocess.DEVNULL)
    say(f"install with demo data, then uninstall, in {db}")
    try:
        cmd = odoo_cmd(
            addons_path,
            "-d",
            db,
            "-i",
            ",".join(OUR_ADDONS),
            "--stop-after-init",
            "--log-level=info",
            f"--http-port={free_port()}",
            "--max-cron-threads=0",
        )
        rc, log = run_odoo(cmd, log_dir / "install-demo.log", timeout=20 * 60)
        problems = our_problems(log)
        tally.check(
            rc == 0 and not problems,
            "install with demo data: " + "; ".join([f"exit {rc}", *problems[:5]]),
        )
        script = (
            f"mod = env['ir.module.module'].search([('name', '=', '{ADDON}')])\n"
            "mod.button_immediate_uninstall()\n"
            "env.cr.commit()\n"
            "env.invalidate_all()\n"
            f"state = env['ir.module.module'].search([('name', '=', '{ADDON}')]).state\n"
            "print('UNINSTALL-STATE', state)\n"
        )
        with open(log_dir / "uninstall.log", "w") as fh:
            proc = subprocess.run(
                odoo_cmd(addons_path, "shell", "-d", db, "--no-http", "--log-level=info"),
                input=script,
                stdout=fh,
                stderr=subprocess.STDOUT,
                text=True,
                check=False,
                timeout=20 * 60,
            )
        log = (log_dir / "uninstall.log").read_text(errors="replace")
        problems = our_problems(log)
        tally.check(
            proc.returncode == 0 and "UNINSTALL-STATE uninstalled" in log and not problems,
            "uninstall: " + "; ".join([f"exit {proc.returncode}", *problems[:5]]),
        )
    finally:
        subprocess.run(["dropdb", "--if-exists", db], check=False, stderr=subprocess.DEVNULL)


def cmd_test(args):
    addons_path = odoo_paths("test")
    check_browser_prerequisites()
    ensure_rtlcss(required=True)
    ensure_postgres()
    log_dir = REPO / ".test-logs"
    log_dir.mkdir(exist_ok=True)
    tally = Tally()
    run_translation_checks(tally, log_dir)
    run_pytest(tally, log_dir)
    run_odoo_tests(tally, addons_path, log_dir, args.keep_db)
    if not args.quick:
        run_install_checks(tally, addons_path, log_dir)
    if not args.skip_core:
        CoreTests(addons_path, log_dir, ODOO_PYTHON, keep=args.keep_db).run(
            tally,
            kinds=("unit", "browser") if args.core else ("unit",),
            reuse_baseline=not args.fresh_baseline,
        )
    for problem in tally.problems:
        print(f"FAILED: {problem}")
    print(f"{tally.passed} passed, {tally.failed} failed", flush=True)
    sys.exit(1 if tally.failed or tally.problems else 0)


def cmd_pot(args):
    """Export each addon's translation template from a database where they are installed."""
    addons_path = odoo_paths("pot")
    code = 0
    for addon in args.addons or OUR_ADDONS:
        target = REPO / addon / "i18n" / f"{addon}.pot"
        target.parent.mkdir(exist_ok=True)
        cmd = odoo_cmd(
            addons_path,
            "-d",
            args.db,
            f"--i18n-export={target}",
            f"--modules={addon}",
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        )
        code = code or subprocess.run(cmd, check=False).returncode
    sys.exit(code)


def cmd_python(_args):
    """Print the python that runs Odoo (for .ci/run, make bench): progress goes to stderr."""
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        odoo_paths("python")
    finally:
        sys.stdout = stdout
    print(shutil.which(ODOO_PYTHON) or ODOO_PYTHON, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="create/upgrade the demo database and serve Odoo")
    run.add_argument("--port", type=int, default=8069)
    run.set_defaults(func=cmd_run)
    test = sub.add_parser("test", help="run every test of the addon on a throw-away database")
    test.add_argument("--keep-db", action="store_true", help="keep the test database")
    test.add_argument("--quick", action="store_true", help="skip the demo install/uninstall check")
    test.add_argument(
        "--core",
        action="store_true",
        help="also run the browser tests (tours) of the Odoo apps we extend (make test-core)",
    )
    test.add_argument(
        "--skip-core",
        action="store_true",
        help="skip Odoo's own tests of the apps we extend (tools/core_tests.py)",
    )
    test.add_argument(
        "--fresh-baseline",
        action="store_true",
        help="rebuild the cached baseline database of Odoo's apps without our addons",
    )
    test.set_defaults(func=cmd_test)
    pot = sub.add_parser("pot", help="export i18n/crm_strategy.pot")
    pot.add_argument("--db", default=DEMO_DB)
    pot.add_argument("addons", nargs="*", help="default: every addon of the repository")
    pot.set_defaults(func=cmd_pot)
    python = sub.add_parser(
        "python", help="print the python that runs Odoo 18.0, setting one up if needed"
    )
    python.set_defaults(func=cmd_python)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
