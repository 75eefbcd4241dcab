"""Headless Chromium driven over the DevTools protocol, for the browser tests
(wasm/test/playground_test.py: the playground; tools/book_browser_test.py: the book).

    browser = Browser(SITE_DIR, shots=SCREENSHOT_DIR)   # serves SITE_DIR, starts Chromium
    try:
        p = browser.page
        p.call("Page.navigate", url=f"{browser.url}/index.html")
        p.wait("document.readyState === 'complete'", "the page to load")
        check(p.js("document.title") == "...", "the title")
    finally:
        browser.close()

Chromium is Debian's (make tools), or $CHROMIUM; websocket-client comes from .venv.
"""
import base64
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import websocket  # websocket-client

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript", ".yaml": "text/plain"}

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # Chromium drops connections it no longer needs (a page left, the browser closed).
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class Page:
    def __init__(self, ws_url, shots=None):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.console = []
        self.shots = shots

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("method") in ("Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded"):
                self.console.append(msg)
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expr, what, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if self.js(expr):
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; console: {self.console[-5:]}")

    def key(self, key, code, vk):
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code, windowsVirtualKeyCode=vk)

    def shot(self, name):
        os.makedirs(self.shots, exist_ok=True)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path = os.path.join(self.shots, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        raise AssertionError(what)


class Browser:
    """SITE served on a free local port (self.url), and headless Chromium with one page
    (self.page, 1280x800, the Page, Runtime and Log domains enabled). close() stops both."""

    def __init__(self, site, shots=None):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = Server(("127.0.0.1", port), functools.partial(Quiet, directory=site))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.profile = tempfile.mkdtemp(prefix="lsf-chromium-")
        cdp_port = free_port()
        self.process = subprocess.Popen([
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={self.profile}", f"--remote-debugging-port={cdp_port}",
            "--window-size=1280,800", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{cdp_port}/json/list"))
                    page = next(t for t in targets if t["type"] == "page")
                    break
                except Exception:
                    time.sleep(0.2)
            else:
                raise AssertionError("Chromium did not start")
            self.page = Page(page["webSocketDebuggerUrl"], shots)
            for domain in ("Page", "Runtime", "Log"):
                self.page.call(f"{domain}.enable")
            self.page.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1,
                           mobile=False)
        except BaseException:
            self.close()
            raise

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.server.shutdown()
        shutil.rmtree(self.profile, ignore_errors=True)
