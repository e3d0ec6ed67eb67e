"""In a real browser: headless Debian chromium driven by Playwright against `searchsvc serve`.

Type an unaccented query, see highlighted results, follow a category facet, open an article,
use the suggestions with the keyboard. Screenshots go to tmp_path; with
SEARCHSVC_UPDATE_SCREENSHOTS=1 they are also written to docs/ for the README.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server import Server, serve

CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parent.parent / "docs"
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
