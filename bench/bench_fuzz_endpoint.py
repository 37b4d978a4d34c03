#!/usr/bin/env python3
"""Fuzz POST /crm_strategy/events on a running Odoo and count the answers per status class.

Sends --requests (default 10,000) generated requests from --clients threads, seeded (--seed),
over raw sockets so that anything goes: valid batches, NUL and control characters, lone
surrogates (escaped and as invalid UTF-8), NaN/Infinity, deep nesting, wrong JSON types,
extreme or malformed timestamps, malformed URLs and query strings, odd headers and methods,
chunked bodies (valid, malformed, and larger than the 5 MB limit), bodies cut short.

Expected: 0 answers of 5xx, every 4xx a JSON object with "error", and the number of stored
events equal to the sum of "accepted" of the 201s (checked over XML-RPC).

Only 127.0.0.1 / localhost is accepted as target. Without --url the script makes a scratch
database (a copy of --template updated, or a fresh install), starts Odoo on it with --workers,
creates an integration and a lead, fuzzes, stops the server and drops the database. With --url it
fuzzes a running server: the integration is created over XML-RPC as --login/--password on --db.

    bench/bench_fuzz_endpoint.py --template crm_tmpl --workers 2
    bench/bench_fuzz_endpoint.py --url http://127.0.0.1:8069 --db mydb --password admin
"""

import argparse
import json
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import xmlrpc.client
from collections import Counter

from benchlib import create_db, make_say, odoo_cmd, open_env

say = make_say("bench_fuzz_endpoint")

PATH = "/crm_strategy/events"
LIMIT = 5 * 1024 * 1024
TYPES = ["page_view", "email_open", "email_click", "download", "form_submit"]
NASTY_TEXT = [
    "a\x00b",
    "\x07bell",
    "tab\there",
    "\ud800",
    "\udfff\ud800",
    "😀",
    "é" * 3,
    "x" * 3000,
    "",
    " ",
    "\u2028",
    "'; DROP TABLE crm_lead; --",
]
NASTY_VALUES = [
    None,
    True,
    0,
    -1,
    2**31,
    2**70,
    1.5,
    float("nan"),
    float("inf"),
    [],
    {},
    [1, [2]],
    {"a": {"b": None}},
    *NASTY_TEXT,
]
STAMPS = [
    "2024-05-01T10:00:00",
    "2024-05-01T10:00:00+02:00",
    "0000-01-01T00:00:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "99999-01-01",
    "1900-01-01",
    "garbage",
    "2024-02-30",
    "",
    20240101,
    ["2024-01-01"],
]
URLS = ["/pricing", "https://a.example/p?q=1", "http://[::1", "//h:99999/", "javascript:x"]
QUERIES = ["", "?", "?debug=1", "?a=%ff&b=%00", "?db=nope", "?x[]=1&csrf_token=1", "?%zz"]
CONTENT_TYPES = [
    b"application/json",
    b"application/json; charset=latin-1",
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=b",
    b"multipart/form-data",
]


