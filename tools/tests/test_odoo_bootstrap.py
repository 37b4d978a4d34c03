"""The set-up of Odoo 18.0 that `make run` / `make test` do when python3 has no Odoo
(tools/odoo_bootstrap.py). The full set-up runs when ODOO_SRC names an Odoo 18.0 source,
into a temporary cache; the rest runs everywhere on small trees made here."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import odoo_bootstrap
from odoo_bootstrap import BootstrapError


def fake_odoo(root, serie=(18, 0)):
    """The files the bootstrap looks at in an Odoo source tree."""
    (root / "odoo").mkdir(parents=True)
    (root / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    (root / "requirements.txt").write_text("")
    (root / "odoo" / "__init__.py").write_text("")
    (root / "odoo" / "release.py").write_text(
        f"version_info = ({serie[0]}, {serie[1]}, 0, 'final', 0, '')\n"
        "serie = '%d.%d' % version_info[:2]\n"
    )
    return root


def git_repo(root):
    fake_odoo(root)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t")
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-qm", "Odoo"]):
        subprocess.run(["git", "-C", str(root), *cmd], check=True, env=env)
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_STRATEGY_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ODOO_COMMIT", raising=False)
    return tmp_path / "cache"


def test_refuses_another_odoo_version_and_leaves_nothing_behind(tmp_path, cache, monkeypatch):
    monkeypatch.setenv("ODOO_SRC", str(fake_odoo(tmp_path / "odoo17", serie=(17, 0))))
    with pytest.raises(BootstrapError, match=r"is Odoo 17\.0, not 18\.0"):
        odoo_bootstrap.ensure(say=lambda _msg: None)
    assert not [p for p in cache.iterdir() if p.is_dir()], "no half-built set-up is left"


def test_explains_a_source_that_is_not_odoo(tmp_path, cache):
    with pytest.raises(BootstrapError, match="does not exist"):
        odoo_bootstrap.describe_source({"ODOO_SRC": str(tmp_path / "nowhere")})
    (tmp_path / "empty").mkdir()
    with pytest.raises(BootstrapError, match="neither an Odoo source folder"):
        odoo_bootstrap.describe_source({"ODOO_SRC": str(tmp_path / "empty")})
    repo = tmp_path / "repo"
    git_repo(repo)
    with pytest.raises(BootstrapError, match="has no commit 0123456"):
        odoo_bootstrap.describe_source({"ODOO_SRC": str(repo), "ODOO_COMMIT": "0123456"})


def test_git_directory_tarball_and_download_name_the_cache_by_commit(tmp_path, cache):
    repo = tmp_path / "repo"
    sha = git_repo(repo)
    git = odoo_bootstrap.describe_source({"ODOO_SRC": str(repo), "ODOO_COMMIT": "HEAD"})
    assert (git.kind, git.key) == ("git", sha[:12])
    git.place(tmp_path / "from-git", print)
    assert (tmp_path / "from-git" / "odoo-bin").is_file()

    # git archive (as GitHub's archives) records the commit in the tarball
    tarball = tmp_path / "odoo.tar.gz"
    subprocess.run(
        ["git", "-C", str(repo), "archive", "--prefix=odoo-18.0/", "-o", str(tarball), "HEAD"],
        check=True,
    )
    tar = odoo_bootstrap.describe_source({"ODOO_SRC": str(tarball)})
    assert (tar.kind, tar.key) == ("tarball", sha[:12])
    tar.place(tmp_path / "from-tar", print)
    assert (tmp_path / "from-tar" / "odoo" / "release.py").is_file()

    # the download path, from a local URL (no internet here), with the commit pinned
    url = tarball.as_uri()
    down = odoo_bootstrap.describe_source({"ODOO_ARCHIVE_URL": url, "ODOO_COMMIT": sha})
    assert (down.kind, down.key) == ("download", sha[:12])
    (tmp_path / "dl").mkdir()
    assert down.place(tmp_path / "dl" / "odoo", print) == sha
    assert (tmp_path / "dl" / "odoo" / "odoo-bin").is_file()


def test_no_network_says_what_to_do(tmp_path, cache):
    source = odoo_bootstrap.describe_source({"ODOO_ARCHIVE_URL": "http://127.0.0.1:9/odoo.tgz"})
    (tmp_path / "dl").mkdir()
    with pytest.raises(BootstrapError, match=r"could not download.*ODOO_SRC="):
        source.place(tmp_path / "dl" / "odoo", print)


def test_missing_build_headers_are_named():
    missing = odoo_bootstrap.missing_build_tools(sys.executable)
    # this machine has them all (CI builds psycopg2 and python-ldap); each is named when not
    assert missing == [], missing


@pytest.mark.skipif(
    not os.environ.get("ODOO_SRC"),
    reason="ODOO_SRC is not set: the full set-up of Odoo 18.0 runs only from a given source",
)
def test_sets_up_odoo_from_odoo_src_into_a_fresh_cache(cache, monkeypatch):
    messages = []
    started = time.time()
    python = odoo_bootstrap.ensure(say=messages.append)
    took = time.time() - started
    assert Path(python).is_relative_to(cache)
    out = subprocess.run(
        [
            python,
            "-c",
            "import odoo, odoo.release as r, numpy, scipy, websocket, psycopg2, ldap, pytest;"
            "print(r.serie); print(odoo.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")},
    )
    serie, odoo_file = out.stdout.split()
    assert serie == "18.0"
    assert Path(odoo_file).is_relative_to(cache), "Odoo is imported from the cached copy"
    assert any("installing Odoo's Python requirements" in m for m in messages)
    print(f"set-up from ODOO_SRC took {took:.0f} s")

    again = []
    assert odoo_bootstrap.ensure(say=again.append) == python
    assert any("using the cached Odoo" in m for m in again), again
