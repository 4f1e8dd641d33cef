"""Headless-browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's live server.

Run them with `pytest -m browser`. They need /usr/bin/chromium (Debian package `chromium`) and, for screenshots that
show Chinese rather than empty boxes, a CJK font (Debian package `fonts-noto-cjk`). Playwright never downloads a
browser here: `executable_path` points it at the system one.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API keeps an asyncio event loop registered as running in the main thread from the first browser
# test to the end of the session (it switches between that loop and the test with greenlets). Django's async-safety
# check sees that loop and raises SynchronousOnlyOperation for any ORM call made from the main thread: the test's
# own factories, the database flush after each live-server test, and every later test of the session. No ORM call
# here actually runs inside a coroutine, so the check is a false alarm; Django reads this variable at each call.
# It applies to the whole pytest session once this conftest is loaded.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium instead of a browser Playwright would download."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        pytest.fail(f"No Chromium at {CHROMIUM}: install Debian's `chromium` package (the test command does).")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            # Tests run as root in containers, where Chromium's sandbox cannot start.
            "--no-sandbox",
            "--disable-gpu",
            # Docker's /dev/shm is 64 MB, too small for Chromium's shared memory.
            "--disable-dev-shm-usage",
            # No calls home from the test machine: updates, sync, first-run pages.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A Chinese browser: Accept-Language zh-CN, which Django maps to zh-hans, as the offices' machines send it.
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1400, "height": 900}}


@pytest.fixture
def artifacts_dir() -> Path:
    """Where screenshots go (test-artifacts/ is git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def sign_in(live_server):
    """`sign_in(page, username, password)`: sign in through the admin's login form, as a person would."""

    def do(page, username: str, password: str) -> None:
        page.goto(f"{live_server.url}/admin/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("#login-form [type=submit]").click()
        page.wait_for_url(f"{live_server.url}/admin/")

    return do