class Fuzzer:
    def __init__(self, rng, key, lead_ids):
        self.rng = rng
        self.key = key
        self.lead_ids = lead_ids

    def value(self, depth=0):
        rng = self.rng
        if depth < 3 and rng.random() < 0.3:
            if rng.random() < 0.5:
                return [self.value(depth + 1) for _i in range(rng.randint(0, 3))]
            return {rng.choice(NASTY_TEXT[:6] + ["k", "x"]): self.value(depth + 1)}
        return rng.choice(NASTY_VALUES)

    def event(self):
        rng = self.rng
        event = {
            "type": rng.choice(TYPES),
            "lead_id": rng.choice(self.lead_ids),
            "url": "/pricing",
            "timestamp": "2024-05-01T10:00:00",
            "payload": {"n": rng.randint(0, 9)},
        }
        for _i in range(rng.choice([0, 0, 1, 2, 3])):  # mutate some fields
            field = rng.choice(
                [
                    "type",
                    "lead_id",
                    "partner_id",
                    "company_id",
                    "url",
                    "timestamp",
                    "email",
                    "visitor_key",
                    "subject",
                    "idempotency_key",
                    "payload",
                    "junk",
                ]
            )
            if field == "timestamp":
                event[field] = rng.choice(STAMPS)
            elif field == "url":
                event[field] = rng.choice(URLS + NASTY_TEXT)
            elif field == "payload" and rng.random() < 0.2:
                depth = rng.choice([5, 50, 500])
                event[field] = json.loads("[" * depth + "]" * depth)
            else:
                event[field] = self.value()
        return event

    def body(self):
        """(bytes, whether it may be accepted at all)"""
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            filler = rng.choice([b" ", b"a", b"["])
            return b"[" + filler * (LIMIT + rng.randint(0, 4096)) + b"]", False
        if roll < 0.05:
            depth = rng.choice([1000, 100_000])
            return b"[" * depth + b"]" * depth, False
        if roll < 0.15:
            return rng.randbytes(rng.randint(0, 300)), False
        if roll < 0.25:
            return json.dumps(self.value()).encode(), False
        events = [self.event() for _i in range(rng.randint(1, 4))]
        data = {"events": events} if rng.random() < 0.3 else events
        if rng.random() < 0.3:
            raw = json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")
        else:
            raw = json.dumps(data).encode()
        if rng.random() < 0.05 and raw:
            raw = raw[: rng.randrange(len(raw))]
        return raw, True

    def request(self):
        """(raw HTTP request bytes, may be accepted)"""
        rng = self.rng
        body, acceptable = self.body()
        method = b"POST" if rng.random() < 0.97 else rng.choice([b"GET", b"PUT", b"DELETE"])
        query = rng.choice(QUERIES).encode()
        headers = [b"Host: 127.0.0.1", b"Connection: close"]
        auth = rng.random()
        if auth < 0.8:
            headers.append(b"Authorization: Bearer " + self.key.encode())
        elif auth < 0.85:
            headers.append(b"X-Api-Key: " + self.key.encode())
        elif auth < 0.9:
            headers.append(b"Authorization: Bearer crmsk_" + b"0" * 40)
        elif auth < 0.95:
            junk = rng.randbytes(rng.randint(0, 40)).replace(b"\r", b"").replace(b"\n", b"")
            headers.append(b"Authorization: Bearer " + junk)
        if rng.random() < 0.9:
            headers.append(b"Content-Type: " + rng.choice(CONTENT_TYPES))
        if rng.random() < 0.05:
            junk = rng.randbytes(rng.randint(0, 60)).replace(b"\r", b"").replace(b"\n", b"")
            headers.append(
                rng.choice([b"Accept-Language: ", b"Cookie: session_id=", b"X-Junk: "]) + junk
            )
        chunked = len(body) > LIMIT or rng.random() < 0.4
        if chunked:
            headers.append(b"Transfer-Encoding: chunked")
            size = 65536
            parts = [body[i : i + size] for i in range(0, len(body), size)]
            payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
            if rng.random() < 0.05:  # broken chunk framing
                payload = b"zz\r\n" + payload
        else:
            headers.append(b"Content-Length: %d" % len(body))
            payload = body
        head = method + b" " + PATH.encode() + query + b" HTTP/1.1\r\n"
        head += b"".join(h + b"\r\n" for h in headers) + b"\r\n"
        return head + payload, acceptable and method == b"POST" and auth < 0.85


