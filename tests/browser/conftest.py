"""Browser tests: a real `run.py serve` process and Debian's chromium driven by Playwright."""
import os
import shutil
from pathlib import Path

import pytest

from tests.server import free_port, start_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = os.environ.get("SHENPI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Headless, and nothing that phones home: the machines have no internet.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-default-apps", "--disable-sync", "--no-first-run", "--metrics-recording-only",
                 "--disable-dev-shm-usage"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(org):
    """The product as users get it, on a free port, against the test database (with the `org` users)."""
    port = free_port()
    proc = start_server(os.environ["DATABASE_URL"], port, "--no-scheduler")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def new_page(browser, request):
    """A factory of pages in separate browser contexts (two people at once); screenshots on
    failure. Whatever the browser refused under the Content-Security-Policy fails the test: a
    page that needs an inline script or a foreign source is broken for its users."""
    contexts, refused = [], []

    def make(width=1366, height=768):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.set_default_timeout(10_000)
        context.on("console", lambda message: refused.append(message.text)
                   if "Content Security Policy" in message.text else None)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for n, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for m, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{n}-{m}.png"), full_page=True)
        context.close()
    assert not refused, f"refused by the Content-Security-Policy: {refused}"


@pytest.fixture
def page(new_page):
    return new_page()
