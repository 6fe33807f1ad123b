"""End-to-end fixtures: the app on a free local port, and Debian's Chromium via Playwright."""

import logging
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="fellespott-chromium-")
    with sync_playwright() as playwright:
        # launch() gives every context a fresh profile; the directory is for Chromium's own files.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "HOME": profile},
        )
        yield browser
        browser.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def live_server(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class PageProblems:
    """What a careful tester notices in the console: CSP refusals and script errors."""

    def __init__(self, page):
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))

    def _console(self, message):
        if message.type == "error":
            self.messages.append(message.text)


@pytest.fixture
def phone(browser):
    """A phone-sized page, with its console watched for errors."""
    context = browser.new_context(viewport=PHONE, locale="nb-NO", device_scale_factor=1)
    page = context.new_page()
    page.problems = PageProblems(page)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, user) -> None:
    """Log in through the real form, with the TOTP step when the user has one."""
    from tests.factories import PASSWORD, totp_code

    page.goto(f"{live_server}/login")
    page.locator("#username").fill(user.username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    if user.has_two_factor:
        page.wait_for_url(re.compile(r"/login/code"))
        page.locator("#code").fill(totp_code(user))
        page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def log_out(page) -> None:
    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url(re.compile(r"/$"))


def phone_for(browser, live_server, user, locale: str = "nb-NO"):
    """A fresh phone-sized browser for one person, logged in, with its console watched."""
    context = browser.new_context(viewport=PHONE, locale=locale, device_scale_factor=1)
    page = context.new_page()
    page.problems = PageProblems(page)
    log_in(page, live_server, user)
    return page


def fits_the_screen(page) -> bool:
    """Nothing scrolls sideways: the page works at this width."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
