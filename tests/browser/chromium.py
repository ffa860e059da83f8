"""Debian's Chromium driven through the Python playwright package, shared by every browser test.

No browser is ever downloaded (`playwright install` is not used): the tests launch /usr/bin/chromium
(`apt-get install -y chromium`) and skip, with the reason, where it is absent.
"""

from contextlib import contextmanager
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
        try:
            yield chromium
        finally:
            chromium.close()
            # The test's ORM calls, made while Playwright's event loop runs, get a connection of their own
            # (asgiref's context-local storage): close it, or PostgreSQL cannot drop the test database.
            connections.close_all()
