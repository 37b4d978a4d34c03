"""Set up Odoo 18.0 Community in a per-user cache when no Odoo is importable.

`make run` and `make test` (tools/devtool.py) call `ensure()` when `python3` cannot import
Odoo 18.0 and no ODOO_PYTHON is given. It builds, once, a virtualenv in

    ~/.cache/crm_strategy/odoo-18.0-<commit or source digest>-py<X.Y>/
        odoo/       the Odoo source tree (put on the venv's path by a .pth file)
        venv/       Python with Odoo's requirements, ours and the test ones
        ready.json  written last: what was installed (a folder without it is rebuilt)

and returns that venv's python. Later runs (and CI on the same machine) reuse it; when our
requirements files change, only they are installed again.

Where Odoo comes from:
  - ODOO_SRC=<folder>       an Odoo 18.0 source tree (the folder holding odoo-bin)
  - ODOO_SRC=<file>         a tarball of one (.tar, .tar.gz, .tgz, .tar.xz, .tar.bz2)
  - ODOO_SRC=<git dir>      a git repository (bare or not) with ODOO_COMMIT, default the pin
  - nothing                 the official source at ODOO_COMMIT, default PINNED_COMMIT,
                            downloaded from ODOO_ARCHIVE_URL (default: the GitHub archive)

CRM_STRATEGY_CACHE moves the cache (the bootstrap's own test uses a temporary one).
Runs with the standard library only.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERIE = "18.0"
# The official commit to download when neither ODOO_SRC nor ODOO_COMMIT is given: odoo/odoo
# 18.0 as of 2024-11-25 (the ref a public Odoo build system records for its 18.0.20241125
# revision; it could not be fetched from the machines this was written on, which reach no
# internet). Empty would mean the head of the 18.0 branch, whose commit is read from the
# archive (git archive writes it into the tarball's header) and names the cache folder.
PINNED_COMMIT = "9cd3b8559fdba83f6f88f84dc1384e4bcb33bdc1"
ARCHIVE_URL = "https://github.com/odoo/odoo/archive/{ref}.tar.gz"
# psycopg2 and python-ldap are built from source: their headers, as Debian names them.
SYSTEM_PACKAGES = ("libpq-dev", "libldap2-dev", "libsasl2-dev")
# One of Odoo's pinned sdists still imports pkg_resources in its setup.py.
BUILD_CONSTRAINTS = "setuptools<70\n"
EXTRA_PACKAGES = ("websocket-client",)  # Odoo's browser tests need it; not in its requirements
OUR_REQUIREMENTS = ("requirements.txt", "requirements-test.txt")
MIN_FREE_BYTES = 3 * 1024**3
PIP_PROGRESS = re.compile(r"^(Collecting|Building wheel|Installing collected|Successfully)")
NETWORK_ERRORS = re.compile(
    r"NewConnectionError|Temporary failure in name resolution|Name or service not known|"
    r"Failed to establish a new connection|ConnectTimeout|ReadTimeout|Network is unreachable|"
    r"Connection refused|ProxyError|SSLError"
)
HEADER_ERRORS = re.compile(
    r"pg_config executable not found|lber\.h|ldap\.h|sasl/sasl\.h|Python\.h|"
    r"command '\S*(gcc|cc)' failed|No such file or directory: '\S*(gcc|cc)'|"
    r"unable to execute '\S*(gcc|cc)'"
)
DISK_ERRORS = re.compile(r"No space left on device|\[Errno 28\]|Disk quota exceeded")


class BootstrapError(Exception):
    """A failure the user can act on; the message says what to do."""


def cache_root():
    base = os.environ.get("CRM_STRATEGY_CACHE")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "crm_strategy"


def _requirements_digest():
    digest = hashlib.sha1()
    for name in OUR_REQUIREMENTS:
        digest.update((REPO / name).read_bytes())
    digest.update(" ".join(EXTRA_PACKAGES).encode())
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------- where Odoo comes from


def _is_git_dir(path):
    if (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir()):
        out = subprocess.run(
            ["git", f"--git-dir={_git_dir(path)}", "rev-parse", "--git-dir"],
            capture_output=True,
            check=False,
        )
        return out.returncode == 0
    return False


def _git_dir(path):
    return path / ".git" if (path / ".git").exists() else path


def _tree_digest(root):
    """A folder's identity: its files' paths and sizes (not mtimes: a copy keeps its key)."""
    digest = hashlib.sha1()
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "__pycache__"))
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            path = Path(top, name)
            digest.update(f"{path.relative_to(root)}\0{path.stat().st_size}\n".encode())
    return digest.hexdigest()[:12]


def _file_digest(path):
    """A tarball's identity without reading its gigabyte on every run: name, size, mtime."""
    stat = path.stat()
    return hashlib.sha1(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[
        :12
    ]


def _tar_commit(path):
    """The commit `git archive` (and GitHub's archives) record in the tarball's header."""
    try:
        with tarfile.open(path) as tar:
            tar.next()
            comment = tar.pax_headers.get("comment", "")
    except (tarfile.TarError, OSError) as exc:
        raise BootstrapError(f"{path} is not a readable tarball: {exc}") from exc
    return comment if re.fullmatch(r"[0-9a-f]{40}", comment) else None


class Source:
    """Where Odoo comes from: `key` names the cache folder (None: known once placed),
    `place(dest, say)` lays the tree there and returns the commit when it learns it."""

    def __init__(self, kind, key, origin, place):
        self.kind, self.key, self.origin, self.place = kind, key, origin, place


def describe_source(env=None):
    env = os.environ if env is None else env
    src = env.get("ODOO_SRC")
    commit = env.get("ODOO_COMMIT") or PINNED_COMMIT
    if not src:
        return _download_source(env, commit)
    path = Path(src).expanduser().resolve()
    if not path.exists():
        raise BootstrapError(f"ODOO_SRC={src} does not exist")
    if path.is_file():
        commit = _tar_commit(path)
        key = commit[:12] if commit else f"tar-{_file_digest(path)}"
        return Source("tarball", key, str(path), lambda dest, _say: _extract(path, dest))
    if (path / "odoo-bin").is_file() and not env.get("ODOO_COMMIT"):
        return Source(
            "folder",
            f"src-{_tree_digest(path)}",
            str(path),
            lambda dest, _say: _copy_tree(path, dest),
        )
    if _is_git_dir(path):
        if not commit:
            raise BootstrapError(
                f"ODOO_SRC={src} is a git repository: name the Odoo 18.0 commit to take with "
                "ODOO_COMMIT=<sha or branch>"
            )
        out = subprocess.run(
            ["git", f"--git-dir={_git_dir(path)}", "rev-parse", "--verify", f"{commit}^{{commit}}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            raise BootstrapError(f"ODOO_SRC={src} has no commit {commit} (ODOO_COMMIT)")
        sha = out.stdout.strip()
        return Source(
            "git",
            sha[:12],
            f"{path} at {sha}",
            lambda dest, _say: _git_archive(_git_dir(path), sha, dest),
        )
    raise BootstrapError(
        f"ODOO_SRC={src} is neither an Odoo source folder (no odoo-bin in it), a tarball, "
        "nor a git repository"
    )


def _download_source(env, commit):
    ref = commit or SERIE
    url = env.get("ODOO_ARCHIVE_URL") or ARCHIVE_URL.format(ref=ref)
    # A pinned commit names the cache before anything is downloaded: a cached one is reused
    # without touching the network. A branch is only known after the download.
    key = commit[:12] if re.fullmatch(r"[0-9a-f]{40}", commit or "") else None

    def place(dest, say):
        archive = _download(url, dest.parent / "download.tar.gz", say)
        try:
            found = _tar_commit(archive)
            _extract(archive, dest)
        finally:
            archive.unlink(missing_ok=True)
        return found

    return Source("download", key, url, place)


def _download(url, target, say):
    part = target.with_suffix(".part")
    say(f"downloading Odoo {SERIE} from {url}")
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(part, "wb") as fh:
            total = int(response.headers.get("Content-Length") or 0)
            done, shown = 0, 0
            for block in iter(lambda: response.read(1 << 20), b""):
                fh.write(block)
                done += len(block)
                if done - shown >= 50 << 20:
                    shown = done
                    of = f" of {total >> 20} MB" if total else ""
                    say(f"  {done >> 20} MB{of}")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        part.unlink(missing_ok=True)
        raise BootstrapError(
            f"could not download Odoo {SERIE} from {url} ({getattr(exc, 'reason', exc)}). "
            "Without internet, give an Odoo 18.0 source: ODOO_SRC=<source folder, tarball or "
            "git directory>, or an existing installation: ODOO_PYTHON=<its python>"
        ) from exc
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise _os_error(exc, target.parent) from exc
    part.rename(target)
    return target


def _odoo_root(top):
    """The folder holding odoo-bin: `top` itself or its single subfolder (archives)."""
    if (top / "odoo-bin").is_file():
        return top
    children = [p for p in top.iterdir() if p.is_dir()]
    if len(children) == 1 and (children[0] / "odoo-bin").is_file():
        return children[0]
    raise BootstrapError(f"no odoo-bin found in the Odoo source ({top})")


def _extract(archive, dest):
    staging = dest.with_name(dest.name + ".extract")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with tarfile.open(archive) as tar:
            kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(staging, **kwargs)
    except tarfile.TarError as exc:
        raise BootstrapError(f"{archive} is not a readable tarball: {exc}") from exc
    except OSError as exc:
        raise _os_error(exc, dest.parent) from exc
    _odoo_root(staging).rename(dest)
    shutil.rmtree(staging, ignore_errors=True)


def _git_archive(git_dir, sha, dest):
    dest.mkdir(parents=True)
    with subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "archive", sha], stdout=subprocess.PIPE
    ) as proc:
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tar.extractall(dest, **kwargs)
        except OSError as exc:
            raise _os_error(exc, dest.parent) from exc
    if proc.returncode:
        raise BootstrapError(f"git archive {sha} failed in {git_dir}")


def _copy_tree(src, dest):
    """Hard links where the file system allows them (no space, instant), copies otherwise."""

    def link_or_copy(a, b):
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    try:
        shutil.copytree(
            src,
            dest,
            ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc", "*.egg-info"),
            copy_function=link_or_copy,
            symlinks=True,
        )
    except (OSError, shutil.Error) as exc:
        raise _os_error(exc, dest.parent) from exc


def _serie(tree):
    release = tree / "odoo" / "release.py"
    found = re.search(r"^version_info = \((\d+), (\d+)", release.read_text(), re.M)
    return f"{found[1]}.{found[2]}" if found else None


def _os_error(exc, where):
    if DISK_ERRORS.search(str(exc)):
        return BootstrapError(_disk_message(where))
    return BootstrapError(f"{exc}")


def _disk_message(where):
    free = shutil.disk_usage(where).free if where.exists() else 0
    return (
        f"not enough disk space in {where} ({free / 1024**3:.1f} GB free; the Odoo setup needs "
        f"about {MIN_FREE_BYTES / 1024**3:.0f} GB). Free some space, or put the cache elsewhere "
        "with CRM_STRATEGY_CACHE=<folder>"
    )


# ---------------------------------------------------------------- what the build needs


def missing_build_tools(python):
    """What compiling psycopg2 and python-ldap needs and this machine lacks."""
    include = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    checks = {
        "a C compiler (gcc)": shutil.which("gcc") or shutil.which("cc"),
        "Python's headers (Python.h)": include and Path(include, "Python.h").is_file(),
        "libpq-dev (pg_config)": shutil.which("pg_config"),
        "libldap2-dev (ldap.h)": Path("/usr/include/ldap.h").is_file(),
        "libsasl2-dev (sasl/sasl.h)": Path("/usr/include/sasl/sasl.h").is_file(),
    }
    return [what for what, ok in checks.items() if not ok]


def ensure_build_tools(python, say, log):
    missing = missing_build_tools(python)
    if not missing:
        return
    packages = [*SYSTEM_PACKAGES]
    if any("gcc" in m or "Python.h" in m for m in missing):
        packages[:0] = ["build-essential", "python3-dev"]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing {' '.join(packages)} (to build psycopg2 and python-ldap)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
            if subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode:
                raise BootstrapError(
                    f"`{' '.join(cmd)}` failed (log: {log.name}); install {' '.join(packages)} "
                    "yourself, or give ODOO_PYTHON=<python of an existing Odoo 18.0>"
                )
        missing = missing_build_tools(python)
    if missing:
        raise BootstrapError(
            "building Odoo's requirements (psycopg2, python-ldap) needs "
            + ", ".join(missing)
            + f". On Debian/Ubuntu: sudo apt-get install {' '.join(packages)}; or give "
            "ODOO_PYTHON=<python of an existing Odoo 18.0>"
        )


def pip_install(python, args, say, log, constraints):
    """pip install, its progress condensed on screen and in full in the log; failures
    explained (no network, missing headers, no disk)."""
    env = dict(os.environ, PIP_ROOT_USER_ACTION="ignore", PIP_DISABLE_PIP_VERSION_CHECK="1")
    # PIP_CONSTRAINT replaces a constraint file set in pip's configuration: keep both.
    configured = subprocess.run(
        [python, "-m", "pip", "config", "get", "global.constraint"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    env["PIP_CONSTRAINT"] = " ".join(
        filter(None, [os.environ.get("PIP_CONSTRAINT"), configured, str(constraints)])
    )
    cmd = [python, "-m", "pip", "install", "--progress-bar=off", *args]
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    tail = []
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as proc:
        for line in proc.stdout:
            log.write(line)
            tail = [*tail[-400:], line]
            if PIP_PROGRESS.match(line):
                say("  " + line.split(" (from ")[0].rstrip()[:160])
    if proc.returncode == 0:
        return
    text = "".join(tail)
    log.flush()
    if DISK_ERRORS.search(text):
        raise BootstrapError(_disk_message(Path(log.name).parent))
    if HEADER_ERRORS.search(text):
        missing = missing_build_tools(python) or ["compiler headers"]
        raise BootstrapError(
            "a package could not be compiled: this machine lacks "
            + ", ".join(missing)
            + f" (Debian/Ubuntu: apt-get install build-essential python3-dev "
            f"{' '.join(SYSTEM_PACKAGES)}). pip's log: {log.name}"
        )
    unfound = re.search(r"No matching distribution found for (\S+)", text)
    if NETWORK_ERRORS.search(text) or (unfound and "(from versions: none)" in text):
        what = f"found no release of {unfound[1]}: " if unfound else ""
        raise BootstrapError(
            f"pip {what}it cannot reach the package index (no network?). Connect, or "
            "configure a reachable index (PIP_INDEX_URL) or local wheels (PIP_FIND_LINKS). "
            f"Log: {log.name}"
        )
    last = [line.strip() for line in tail if line.strip()][-3:]
    raise BootstrapError(f"pip install failed: {' | '.join(last)} (full log: {log.name})")


# ---------------------------------------------------------------- the whole set-up


def _venv_python(home):
    return home / "venv" / "bin" / "python"


def _ready(home):
    try:
        return json.loads((home / "ready.json").read_text())
    except (OSError, ValueError):
        return None


def ensure(say=print, python=None):
    """Return the python of a cached virtualenv with Odoo 18.0, ours and the test
    requirements, building or completing it first. Raises BootstrapError."""
    python = python or sys.executable
    version = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if tuple(int(x) for x in version.split(".")) < (3, 10):
        raise BootstrapError(f"Odoo {SERIE} needs Python 3.10 or newer; {python} is {version}")
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BootstrapError(f"cannot create the cache folder {root}: {exc}") from exc
    source = describe_source()
    t0 = time.time()
    with open(root / "bootstrap.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one set-up at a time (make run beside make test)
        home = root / f"odoo-{SERIE}-{source.key}-py{version}" if source.key else None
        if home and _ready(home) and _venv_python(home).exists():
            return _refresh(home, say)
        if shutil.disk_usage(root).free < MIN_FREE_BYTES:
            raise BootstrapError(_disk_message(root))
        staging = Path(tempfile.mkdtemp(prefix="odoo-setup-", dir=root))
        try:
            say(f"setting up Odoo {SERIE} in {root} (once; later runs reuse it)")
            say(f"Odoo source: {source.kind} {source.origin}")
            found = source.place(staging / "odoo", say)
            tree = staging / "odoo"
            serie = _serie(tree)
            if serie != SERIE:
                raise BootstrapError(
                    f"the Odoo source {source.origin} is Odoo {serie}, not {SERIE}"
                )
            if home is None:  # a downloaded branch: its commit is now known
                key = found[:12] if found else f"src-{_tree_digest(tree)}"
                home = root / f"odoo-{SERIE}-{key}-py{version}"
                if _ready(home) and _venv_python(home).exists():
                    return _refresh(home, say)
            if home.exists():
                say(f"removing the unfinished set-up {home}")
                shutil.rmtree(home)
            staging.rename(home)
            _build(home, say, python)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    say(f"Odoo {SERIE} is ready in {home} ({time.time() - t0:.0f} s)")
    return str(_venv_python(home))


def _build(home, say, python):
    log_path = home / "setup.log"
    with open(log_path, "a") as log:
        say(f"creating a virtualenv with {python} (log: {log_path})")
        out = subprocess.run(
            [python, "-m", "venv", str(home / "venv")],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
        if out.returncode:
            raise BootstrapError(
                f"`{python} -m venv` failed (log: {log_path}); on Debian/Ubuntu: "
                "apt-get install python3-venv"
            )
        venv_python = str(_venv_python(home))
        ensure_build_tools(venv_python, say, log)
        purelib = subprocess.run(
            [venv_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        # Odoo itself: its source on the venv's path (no build, `python -m odoo` runs it).
        Path(purelib, "crm_strategy_odoo.pth").write_text(f"{home / 'odoo'}\n")
        constraints = home / "build-constraints.txt"
        constraints.write_text(BUILD_CONSTRAINTS)
        say("installing Odoo's Python requirements, ours and the test ones (a few minutes)")
        pip_install(
            venv_python,
            [
                "-r",
                str(home / "odoo" / "requirements.txt"),
                *[arg for name in OUR_REQUIREMENTS for arg in ("-r", str(REPO / name))],
                *EXTRA_PACKAGES,
            ],
            say,
            log,
            constraints,
        )
        check = subprocess.run(
            [venv_python, "-c", "import odoo.release as r, psycopg2, ldap; print(r.serie)"],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode or check.stdout.strip() != SERIE:
            raise BootstrapError(
                f"the new virtualenv cannot import Odoo {SERIE}: "
                f"{(check.stderr.strip().splitlines() or ['?'])[-1]} (log: {log_path})"
            )
    (home / "ready.json").write_text(
        json.dumps({"python": python, "requirements": _requirements_digest()}, indent=1)
    )


def _refresh(home, say):
    """A cached set-up: install our requirements again if they changed since."""
    ready = _ready(home)
    venv_python = _venv_python(home)
    if ready.get("requirements") != _requirements_digest():
        say("our requirements changed: installing them into the cached Odoo virtualenv")
        with open(home / "setup.log", "a") as log:
            pip_install(
                str(venv_python),
                [
                    *[arg for name in OUR_REQUIREMENTS for arg in ("-r", str(REPO / name))],
                    *EXTRA_PACKAGES,
                ],
                say,
                log,
                home / "build-constraints.txt",
            )
        ready["requirements"] = _requirements_digest()
        (home / "ready.json").write_text(json.dumps(ready, indent=1))
    say(f"using the cached Odoo {SERIE} in {home}")
    return str(venv_python)
