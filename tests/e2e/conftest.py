"""Browser tests: the web app served by uvicorn on loopback, driven by Debian's Chromium.

Each test gets a private copy of the triaged workspace of ``tests/web`` (``web_base``)
served by a real uvicorn server in a background thread, and a fresh browser context
(its own cookie jar). The browser is ``/usr/bin/chromium`` through Playwright; it is
never downloaded. Without it the tests skip with a reason, or fail when CI requires the
services (``INTERCOP_REQUIRE_SERVICES=1``). Screenshots go to ``test-artifacts/e2e/``.

Cookies: the app sets its session cookie ``Secure``. Chromium keeps Secure cookies
from ``http://127.0.0.1`` and ``http://localhost`` (both are potentially trustworthy
origins), so the server runs with ``secure_cookies=True`` as in production.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from intercop.web.app import create_app
from intercop.web.state import WebConfig
from intercop.workspace import Workspace, open_workspace
from tests.conftest import service_missing
from tests.web.conftest import PASSWORD, USERS, web_base

__all__ = ["PASSWORD", "USERS", "web_base"]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
#: flags for a quiet headless Chromium on a CI machine without a GPU or a user profile
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


class LiveServer:
    """The app over ``workspace`` served by uvicorn in a thread on a loopback port."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.app = create_app(workspace, config=WebConfig(secure_cookies=True))
        # Our own listening socket: the port is ours before the server starts (no race).
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self) -> None:
        """Start serving; return once the server accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.server.started:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    pass
            if not self.thread.is_alive():
                break
            time.sleep(0.02)  # waiting for uvicorn to listen
        raise RuntimeError(f"the test server on port {self.port} did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()
        self.app.state.web.store.close()


@pytest.fixture
def live(web_base: Workspace, tmp_path: Path) -> Iterator[LiveServer]:
    """A private copy of the triaged workspace, served on a loopback port."""
    target = tmp_path / "ws"
    shutil.copytree(web_base.root, target, symlinks=True)
    server = LiveServer(open_workspace(target))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("the playwright package is not installed (pip install -e '.[dev]')")
    manager = sync_playwright().start()
    try:
        launched = manager.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:  # any launch failure means no usable browser
        manager.stop()
        service_missing(f"{CHROMIUM} did not start under Playwright: {exc}")
    try:
        yield launched
    finally:
        launched.close()
        manager.stop()


@dataclass
class Shots:
    """Numbered screenshots of one test in ``test-artifacts/e2e/<test>/``."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Any, step: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    """Screenshots kept as test artifacts (the folder is emptied first)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    return Shots(folder)


def _context(browser: Any, live: LiveServer, *, javascript: bool) -> Any:
    context = browser.new_context(
        base_url=live.url, locale="en-GB", java_script_enabled=javascript,
        viewport={"width": 1280, "height": 900},
    )  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser: Any, live: LiveServer, shots: Shots) -> Iterator[Any]:
    """A tab in a fresh browser context (own cookies) on the live server; JavaScript on."""
    context = _context(browser, live, javascript=True)
    tab = context.new_page()
    try:
        yield tab
    finally:
        _last_shot(tab, shots)
        context.close()


@pytest.fixture
def plain_page(browser: Any, live: LiveServer, shots: Shots) -> Iterator[Any]:
    """A tab with JavaScript disabled: only links and plain HTML forms work."""
    context = _context(browser, live, javascript=False)
    tab = context.new_page()
    try:
        yield tab
    finally:
        _last_shot(tab, shots)
        context.close()


def _last_shot(tab: Any, shots: Shots) -> None:
    """The page as the test left it (also after a failure): the artifact to look at."""
    with contextlib.suppress(Exception):  # a closed or crashed tab has nothing to show
        shots(tab, "last")


def sign_in(page: Any, name: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]
