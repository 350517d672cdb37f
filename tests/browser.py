"""A small driver for the system's headless Chromium over its DevTools protocol, for the HTML tests.

Debian's ``chromium`` (installed by ``make test`` when missing and run as root); no downloaded
browser builds. One browser per test session; each ``open_page`` loads a file in a fresh tab
and reports what a person would meet: console errors, uncaught exceptions, blocked scripts
(Content-Security-Policy reports arrive as log errors), and any request that left the file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

FLAGS = (
    "--headless",
    "--no-sandbox",  # root in CI containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: the machine has no network
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
)
START_TIMEOUT = 30.0
LOAD_TIMEOUT = 60.0
OWN_SCHEMES = ("file:", "data:", "about:")


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageReport:
    """What loading one page produced: problems, plus whatever the test evaluated."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Browser:
    def __init__(self, connection: websocket.WebSocket) -> None:
        self._ws = connection
        self._next = 0
        self._events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._events.append(reply)

    @contextmanager
    def page(self, path: Path) -> Iterator[Tab]:
        """A fresh tab with ``path`` loaded (the load event fired)."""
        self._events = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tab = Tab(self, session)
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable", session)
            self.call("Page.navigate", session, url=path.resolve().as_uri())
            tab.wait_for("Page.loadEventFired")
            yield tab
        finally:
            self.call("Target.closeTarget", targetId=target)

    def pending(self) -> list[dict[str, Any]]:
        return self._events

    def receive(self, timeout: float) -> dict[str, Any] | None:
        self._ws.settimeout(timeout)
        try:
            message: dict[str, Any] = json.loads(self._ws.recv())
        except websocket.WebSocketTimeoutException:
            return None
        finally:
            self._ws.settimeout(LOAD_TIMEOUT)
        self._events.append(message)
        return message


class Tab:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def wait_for(self, event: str) -> None:
        deadline = time.monotonic() + LOAD_TIMEOUT
        if any(e.get("method") == event for e in self.browser.pending()):
            return
        while time.monotonic() < deadline:
            message = self.browser.receive(deadline - time.monotonic())
            if message is not None and message.get("method") == event:
                return
        raise TimeoutError(f"{event} did not arrive within {LOAD_TIMEOUT}s")

    def evaluate(self, expression: str) -> Any:
        result = self.browser.call(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, width: int = 1280) -> None:
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.browser.call(
            "Emulation.setDeviceMetricsOverride",
            self.session,
            width=width,
            height=min(height, 16000),
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = self.browser.call("Page.captureScreenshot", self.session, format="png")
        path.write_bytes(base64.b64decode(shot["data"]))

    def report(self) -> PageReport:
        """Console errors, exceptions, blocked content and outside requests seen so far."""
        self.evaluate("0")  # let queued events arrive before reading them
        report = PageReport()
        for event in self.browser.pending():
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                report.errors.append(f"console: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                report.errors.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                report.errors.append(f"log: {params['entry'].get('text')}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(OWN_SCHEMES):
                    report.requests.append(url)
        return report


@contextmanager
def launch(executable: str) -> Iterator[Browser]:
    """Start ``executable`` headless with a throw-away profile; stop it on exit."""
    # Chromium's helper processes may still write to the profile while the main one exits:
    # they run in their own process group, stopped together, and a late write to the profile
    # does not fail the test run.
    with tempfile.TemporaryDirectory(
        prefix="miner-chromium-", ignore_cleanup_errors=True
    ) as profile:
        process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            url = _devtools_url(Path(profile), process)
            connection = websocket.create_connection(url, timeout=LOAD_TIMEOUT)
            try:
                yield Browser(connection)
            finally:
                connection.close()
        finally:
            _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _devtools_url(profile: Path, process: subprocess.Popen[bytes]) -> str:
    """Chromium writes its DevTools port and browser path to DevToolsActivePort when ready."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before it was ready")
        if marker.is_file():
            lines = marker.read_text().split()
            if len(lines) == 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.1)
    raise TimeoutError(f"chromium was not ready within {START_TIMEOUT}s")
