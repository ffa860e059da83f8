"""Issue 13: the demo's web server (run.py demo: `manage.py runserver --noreload` with DEMO=1, DEBUG
off) answers an unknown address with the CRM's own 404 page, styled, in Chinese, in a real browser:
never Django's yellow debug page listing every URL pattern.

Starts that server in a bare environment on a free port, without a database (an anonymous 404 reads
none), and drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

pytestmark = requires_chromium

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310 (a local http URL this test built)
    except urllib.error.HTTPError:
        return True  # any status: the server is up
    except OSError:
        return False
    return True


@pytest.fixture
def demo_server(tmp_path):
    port = _free_port()
    bare = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    bare.update(
        {
            "DJANGO_SETTINGS_MODULE": "crm.settings",
            "DEMO": "1",
            "LANGUAGE_CODE": "zh-hans",
            # A database of its own that nothing reads: the demo's real one is never touched.
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        }
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=bare,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to a minute on a loaded machine
            if server.poll() is not None:
                pytest.fail(f"the demo server exited with {server.returncode}")
            if _answers(f"{url}/favicon.ico"):
                break
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_demo_answers_an_unknown_address_with_the_crms_own_404_page(monkeypatch, demo_server):
    from playwright.sync_api import expect

    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(locale="zh-CN")
        page.set_default_timeout(TIMEOUT_MS)
        stylesheets = []
        page.on("response", lambda r: stylesheets.append(r.status) if r.url.endswith(".css") else None)
        response = page.goto(f"{demo_server}/no-such-page/")

        assert response.status == 404
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.locator("h1")).to_have_text("未找到")
        expect(page.locator("body")).to_contain_text("客户关系中心")
        body = page.content()
        assert "URLconf" not in body and "Page not found at" not in body and "Traceback" not in body
        # Styled: the CRM's stylesheets load (WhiteNoise from the source folders, DEBUG off).
        assert stylesheets and all(status == 200 for status in stylesheets)
        expect(page.get_by_role("link", name="返回首页")).to_be_visible()
