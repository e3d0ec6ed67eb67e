"""In a real browser: headless Debian chromium driven by Playwright against `searchsvc serve`.

Type an unaccented query, see highlighted results, follow a category facet, open an article,
use the suggestions with the keyboard; run axe-core's accessibility rules on each kind of page.
Screenshots go to tmp_path; with SEARCHSVC_UPDATE_SCREENSHOTS=1 they are also written to docs/
for the README.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server import Server, serve

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# axe-core, Deque's accessibility rules engine, from npm into a git-ignored folder.
AXE_DIR = ROOT / ".axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="SKIPPED: Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def server(sample_index: Path) -> Iterator[Server]:
    """The real server on an index of the sample archive."""
    with serve(sample_index, workers=1) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless chromium."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def new_page(browser: Any, width: int, height: int) -> tuple[Any, list[str]]:
    """Open a page of the given size; the list collects console errors (CSP violations too)."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="vi-VN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def keep(shot: Path, name: str) -> None:
    """Copy a screenshot to docs/ when asked to update them."""
    if os.environ.get("SEARCHSVC_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS / name)


def test_search_facet_and_article(browser: Any, server: Server, tmp_path: Path) -> None:
    """Unaccented query -> highlighted results -> category facet -> article -> back."""
    page, errors = new_page(browser, 1280, 900)
    page.goto(server.base + "/")
    page.get_by_label("Nhập từ khóa cần tìm").fill("tay ho")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=tay\+ho$"))  # defaults left out of the URL
    assert page.locator("ol.hits > li").count() > 0
    assert page.locator(".snippet mark").count() > 0
    summary = page.locator("#results-title").inner_text()
    assert summary.startswith("Tìm thấy")
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
    keep(tmp_path / "results.png", "screenshot-results.png")

    facet = page.locator("#facet-category + ul a").first
    name = facet.locator(".facet-name").inner_text()
    count = int(re.sub(r"\D", "", facet.locator(".count").inner_text()))
    facet.click()
    page.wait_for_url(re.compile(r"category="))
    assert page.locator(".facet-list a.on").first.inner_text().startswith(name)
    assert f"Tìm thấy {count} kết quả" in page.locator("#results-title").inner_text()

    first = page.locator("ol.hits h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/articles/"))
    assert page.locator("h1").inner_text() == title
    assert re.search(r"\d{2}/\d{2}/\d{4}", page.locator(".article .meta").inner_text())
    page.get_by_role("link", name=re.compile("Quay lại kết quả")).click()
    page.wait_for_url(re.compile(r"/\?q=tay\+ho$"))  # the article's own URL has ?q=tay+ho too
    assert errors == [], errors


def test_suggestions_with_the_keyboard(browser: Any, server: Server) -> None:
    """Typing shows a listbox of suggestions; arrow down and Enter searches the chosen one."""
    page, errors = new_page(browser, 1280, 900)
    page.goto(server.base + "/")
    box = page.locator("#q")
    box.press_sequentially("ho", delay=40)
    page.locator("#q-list li").first.wait_for(state="visible", timeout=5000)
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    chosen = page.locator("#q-list li[aria-selected=true]").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    assert page.locator("#q").input_value() == chosen
    assert errors == [], errors


def test_phone_layout(browser: Any, server: Server, tmp_path: Path) -> None:
    """At phone width the page fits without horizontal scrolling and keeps its controls."""
    page, errors = new_page(browser, 390, 844)
    page.goto(server.base + "/?q=ubnd")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"
    assert page.get_by_role("button", name="Tìm kiếm").is_visible()
    page.screenshot(path=str(tmp_path / "phone.png"))
    keep(tmp_path / "phone.png", "screenshot-phone.png")
    assert errors == [], errors


def test_keyboard_focus_is_visible(browser: Any, server: Server) -> None:
    """The skip link comes first and focused elements get a visible outline."""
    page, _ = new_page(browser, 1280, 900)
    page.goto(server.base + "/?q=tay+ho")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Bỏ qua" in focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_document_facets_csv_download_and_feed(browser: Any, server: Server) -> None:
    """The two document facets filter; "Tải CSV" downloads what csv reads; the feed parses."""
    feedparser = pytest.importorskip("feedparser")
    page, errors = new_page(browser, 1280, 900)
    page.goto(server.base + "/?q=k%E1%BA%BF+ho%E1%BA%A1ch")
    assert page.get_by_role("heading", name="Loại văn bản").is_visible()
    assert page.get_by_role("heading", name="Cơ quan ban hành").is_visible()
    kind = page.locator("#facet-doc_type + ul a", has_text="Kế hoạch")
    count = int(re.sub(r"\D", "", kind.locator(".count").inner_text()))
    kind.click()
    page.wait_for_url(re.compile(r"doc_type=KH"))
    assert f"Tìm thấy {count} kết quả" in page.locator("#results-title").inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Tải CSV")).click()
    saved = download.value.path()
    raw = Path(saved).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == count
    assert any(r["title"].startswith("Kế hoạch số 102/KH-UBND") for r in rows)
    assert all("KH-" in r["documents"] for r in rows)

    assert page.get_by_role("link", name=re.compile("Theo dõi")).is_visible()
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert href is not None and "doc_type=KH" in href
    feed = feedparser.parse(page.request.get(server.base + href).body())
    assert feed.bozo == 0 and feed.version == "atom10"
    assert len(feed.entries) == min(count, 20)
    assert errors == [], errors


@pytest.fixture(scope="module")
def axe_source() -> str:
    """The axe-core script (major version 4), installed from npm on first use."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("SKIPPED: accessibility check (npm is not installed to fetch axe-core)")
        quiet = ("--no-save", "--no-package-lock", "--no-audit", "--no-fund")
        subprocess.run(
            [npm, "install", *quiet, "--prefix", str(AXE_DIR), "axe-core@4"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE_JS.read_text(encoding="utf-8")


# Each kind of page: home, results on a desktop and on a phone, no results, an article, an error.
AXE_PAGES = [
    ("home", "/", 1280),
    ("results", "/?q=tay+ho", 1280),
    ("results-phone", "/?q=tay+ho", 390),
    ("no-results", "/?q=zzqxyw", 1280),
    ("article", "first hit of /?q=tay+ho", 1280),
    ("error", "/?q=tay+ho&page=0", 1280),
]


@pytest.mark.parametrize(("name", "path", "width"), AXE_PAGES, ids=[p[0] for p in AXE_PAGES])
def test_axe_core_finds_no_serious_or_critical_violation(
    browser: Any, server: Server, axe_source: str, name: str, path: str, width: int
) -> None:
    """axe-core (WCAG 2 A/AA and best practices) reports no serious or critical violation."""
    page, errors = new_page(browser, width, 900)
    if path.startswith("first hit"):
        page.goto(server.base + "/?q=tay+ho")
        path = str(page.locator("ol.hits h3 a").first.get_attribute("href"))
    page.goto(server.base + path)
    page.evaluate(axe_source)  # through the DevTools protocol: the page's CSP stays in force
    found = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert found["testEngine"]["version"].startswith("4.")
    assert found["passes"] or found["violations"] or found["incomplete"] is not None
    grave = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in found["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert grave == [], f"{name}: {grave}"
    expected = "status of 400" if name == "error" else None  # the error page's own status
    assert [e for e in errors if expected is None or expected not in e] == [], errors
