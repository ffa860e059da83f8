"""Debian's Chromium driven through the Python playwright package, shared by every browser test.

No browser is ever downloaded (`playwright install` is not used): the tests launch /usr/bin/chromium
(`apt-get install -y chromium fonts-noto-cjk`) and skip, with the reason, where it is absent. Without a
CJK font Chromium draws Chinese as empty boxes of a fallback width: a test that measures Chinese labels
also needs fonts-noto-cjk (`requires_cjk_font`).
"""

import shutil
import subprocess
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# One timeout for actions, navigation and `expect`: CI runs the suite on a loaded 2-core machine, where
# a form post and its redirect can take longer than expect()'s own 5-second default.
TIMEOUT_MS = 20_000

requires_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]


@cache
def cjk_font_installed() -> bool:
    """Whether fontconfig (which Chromium reads) has a font for Chinese."""
    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


requires_cjk_font = pytest.mark.skipif(
    not cjk_font_installed(),
    reason="no CJK font: Chinese labels would be measured as fallback boxes (apt-get install fonts-noto-cjk)",
)


class _CheckedChromium:
    """The browser, whose pages report every Content-Security-Policy violation: a page that needs an
    inline script, an on*= handler or a <style> element the policy refuses fails its test (finding
    10.1: the CSP must not break the app, nor be loosened to let it run)."""

    def __init__(self, browser):
        self._browser = browser
        self.csp_violations: list[str] = []

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        page.on("console", self._console)
        return page

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@contextmanager
def launched_chromium(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        checked = _CheckedChromium(chromium)
        try:
            yield checked
            assert not checked.csp_violations, "\n".join(checked.csp_violations)
        finally:
            chromium.close()
            # The test's ORM calls, made while Playwright's event loop runs, get a connection of their own
            # (asgiref's context-local storage): close it, or PostgreSQL cannot drop the test database.
            connections.close_all()
