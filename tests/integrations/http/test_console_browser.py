"""The web console in a real headless Chromium (Debian ``chromium`` + ``chromium-driver``), driven by Selenium.

The real app runs under uvicorn on a loopback port with the shared ``kb_services``; nothing is downloaded:
the driver and browser paths are given, so Selenium Manager never runs. Skipped when Chromium is absent.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.services import Services
from integrations.http import create_app
from integrations.http.auth import KeyRing
from tests.browser import WAIT, chromium, needs_chromium

pytestmark = [pytest.mark.slow, needs_chromium]

webdriver = pytest.importorskip("selenium.webdriver", reason="browser test needs selenium (pip install selenium)")

# The imports below (E402) come after importorskip, so a missing selenium skips instead of failing.
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

KEY = "test-admin-key-0123456789"


@pytest.fixture
def base_url(kb_services: Services) -> Iterator[str]:
    """The real app under uvicorn on 127.0.0.1 and a free port, in a background thread."""
    import uvicorn

    app = create_app(kb_services.settings, services=kb_services, keys=KeyRing(((KEY, "admin"),)))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="console-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped during start-up"
        assert time.monotonic() < deadline, "uvicorn did not start within 15 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    """Headless Chromium with a throwaway profile; no Selenium Manager, no network but loopback."""
    with chromium(tmp_path) as browser:
        yield browser


def _type(browser: WebDriver, element_id: str, text: str) -> None:
    field = browser.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def _screenshot(browser: WebDriver, tmp_path: Path) -> None:
    """A laptop-sized view and a full-page one; the full page is also copied to /tmp/console.png."""
    browser.execute_script("window.scrollTo(0, 0)")
    laptop = tmp_path / "console-laptop.png"
    assert browser.save_screenshot(str(laptop))
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1440, max(900, int(height) + 140))
    full = tmp_path / "console.png"
    assert browser.save_screenshot(str(full))
    browser.set_window_size(1440, 900)
    try:
        shutil.copyfile(full, "/tmp/console.png")
        shutil.copyfile(laptop, "/tmp/console-laptop.png")
    except OSError:
        pass


def test_console_ask_feedback_draft_and_bad_key(
    base_url: str, driver: WebDriver, kb_services: Services, tmp_path: Path
) -> None:
    """A failure means the console no longer lets an agent ask, follow citations, rate, or draft in a browser."""
    wait = WebDriverWait(driver, WAIT)
    driver.get(base_url + "/")
    assert driver.title == "Playbook Assistant"
    api_key = driver.find_element(By.ID, "api-key")
    assert api_key.get_attribute("type") == "password"

    # Paste the key; it is kept in sessionStorage, never in the URL.
    api_key.send_keys(KEY)
    assert driver.execute_script("return sessionStorage.getItem('playbook.apiKey')") == KEY

    # Ask: the answer comes back with [n] links to a numbered source list.
    _type(driver, "question", "What is the refund window for tier B clients?")
    driver.find_element(By.ID, "ask-button").click()
    wait.until(ec.visibility_of_element_located((By.ID, "answer-panel")))
    answer = driver.find_element(By.ID, "answer")
    wait.until(lambda d: answer.text.strip())
    assert "30 days" in answer.text
    assert driver.find_element(By.ID, "abstained").is_displayed() is False
    assert "%" in driver.find_element(By.ID, "confidence").text
    links = answer.find_elements(By.CSS_SELECTOR, "a.cite")
    assert links and links[0].text.startswith("["), answer.text
    sources = driver.find_elements(By.CSS_SELECTOR, "#citations > li")
    assert len(sources) >= max(int(a.get_attribute("data-n") or 0) for a in links)
    answer_id = answer.get_attribute("data-answer-id")
    assert answer_id

    # Following [1] highlights the first source and brings it into view.
    answer.find_element(By.CSS_SELECTOR, "a.cite[data-n='1']").click()
    source = driver.find_element(By.ID, "source-1")
    wait.until(lambda d: "highlight" in (source.get_attribute("class") or ""))
    assert source.is_displayed()
    assert " › " in source.text and ".md" in source.text
    in_view = "const r = arguments[0].getBoundingClientRect(); return r.top >= -1 && r.bottom <= innerHeight + 1;"
    wait.until(lambda d: d.execute_script(in_view, source))
    assert KEY not in driver.current_url

    # 👎 asks for a reason, stores the rating and thanks the agent.
    driver.find_element(By.ID, "feedback-down").click()
    wait.until(ec.visibility_of_element_located((By.ID, "feedback-form")))
    Select(driver.find_element(By.ID, "feedback-reason")).select_by_value("outdated")
    _type(driver, "feedback-comment", "The window changed last month.")
    driver.find_element(By.ID, "feedback-submit").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "feedback-status"), "Thanks"))
    stored = kb_services.crm.feedback.for_answer(answer_id)
    assert [(f.rating, f.reason, f.comment) for f in stored] == [("down", "outdated", "The window changed last month.")]
    assert not driver.find_element(By.ID, "error").is_displayed()

    # Draft a refund reply for C-2002.
    _type(driver, "client-id", "C-2002")
    _type(driver, "draft-message", "We were charged twice for November.")
    driver.find_element(By.ID, "draft-button").click()
    wait.until(ec.visibility_of_element_located((By.ID, "draft-result")))
    draft_text = driver.find_element(By.ID, "draft-text")
    wait.until(lambda d: draft_text.get_property("value"))
    assert str(draft_text.get_property("value")).startswith("Dear Brightfield Logistics")
    facts = driver.find_element(By.ID, "draft-facts").text
    assert "Recommended action" in facts and "Typification" in facts and "Resolution due" in facts
    assert driver.find_elements(By.CSS_SELECTOR, "#policy-citations > li")
    assert driver.find_element(By.ID, "copy-draft").is_displayed()

    _screenshot(driver, tmp_path)

    # A wrong key: the red error box says to check the key.
    _type(driver, "api-key", "not-a-valid-key-000000")
    driver.find_element(By.ID, "ask-button").click()
    error = wait.until(ec.visibility_of_element_located((By.ID, "error")))
    wait.until(lambda d: "check your API key" in error.text)
    assert "unknown API key" in error.text
    driver.save_screenshot(str(tmp_path / "console-error.png"))


def test_api_docs_render_offline(base_url: str, driver: WebDriver, tmp_path: Path) -> None:
    """A failure means /docs or /redoc is a blank page without network (Swagger UI or ReDoc from a CDN again).

    The browser has no route off this machine, so a CDN asset would not load and no operation would render.
    """
    wait = WebDriverWait(driver, WAIT)
    driver.get(base_url + "/docs")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
    summaries = driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
    paths = {e.get_attribute("data-path") or e.text for e in summaries}
    assert {"/v1/ask", "/v1/drafts", "/healthz"} <= paths, paths
    assert "Playbook Assistant" in driver.find_element(By.CSS_SELECTOR, ".info .title").text
    scripts = [s.get_attribute("src") for s in driver.find_elements(By.TAG_NAME, "script") if s.get_attribute("src")]
    assert scripts and all(src.startswith(base_url) for src in scripts), scripts
    driver.save_screenshot(str(tmp_path / "docs.png"))

    driver.get(base_url + "/redoc")
    wait.until(lambda d: "/v1/ask" in d.find_element(By.TAG_NAME, "body").text)
    assert "Playbook Assistant" in driver.find_element(By.TAG_NAME, "h1").text
