"""The built site in a real browser: every image loads, no code block is cut off.

Headless Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it when missing) opens
the pages from a local ``http.server`` on 127.0.0.1, at a 1280 px wide window, driven over the
DevTools protocol with ``websocket-client``. Every wait is bounded and the browser is killed at
the end. In CI (``CI`` set) nothing is skipped: without Chromium the test fails and says how
to install it. Elsewhere, without Chromium, it is skipped with that reason, so that the
README's test command passes on a machine with only Python and pip.
"""

import contextlib
import functools
import http.server
import itertools
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from tests.test_site import PAGES_WITH_FIGURES, build_site

#: Every page of the site whose code blocks are checked (the figure pages and the rest).
PAGES = (*PAGES_WITH_FIGURES, "", "plans", "cli", "json", "fhir", "cds-hooks", "api")
WIDTH = 1280
WAIT_SECONDS = 20.0

#: Runs in the page: what did not load, and which code blocks are wider than their box.
FINDINGS = """
(() => {
  const images = [...document.querySelectorAll("article img")];
  const broken = images.filter((img) => !(img.complete && img.naturalWidth > 0))
    .map((img) => img.getAttribute("src"));
  const figures = images.filter((img) => img.src.includes("/figures/")).length;
  const wide = [];
  for (const code of document.querySelectorAll("article pre > code")) {
    const pre = code.parentElement;
    const box = pre.parentElement.getBoundingClientRect();
    const own = pre.getBoundingClientRect();
    if (code.scrollWidth > code.clientWidth + 1 || own.right > box.right + 1) {
      wide.push(code.textContent.slice(0, 60));
    }
  }
  return JSON.stringify({images: images.length, figures, broken, wide});
})()
"""
READY = "document.readyState === 'complete' && [...document.images].every((img) => img.complete)"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    missing = "Chromium is missing: apt-get install -y chromium (.ci/run does this)"
    if not found and not os.environ.get("CI"):
        pytest.skip(missing)
    assert found, missing
    return found


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site from a local HTTP server on a free port of 127.0.0.1."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


def _wait_for(what: str, check: Any, seconds: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")


class Browser:
    """One headless Chromium page, driven over its DevTools websocket."""

    def __init__(self, profile: Path) -> None:
        self.process = subprocess.Popen(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                f"--window-size={WIDTH},900",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        active = profile / "DevToolsActivePort"
        port = _wait_for("Chromium's DevTools port", lambda: _first_line(active))
        targets = _wait_for("a page target", lambda: _pages(port))
        self.socket = websocket.create_connection(
            targets[0]["webSocketDebuggerUrl"], timeout=WAIT_SECONDS
        )
        self.ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result (events are skipped)."""
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            if message.get("id") == number:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result
        pytest.fail(f"no answer to {method} within {WAIT_SECONDS} s")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def open(self, url: str) -> dict[str, Any]:
        """Load ``url``, wait until it and its images are loaded, return the findings."""
        self.call("Page.navigate", url=url)
        _wait_for(f"{url} to load", lambda: self.evaluate(READY) is True)
        found: dict[str, Any] = json.loads(self.evaluate(FINDINGS))
        return found

    def close(self) -> None:
        """Close the connection and kill the browser."""
        with contextlib.suppress(Exception):
            self.socket.close()
        self.process.kill()
        self.process.wait(timeout=10)


def _first_line(path: Path) -> str | None:
    with contextlib.suppress(OSError):
        line = path.read_text(encoding="utf-8").split("\n", 1)[0].strip()
        return line or None
    return None


def _pages(port: str) -> list[dict[str, Any]] | None:
    with contextlib.suppress(OSError, ValueError):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
            targets: list[dict[str, Any]] = json.load(answer)
        return [target for target in targets if target.get("type") == "page"] or None
    return None


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """What the browser found on each page of the freshly built site."""
    site = build_site(tmp_path_factory.mktemp("site"))
    browser = Browser(tmp_path_factory.mktemp("chromium"))
    try:
        with serve(site) as base:
            return {page: browser.open(f"{base}{page}/" if page else base) for page in PAGES}
    finally:
        browser.close()


@pytest.mark.parametrize("page", PAGES)
def test_every_image_loads(findings: dict[str, dict[str, Any]], page: str) -> None:
    """Every image of the page loaded in the browser (naturalWidth > 0)."""
    assert findings[page]["broken"] == []


@pytest.mark.parametrize("page", PAGES_WITH_FIGURES)
def test_figures_show_in_the_browser(findings: dict[str, dict[str, Any]], page: str) -> None:
    """The pages that teach with pictures show at least one figure."""
    assert findings[page]["figures"] >= 1


@pytest.mark.parametrize("page", PAGES)
def test_no_code_block_is_cut_off(findings: dict[str, dict[str, Any]], page: str) -> None:
    """At 1280 px, no code or output block is wider than its container."""
    assert findings[page]["wide"] == []
