"""Drive Debian's headless Chromium with Playwright (no browser download, no network).

Used by the map tests and ``benchmarks/maps_bench.py``::

    with chromium() as browser:
        visit = open_page(browser, path, width=390, height=844)
        visit.page.locator(".stop-marker").count()
        visit.close()

``offline=True`` (default) aborts every http(s) request, as on a phone without data:
tile requests fail (network errors, reported apart from JavaScript errors) and
everything else must still work from ``file://``.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def chromium_path() -> str | None:
    """The Chromium executable, or ``None`` when it is not installed."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser (closed on exit)."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RuntimeError("chromium is missing: run scripts/ensure-chromium (Debian package)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageVisit:
    """One page opened in a fresh browser context, with what happened while loading.

    Attributes
    ----------
    js_errors : list of str
        Uncaught exceptions and ``console.error`` messages that are not failed loads.
    network_errors : list of str
        Failed requests (expected offline for map tiles).
    requests : list of str
        Every URL the page asked for.
    dialogs : list of str
        Messages of ``alert``/``confirm``/``prompt`` dialogs (dismissed).
    load_s : float
        Seconds from navigation to the ``load`` event plus ``window.plannerMaps.ready``.
    """

    page: object
    context: object
    js_errors: list[str] = field(default_factory=list)
    network_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    load_s: float = 0.0

    def close(self) -> None:
        self.context.close()

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        """Save a PNG under ``tests/artifacts/`` (git-ignored) and return its path."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def open_page(
    browser,
    path: Path,
    width: int = 1280,
    height: int = 800,
    offline: bool = True,
    wait_ready: bool = True,
    timeout_s: float = 20.0,
    mobile: bool = False,
) -> PageVisit:
    """Open ``path`` via ``file://`` in a new context of ``width`` x ``height`` CSS pixels.

    Waits for the ``load`` event and, when ``wait_ready``, for the page's own
    ``window.plannerMaps.ready`` flag (set by the last script of a map page).
    """
    ctx = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=mobile,
        has_touch=mobile,
        device_scale_factor=2 if mobile else 1,
    )
    page = ctx.new_page()
    visit = PageVisit(page=page, context=ctx)
    if offline:
        page.route("http://**/*", lambda route: route.abort("internetdisconnected"))
        page.route("https://**/*", lambda route: route.abort("internetdisconnected"))
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("requestfailed", lambda r: visit.network_errors.append(r.url))
    page.on("pageerror", lambda e: visit.js_errors.append(f"pageerror: {e}"))

    def on_console(msg) -> None:
        if msg.type != "error":
            return
        text = msg.text
        if text.startswith("Failed to load resource"):
            visit.network_errors.append(text)
        else:
            visit.js_errors.append(f"console: {text}")

    def on_dialog(d) -> None:
        visit.dialogs.append(d.message)
        d.dismiss()

    page.on("console", on_console)
    page.on("dialog", on_dialog)
    t0 = time.perf_counter()
    page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
    if wait_ready:
        page.wait_for_function(
            "window.plannerMaps && window.plannerMaps.ready === true", timeout=timeout_s * 1000
        )
    visit.load_s = time.perf_counter() - t0
    return visit
