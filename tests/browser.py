"""Headless Debian Chromium for browser tests, driven by Selenium with given paths (Selenium Manager never runs)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def _find(name: str) -> str | None:
    path = Path("/usr/bin") / name
    return str(path) if path.is_file() and os.access(path, os.X_OK) else shutil.which(name)


CHROMIUM = _find("chromium")
CHROMEDRIVER = _find("chromedriver")
WAIT = 20

# CI sets PLAYBOOK_REQUIRE_BROWSER=1 (after installing both): there a missing browser fails the tests, never skips them.
REQUIRED = os.environ.get("PLAYBOOK_REQUIRE_BROWSER") == "1"

needs_chromium = pytest.mark.skipif(
    (CHROMIUM is None or CHROMEDRIVER is None) and not REQUIRED,
    reason="browser test needs Chromium and its driver: apt-get install chromium chromium-driver",
)


@contextmanager
def chromium(tmp_path: Path, *, width: int = 1440, height: int = 900) -> Iterator[Any]:
    """Headless Chromium with a throwaway profile; no network but loopback is reached by the tests."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.fail("PLAYBOOK_REQUIRE_BROWSER=1 but Chromium or chromedriver is missing (apt-get install chromium "
                    "chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--window-size={width},{height}", "--lang=en-US",
    ):
        options.add_argument(flag)
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(WAIT)
    try:
        yield browser
    finally:
        browser.quit()


def full_page_screenshot(browser: Any, path: Path, *, width: int = 1440) -> Path:
    """Resize the window to the page's height and save a PNG."""
    browser.execute_script("window.scrollTo(0, 0)")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, max(900, int(height) + 140))
    assert browser.save_screenshot(str(path))
    return path
