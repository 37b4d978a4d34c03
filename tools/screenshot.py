#!/usr/bin/env python3
"""Screenshots of a running Odoo (`make run`) for the documentation.

Usage: python3 tools/screenshot.py [--base-url URL] [--debug-port N] OUT.png PATH [OUT.png PATH ...]

Pairs of output file and URL path, e.g.
    docs/img/personas.png /odoo/action-crm_strategy.crm_persona_action
A path may end with "|CSS" (split at the first "|"): that element (a notebook tab, a
dashboard's name) is clicked before the shot. A target may end with "@HEIGHT": the page is
that many pixels high for this shot (a whole dashboard, say); else 900.
"{MODEL DOMAIN [ORDER]}" in a path is replaced by the id of the first record found, e.g.
    /odoo/crm/{crm.lead [["score_hot", "=", true]] score desc}|a[name=lead_scoring]
Logs in as admin/admin on --base-url (default $SCREENSHOT_BASE_URL or http://localhost:8069) and
drives headless Chromium through its debugging port (default $SCREENSHOT_DEBUG_PORT or 9333).
Each shot waits until the view is rendered and no request is pending. Needs Chromium on PATH and
websocket-client.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from base64 import b64decode

import websocket

WIDTH, HEIGHT = 1440, 900

# The action's view (or a dashboard's drawn spreadsheet) is in the page,
# Odoo's loading indicator is gone, no blocking overlay.
READY = """(() => document.readyState === 'complete'
    && !!document.querySelector(
        '.o_action_manager .o_view_controller, .o_spreadsheet_dashboard_action .o-grid canvas')
    && !document.querySelector('.o_loading_indicator, .o_blockUI, .o_dialog .o_error_dialog')
)()"""
# {model domain order}: a record found by search() through the logged-in session
RECORD = re.compile(r"\{([\w.]+) (\[.*\])\s*([^}]*)\}")
SEARCH = """fetch('/web/dataset/call_kw', {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({jsonrpc: '2.0', method: 'call', params: {model: %s, method: 'search',
        args: [%s], kwargs: {limit: 1, order: %s || null}}})})
    .then((response) => response.json()).then((data) => data.result && data.result[0])"""


class Browser:
    def __init__(self, port):
        chrome = shutil.which("chromium") or shutil.which("google-chrome")
        self.profile = tempfile.mkdtemp()
        self.proc = subprocess.Popen(
            [
                chrome, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}", f"--window-size={WIDTH},{HEIGHT}", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.2)
        else:
            self.close()
            raise SystemExit(f"Chromium did not open its debugging port {port}")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True)
        return result.get("result", {}).get("value")

    def settle(self, ready=READY, timeout=30.0):
        """Wait until ready holds on three polls in a row (charts and lazy fields included)."""
        streak, deadline = 0, time.monotonic() + timeout
        while streak < 3:
            if time.monotonic() > deadline:
                url = self.js("location.href")
                raise SystemExit(f"{url} did not finish rendering in {timeout:.0f} s")
            streak = streak + 1 if self.js(ready) else 0
            time.sleep(0.5)

    def goto(self, url):
        self.call("Page.navigate", url=url)
        self.settle()

    def shot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as fh:
            fh.write(b64decode(data))

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def login(browser, base, user="admin", password="admin"):
    browser.call("Page.navigate", url=f"{base}/web/login")
    # the first request of a new server builds the login page's assets: wait for its form
    browser.settle("!!document.querySelector('form.oe_login_form #password')", timeout=120)
    browser.js(
        f"document.querySelector('#login').value={json.dumps(user)};"
        f"document.querySelector('#password').value={json.dumps(password)};"
        "document.querySelector('form.oe_login_form').submit();"
    )
    browser.settle("!!document.querySelector('.o_main_navbar')")


def resolve(browser, path):
    """Replace each {model domain order} of path by the id of the first record it finds."""

    def record_id(match):
        model, domain, order = match.groups()
        found = browser.js(SEARCH % (json.dumps(model), domain, json.dumps(order.strip())))
        if not found:
            raise SystemExit(f"no {model} record matches {domain}")
        return str(found)

    return RECORD.sub(record_id, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-url", default=os.environ.get("SCREENSHOT_BASE_URL", "http://localhost:8069")
    )
    parser.add_argument(
        "--debug-port", type=int, default=int(os.environ.get("SCREENSHOT_DEBUG_PORT", "9333"))
    )
    parser.add_argument("shots", nargs="+", metavar="OUT.png PATH")
    args = parser.parse_args()
    if len(args.shots) % 2:
        parser.error("give pairs of output file and URL path")
    base = args.base_url.rstrip("/")
    browser = Browser(args.debug_port)
    try:
        browser.call("Page.enable")
        login(browser, base)
        for out, target in zip(args.shots[::2], args.shots[1::2], strict=True):
            target, _sep, height = target.partition("@")
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                width=WIDTH, height=int(height or HEIGHT), deviceScaleFactor=1, mobile=False,
            )  # fmt: skip
            path, _sep, click = target.partition("|")
            browser.goto(f"{base}{resolve(browser, path)}")
            if click:
                # open the tab and scroll it to the top: the breadcrumb still names the record
                browser.js(
                    f"(el => {{ el.click(); el.scrollIntoView({{block: 'start'}}); }})"
                    f"(document.querySelector({json.dumps(click)}))"
                )
                browser.settle()
            browser.shot(out)
            print(f"wrote {out}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