def send(host, port, raw, timeout=60):
    """(status, body bytes); status 0 when the connection failed."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            try:
                sock.sendall(raw)
            except OSError:
                pass  # the server answered before reading it all: read that answer
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    except OSError:
        return 0, b""
    head, _sep, body = answer.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0, answer
    if b"transfer-encoding: chunked" in head.lower():
        decoded, rest = b"", body
        while rest:
            size_line, _sep, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if not size:
                break
            decoded, rest = decoded + rest[:size], rest[size + 2 :]
        body = decoded
    return status, body


def xmlrpc(url, db, login, password):
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(db, login, password, {})
    if not uid:
        sys.exit(f"cannot log in as {login} on {db}")
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, password, model, method, list(args), kwargs)

    return call


class RpcTarget:
    """A running server we only talk to over XML-RPC."""

    def __init__(self, args):
        self.call = xmlrpc(args.url, args.db, args.login, args.password)

    def setup(self, key):
        call = self.call
        lead = call("crm.lead", "create", {"name": "Fuzz target", "email_from": "f@bench.example"})
        if key:
            return None, key, [lead]
        integration = call("crm.scoring.integration", "create", {"name": "Fuzz bench"})
        action = call("crm.scoring.integration", "action_generate_key", [integration])
        return integration, action["context"]["default_key"], [lead]

    def count(self, integration):
        domain = [("integration_id", "=", integration)] if integration else []
        return self.call("crm.engagement.event", "search_count", domain)


class DbTarget:
    """Our scratch database: set up and counted with direct access (one registry)."""

    def __init__(self, args):
        self.db = args.db

    def setup(self, _key):
        cr, env = open_env(self.db)
        self.registry = env.registry
        try:
            integration = env["crm.scoring.integration"].create({"name": "Fuzz bench"})
            key = integration.action_generate_key()["context"]["default_key"]
            lead = env["crm.lead"].create({"name": "Fuzz target", "email_from": "f@bench.example"})
            cr.commit()
            return integration.id, key, [lead.id]
        finally:
            cr.close()

    def count(self, integration):
        from odoo import SUPERUSER_ID, api  # noqa: PLC0415

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return env["crm.engagement.event"].search_count([("integration_id", "=", integration)])

    def close(self):
        import odoo  # noqa: PLC0415

        odoo.sql_db.close_db(self.db)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args):
    port = urllib.parse.urlsplit(args.url).port
    if args.template:
        subprocess.run(["dropdb", "--if-exists", args.db], check=True)
        say(f"copying {args.template} into {args.db}, updating crm_strategy")
        subprocess.run(["createdb", "-T", args.template, args.db], check=True)
        subprocess.run(
            odoo_cmd(args.db, "-u", "crm_strategy", "--stop-after-init", "--log-level=warn"),
            check=True,
        )
    else:
        create_db(args.db, None, say)
    log = open(f"/tmp/{args.db}.log", "w")  # closed with the server
    server = subprocess.Popen(
        odoo_cmd(
            args.db,
            f"--http-port={port}",
            "--http-interface=127.0.0.1",
            f"--db-filter=^{args.db}$",
            f"--workers={args.workers}",
            f"--gevent-port={free_port()}",
            "--limit-time-real=600",
            "--limit-time-cpu=600",
            "--log-level=info",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _i in range(120):
        try:
            urllib.request.urlopen(f"{args.url}/web/webclient/version_info", data=b"{}", timeout=2)
            break
        except OSError:
            time.sleep(1)
    say(f"server pid {server.pid} on {args.url}, log /tmp/{args.db}.log")
    return server, log


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running server (else one is started)")
    parser.add_argument("--key", help="API key of an integration (else one is created)")
    parser.add_argument("--db", default="fuzz_bench")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--template", help="database to copy (crm_strategy installed)")
    parser.add_argument("--port", type=int, default=0, help="of the server we start")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    serve = not args.url
    if serve:
        args.url = f"http://127.0.0.1:{args.port or free_port()}"
    target = urllib.parse.urlsplit(args.url)
    if target.hostname not in ("127.0.0.1", "localhost") or target.scheme != "http":
        sys.exit("only http://127.0.0.1 or http://localhost may be fuzzed")

    server = log = backend = None
    if serve:
        server, log = start_server(args)
    try:
        backend = DbTarget(args) if serve else RpcTarget(args)
        integration, key, lead_ids = backend.setup(args.key)
        lead_ids += [0, -1, 2**31, 999_999_999]
        rows_before = backend.count(integration)
        statuses, problems = Counter(), Counter()
        accepted = 0
        lock = threading.Lock()
        counter = iter(range(args.requests))
        deadline = time.monotonic() + args.max_seconds

        def worker(seed):
            nonlocal accepted
            fuzzer = Fuzzer(random.Random(seed), key, lead_ids)
            for _n in counter:
                if time.monotonic() > deadline:
                    return
                raw, acceptable = fuzzer.request()
                status, body = send(target.hostname, target.port, raw)
                try:
                    answer = json.loads(body)
                except ValueError:
                    answer = None
                with lock:
                    statuses[f"{status // 100}xx" if status else "no answer"] += 1
                    if status >= 500:
                        problems[f"{status}: {body[:120]!r}"] += 1
                    elif status and not isinstance(answer, dict):
                        problems[f"{status} without a JSON body: {body[:80]!r}"] += 1
                    elif status == 201:
                        accepted += answer.get("accepted", 0)
                        if not acceptable:
                            problems[f"accepted a poisoned request: {raw[:120]!r}"] += 1
                    elif status // 100 == 4 and "error" not in answer:
                        problems[f"{status} without an error: {body[:80]!r}"] += 1

        threads = [
            threading.Thread(target=worker, args=(args.seed * 1000 + i,))
            for i in range(args.clients)
        ]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - t0
        rows_after = backend.count(integration)
        total = sum(statuses.values())
        say(
            f"{total} requests in {elapsed:.1f}s ({total / elapsed:.0f}/s), "
            f"{args.clients} clients, seed {args.seed}"
        )
        for status_class in sorted(statuses):
            say(f"  {status_class}: {statuses[status_class]}")
        say(
            f"events stored: {rows_after - rows_before}, accepted by 201s: {accepted} "
            f"({'equal' if rows_after - rows_before == accepted else 'DIFFERENT'})"
        )
        for problem, count in problems.most_common(20):
            say(f"  problem x{count}: {problem}")
        still_up = send(
            target.hostname,
            target.port,
            b"GET /web/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )[0]
        say(f"server still answers: HTTP {still_up}")
        failed = (
            statuses.get("5xx", 0)
            or problems
            or rows_after - rows_before != accepted
            or not still_up
        )
        return 1 if failed else 0
    finally:
        if isinstance(backend, DbTarget):
            backend.close()
        if server:
            server.terminate()
            server.wait(timeout=60)
            log.close()
            if not args.keep:
                subprocess.run(["dropdb", "--if-exists", args.db], check=False)


if __name__ == "__main__":
    sys.exit(main())
