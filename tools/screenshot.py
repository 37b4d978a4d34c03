#!/usr/bin/env python3
"""Screenshots of a running Odoo (`make run`) for the documentation.

Usage: python3 tools/screenshot.py OUT.png /odoo/action-crm_strategy.crm_persona_action [...]
Pairs of output file and URL path; logs in as admin/admin on http://localhost:8069.
Needs Chromium on PATH and websocket-client.
"""

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from base64 import b64decode

import websocket

BASE = "http://localhost:8069"
PORT = 9333


class Browser:
    def __init__(self):
        chrome = shutil.which("chromium") or shutil.which("google-chrome")
        self.profile = tempfile.mkdtemp()
        self.proc = subprocess.Popen(
            [
                chrome, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", f"--remote-debugging-port={PORT}",
                f"--user-data-dir={self.profile}", "--window-size=1440,900", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(50):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{PORT}/json"))
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.2)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def goto(self, url, wait=4.0):
        self.call("Page.navigate", url=url)
        time.sleep(wait)

    def js(self, expression):
        return self.call("Runtime.evaluate", expression=expression, awaitPromise=True)

    def shot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as fh:
            fh.write(b64decode(data))

    def close(self):
        self.ws.close()
        self.proc.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main(args):
    if len(args) % 2:
        sys.exit(__doc__)
    browser = Browser()
    try:
        browser.call("Page.enable")
        browser.goto(f"{BASE}/web/login", wait=2)
        browser.js(
            "document.querySelector('#login').value='admin';"
            "document.querySelector('#password').value='admin';"
            "document.querySelector('form.oe_login_form').submit();"
        )
        time.sleep(4)
        for out, path in zip(args[::2], args[1::2], strict=True):
            browser.goto(f"{BASE}{path}", wait=6)
            browser.shot(out)
            print(f"wrote {out}")
    finally:
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
