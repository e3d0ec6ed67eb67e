"""Tests of the archive reader: scraped pages, JSON Lines, encodings, ids, directories, the CLI."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import subprocess
import sys
import unicodedata
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from searchsvc.archive import (
    TZ,
    Article,
    ReadReport,
    Rejection,
    Unreadable,
    clean,
    page_id,
    parse_date,
    parse_page,
    read_sources,
    sample_archive,
)
from searchsvc.archive.decode import DecodeError, decode_bytes
from searchsvc.cli import main
from searchsvc.vietnamese import text

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "data" / "broken"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_18bb1547c1b31722.txt"


def _load_make_broken() -> ModuleType:
    """Import tests/data/make_broken.py, which is not a package module."""
    spec = importlib.util.spec_from_file_location("make_broken", BROKEN.parent / "make_broken.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_broken = _load_make_broken()


def read_all(*sources: str | Path) -> tuple[list[Article], list[Rejection], ReadReport]:
    """Read sources and return the articles, rejections and warnings, and the report."""
    rejections: list[Rejection] = []
    report = ReadReport()
    articles = list(read_sources(sources, rejections.append, report))
    assert (
        report.read
        == report.accepted + report.rejected
        == len(articles) + sum(not r.warning for r in rejections)
    )
    return articles, rejections, report


def write_page(path: Path, content: str | bytes) -> Path:
    """Write a page file (text as UTF-8) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


MY_PAGE = """Tìm kiếm

\u00a0 Album Ảnh

\u00a0 Các chuyên mục

\u00a0 Cải cách hành chính

Quận Tây Hồ triển khai Kế hoạch số 45/KH-UBND về cải cách hành chính
Ngày đăng 05/11/2019 | 07:05 \u00a0|\u00a0 View count: 1.234

Sáng ngày 05/11, UBND quận Tây Hồ tổ chức hội nghị triển khai kế hoạch CCHC năm 2020.

Quang cảnh hội nghị

Các phường cam kết hoàn thành đúng hạn.

VP-UBND"""


# --- scraped pages ---------------------------------------------------------------------------


def test_my_page_parses_into_its_fields(tmp_path: Path) -> None:
    path = write_page(tmp_path / "cchc-2019.txt", MY_PAGE)
    [article], rejections, _ = read_all(path)
    assert rejections == []
    assert article.id == "cchc-2019"
    assert article.title == ("Quận Tây Hồ triển khai Kế hoạch số 45/KH-UBND về cải cách hành chính")
    assert article.published == datetime(2019, 11, 5, 7, 5, tzinfo=TZ)
    assert article.views == 1234
    assert article.category == "Cải cách hành chính"
    assert article.body.startswith("Sáng ngày 05/11")
    assert "Quang cảnh hội nghị" in article.body
    assert article.body.endswith("đúng hạn.")
    assert "VP-UBND" not in article.body and "Album" not in article.body
    assert article.source == str(path)


def test_page_without_category_and_without_time(tmp_path: Path) -> None:
    page = "Tìm kiếm\n\nTiêu đề ngắn\nNgày đăng 1/2/2015\n\nNội dung một dòng dài hơn."
    [article], _, _ = read_all(write_page(tmp_path / "a.txt", page))
    assert article.category is None
    assert article.published == datetime(2015, 2, 1, tzinfo=TZ)
    assert article.views is None
    assert article.body == "Nội dung một dòng dài hơn."


def test_nfd_page_comes_out_nfc(tmp_path: Path) -> None:
    path = write_page(tmp_path / "nfd.txt", unicodedata.normalize("NFD", MY_PAGE))
    [article], _, _ = read_all(path)
    assert unicodedata.is_normalized("NFC", article.title + article.body + str(article.category))
    assert article.title.startswith("Quận Tây Hồ")
    assert article.published is not None


def test_invisible_characters_are_removed(tmp_path: Path) -> None:
    page = MY_PAGE.replace("Tây Hồ triển", "Tây\u200b Hồ\u00ad triển")
    [article], _, _ = read_all(write_page(tmp_path / "zw.txt", page))
    assert "Tây Hồ triển" in article.title


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is absent: seed check skipped")
def test_seed_page_has_the_expected_fields() -> None:
    [article], rejections, _ = read_all(SEED)
    assert rejections == []
    assert article.title == (
        "Quận Tây Hồ: Phát động phong trào thi đua năm 2023 với tinh thần “Thi đua là yêu nước”"
    )
    assert article.published == datetime(2023, 3, 9, 20, 54, tzinfo=TZ)
    assert article.published.tzinfo is TZ
    assert article.views == 102
    assert article.category == "Tin tức - sự kiên tiêu biểu"
    assert article.body.startswith("Trong không khí phấn khởi")
    assert "Tìm kiếm" not in article.body and "Album Ảnh" not in article.body
    assert not article.body.rstrip().endswith("BTGQU")
    assert article.id == "000_18bb1547c1b31722"


# --- ids -------------------------------------------------------------------------------------


def test_page_ids_are_stable_url_safe_and_distinct(tmp_path: Path) -> None:
    names = ["2023/tây hồ.txt", "2023-tay-ho.txt", "2023/tay-ho.txt", "a b/c.txt", "plain_id.txt"]
    ids = [page_id(tmp_path / name, tmp_path) for name in names]
    assert len(set(ids)) == len(ids)
    assert ids[-1] == "plain_id"
    assert ids[1] == "2023-tay-ho"
    assert all(
        set(i) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        for i in ids
    )
    assert ids[0].startswith("2023-tay-ho-")
    assert ids == [page_id(tmp_path / name, tmp_path) for name in names]


def test_ids_do_not_depend_on_where_the_archive_lives(tmp_path: Path) -> None:
    for where in ("one", "two/deeper"):
        write_page(tmp_path / where / "tin" / "bai.txt", MY_PAGE)
    first, _, _ = read_all(tmp_path / "one")
    second, _, _ = read_all(tmp_path / "two" / "deeper")
    assert [a.id for a in first] == [a.id for a in second]
    assert first[0].id.startswith("tin-bai-")


# --- JSON Lines ------------------------------------------------------------------------------


def jsonl(path: Path, *records: object, compress: bool = False) -> Path:
    """Write records as JSON Lines (gzip-compressed when asked) and return the path."""
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_jsonl_fields_and_dates(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "a.jsonl",
        {"id": 7, "title": "Một", "date": "2015-11-24", "body": "Nội dung một.", "x": 1},
        {"id": "b", "title": "Hai", "published": "2020-01-15T08:30:00+00:00", "body": "Hai."},
        {"id": "c", "title": "Ba", "date": "09/03/2023", "body": "Ba.", "category": "Tin"},
        {"id": "d", "title": "Bốn", "published": "2021-06-01T10:00:00", "body": "Bốn."},
        {"id": "e", "body": "Năm", "url": "https://example.org/bai-5", "views": 12},
    )
    articles, rejections, _ = read_all(path)
    assert rejections == []
    a, b, c, d, e = articles
    assert a.id == "7" and a.published == datetime(2015, 11, 24, tzinfo=TZ)
    assert b.published == datetime(2020, 1, 15, 15, 30, tzinfo=TZ)
    assert c.published == datetime(2023, 3, 9, tzinfo=TZ) and c.category == "Tin"
    assert d.published == datetime(2021, 6, 1, 10, tzinfo=TZ)
    assert e.url == "https://example.org/bai-5" and e.views == 12
    assert a.source == f"{path}:1" and e.source == f"{path}:5"


def test_null_title_becomes_the_first_sentence(tmp_path: Path) -> None:
    long_first = "Phường Bưởi tổ chức " + "nhiều hoạt động " * 20
    path = jsonl(
        tmp_path / "t.jsonl",
        {"id": "a", "title": None, "body": "Câu đầu tiên. Câu thứ hai."},
        {"id": "b", "body": long_first},
        {"id": "c", "title": "Có tiêu đề", "body": "Câu."},
    )
    a, b, c = read_all(path)[0]
    assert (a.title, a.title_derived) == ("Câu đầu tiên", True)
    assert b.title_derived and b.title.endswith("…") and len(b.title) <= 121
    assert (c.title, c.title_derived) == ("Có tiêu đề", False)


def test_html_entities_are_unescaped_and_utf16_jsonl_refused(tmp_path: Path) -> None:
    record = {"id": "a", "title": "A &amp; B", "body": "x&nbsp;&lt;y&gt;"}
    path = jsonl(tmp_path / "e.jsonl", record)
    [article] = read_all(path)[0]
    assert (article.title, article.body) == ("A & B", "x <y>")
    wide = tmp_path / "w.jsonl"
    wide.write_bytes(path.read_text().encode("utf-16-le"))
    _, [rejection], _ = read_all(wide)
    assert "NUL" in rejection.reason and rejection.line == 1


def test_gzip_jsonl_and_damaged_gzip(tmp_path: Path) -> None:
    records = [
        {"id": f"r{n}", "body": f"Bài số {n} về quận Tây Hồ {n * 7919}."} for n in range(3000)
    ]
    good = jsonl(tmp_path / "g.jsonl.gz", *records, compress=True)
    damaged = tmp_path / "d.jsonl.gz"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    articles, _, _ = read_all(good)
    assert [a.id for a in articles] == [r["id"] for r in records]
    partial, [rejection], _ = read_all(damaged)
    assert 0 < len(partial) < len(records)
    assert "damaged gzip" in rejection.reason and rejection.line == len(partial)


def test_jsonl_record_checks(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"id": "ok", "body": "Được."}\n'
        "{broken\n"
        '{"id": true, "body": "x"}\n'
        '{"id": "../etc", "body": "x"}\n'
        '{"id": "e", "body": "   "}\n' + "[" * 100_000 + "\n"
        '{"id": "f", "body": "Sáu", "views": -1, "title": 5, "url": "//evil.example"}\n',
        encoding="utf-8",
    )
    articles, rejections, report = read_all(path)
    assert [a.id for a in articles] == ["ok", "f"]
    rejected = {r.line: r.reason for r in rejections if not r.warning}
    assert set(rejected) == {2, 3, 4, 5, 6}
    assert "nested too deeply" in rejected[6]
    assert "not valid JSON" in rejected[2]
    warned = [r.reason for r in rejections if r.warning]
    assert len(warned) == 3 and articles[1].url is None and articles[1].views is None
    assert report.rejected == 5 and report.warnings == 3


def test_jsonl_line_over_the_limit_is_rejected_without_stopping(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    huge = json.dumps({"id": "huge", "body": "x" * 2_100_000})
    path.write_text(huge + "\n" + json.dumps({"id": "after", "body": "Sau."}) + "\n")
    articles, rejections, _ = read_all(path)
    assert [a.id for a in articles] == ["after"]
    assert rejections[0].line == 1 and "longer than" in rejections[0].reason


def test_parse_date_forms() -> None:
    assert parse_date("2015-11-24") == datetime(2015, 11, 24, tzinfo=TZ)
    assert parse_date("24/11/2015 14:05") == datetime(2015, 11, 24, 14, 5, tzinfo=TZ)
    assert parse_date("2015-11-24T07:00:00Z") == datetime(2015, 11, 24, 14, tzinfo=TZ)
    assert parse_date("31/02/2023") is None
    assert parse_date("hôm qua") is None


# --- encodings -------------------------------------------------------------------------------

ENCODED = {
    "utf-8": lambda s: s.encode("utf-8"),
    "utf-8-bom": lambda s: b"\xef\xbb\xbf" + s.encode("utf-8"),
    "utf-16-bom": lambda s: s.encode("utf-16"),
    "utf-16-be-bom": lambda s: b"\xfe\xff" + s.encode("utf-16-be"),
    "utf-16-le-no-bom": lambda s: s.encode("utf-16-le"),
    "utf-16-be-no-bom": lambda s: s.encode("utf-16-be"),
    "cp1258": make_broken.cp1258,
    "crlf": lambda s: s.replace("\n", "\r\n").encode("utf-8"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODED))
def test_encodings_give_the_same_article(tmp_path: Path, encoding: str) -> None:
    [expected], _, _ = read_all(write_page(tmp_path / "ref" / "p.txt", MY_PAGE))
    path = write_page(tmp_path / encoding / "p.txt", ENCODED[encoding](MY_PAGE))
    [article], rejections, _ = read_all(path)
    assert (article.title, article.body, article.category) == (
        expected.title,
        expected.body,
        expected.category,
    )
    warned = encoding in {"cp1258", "utf-16-le-no-bom", "utf-16-be-no-bom"}
    assert [r.warning for r in rejections] == ([True] if warned else [])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (BROKEN / "vni.txt", "VNI"),
        (BROKEN / "mojibake.txt", "mojibake"),
        ("Quận Tây Hồ".encode().decode("latin-1"), "garbled"),
    ],
)
def test_legacy_and_garbled_text_is_rejected(
    tmp_path: Path, content: bytes | str | Path, reason: str
) -> None:
    if isinstance(content, Path):
        content = content.read_bytes()
    if isinstance(content, str):
        content = MY_PAGE.replace("Quận Tây Hồ triển", content * 3 + " triển").encode()
    _, [rejection], _ = read_all(write_page(tmp_path / "x.txt", content))
    assert not rejection.warning and reason in rejection.reason


def test_tcvn3_is_converted_to_unicode(tmp_path: Path) -> None:
    # Known TCVN3 spellings of place names: "B¶o Th¾ng" is Bảo Thắng, "M\xadêng" is Mường.
    raw = "Tin vÒ B¶o Th¾ng vµ M\xadêng Kh\xad¬ng"
    page = MY_PAGE.replace("Quận Tây Hồ triển khai", raw + " triển khai")
    as_bytes = make_broken.tcvn3(page).replace(make_broken.tcvn3(raw), raw.encode("latin-1"))
    pasted = as_bytes.decode("latin-1").encode("utf-8")  # copied from a .VnTime document
    for name, data in (("bytes.txt", as_bytes), ("pasted.txt", pasted)):
        [article], [warning], _ = read_all(write_page(tmp_path / name, data))
        assert warning.warning and "converted" in warning.reason
        assert article.title.startswith("Tin về Bảo Thắng và Mường Khương triển khai Kế hoạch")
        assert article.body.startswith("Sáng ngày 05/11, UBND quận Tây Hồ")


def test_foreign_names_are_not_taken_for_mojibake(tmp_path: Path) -> None:
    page = MY_PAGE.replace("Các phường", "Ông Müller từ Zürich và bà Gödel cùng các phường")
    [article], rejections, _ = read_all(write_page(tmp_path / "de.txt", page))
    assert rejections == [] and "Zürich" in article.body


@given(st.text())
def test_clean_agrees_with_text_normalize(value: str) -> None:
    control = {chr(c) for c in (*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F)}
    expected = "".join(c for c in text.normalize(value) if c not in control)
    assert clean(value) == expected


@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_say_why(data: bytes) -> None:
    try:
        decoded = decode_bytes(data)
    except DecodeError as exc:
        assert str(exc)
    else:
        assert isinstance(decoded.text, str) and decoded.encoding


@given(st.text(max_size=2000), st.sampled_from(["", "\nNgày đăng 01/02/2020 | 10:00\n"]))
def test_any_page_text_parses_or_says_why(page: str, date_line: str) -> None:
    try:
        article, warnings = parse_page(f"Tiêu đề\n{date_line}{page}", "x", "x.txt")
    except Unreadable as exc:
        assert str(exc)
    else:
        assert article.title and all(isinstance(w, str) for w in warnings)


# --- directories and sources -----------------------------------------------------------------


def test_directories_are_walked_sorted_and_hidden_files_skipped(tmp_path: Path) -> None:
    for name in ("b/2.txt", "a/1.txt", "c.txt", ".hidden/x.txt", "a/.y.txt", "README", "b/x.md"):
        write_page(tmp_path / name, MY_PAGE)
    articles, rejections, _ = read_all(tmp_path)
    assert [Path(a.source).relative_to(tmp_path).as_posix() for a in articles] == [
        "a/1.txt",
        "b/2.txt",
        "c.txt",
    ]
    assert rejections == []


def test_missing_source_and_unknown_kind(tmp_path: Path) -> None:
    other = write_page(tmp_path / "notes.md", "# ghi chú")
    articles, rejections, report = read_all(tmp_path / "nope", other)
    assert articles == [] and report.rejected == 2
    assert "No such file" in rejections[0].reason and "unknown kind" in rejections[1].reason


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    first = write_page(tmp_path / "one" / "same.txt", MY_PAGE)
    second = write_page(tmp_path / "two" / "same.txt", MY_PAGE.replace("Quận Tây Hồ t", "Khác t"))
    articles, [rejection], report = read_all(first, second)
    assert [a.source for a in articles] == [str(first)]
    assert rejection.path == str(second) and str(first) in rejection.reason
    assert report.duplicates == 1


def test_sample_archive_reads_without_rejections() -> None:
    if not any(sample_archive().rglob("*.txt")):
        pytest.skip("the sample archive has no pages yet")
    articles, rejections, _ = read_all(sample_archive())
    assert [r for r in rejections if not r.warning] == []
    assert len(articles) >= 30
    assert all(a.published is not None and a.title and a.body for a in articles)
    years = {a.published.year for a in articles if a.published is not None}
    assert len(years) >= 10


# --- the broken set (issue 7) ----------------------------------------------------------------

EXPECTED_BROKEN = {
    "empty.txt": (False, "empty file"),
    "blank-lines.txt": (False, "empty file"),
    "binary.txt": (False, "binary file"),
    "image-named-txt.txt": (False, "PNG"),
    "truncated-utf8.txt": (True, "truncated"),
    "utf16-no-bom.txt": (True, "UTF-16 without a byte-order mark"),
    "windows-1258.txt": (True, "Windows-1258"),
    "tcvn3.txt": (True, "TCVN3 (ABC) font encoding: converted to Unicode"),
    "vni.txt": (False, "VNI"),
    "mojibake.txt": (False, "mojibake"),
    "no-title.txt": (False, "no title"),
    "no-date.txt": (False, "no 'Ngày đăng"),
    "impossible-date.txt": (True, "impossible date 31/02/2023"),
    "unknown-kind.pdf": (True, "skipped"),
    "records.jsonl:7": (False, "not valid JSON"),
    "records.jsonl:9": (True, "31/02/2023"),
    "records.jsonl:10": (True, "javascript"),
    "records.jsonl:11": (False, "no body"),
    "records.jsonl:12": (False, "no id"),
    "records.jsonl:13": (False, "not a JSON object"),
    "records.jsonl:14": (False, "must be 1-200 characters"),
    "duplicates.jsonl:3": (False, "duplicate id 'rec-20'"),
    "records.jsonl:1": (False, "duplicate id 'rec-1': already read from"),
    "gen/big-20mb.txt": (False, "20.0 MB"),
    "gen/long-line.txt": (True, "100,000 characters"),
    "gen/loop/inner/back": (True, "symbolic link loop"),
    "gen/dangling.txt": (False, "broken symbolic link"),
    "gen/pipe.txt": (False, "not a regular file"),
}
# 10 pages (5 of them with warnings), 9 + 3 JSON records, the long line and the page in the loop.
GOOD_IN_BROKEN = 24


def test_committed_broken_set_is_up_to_date(tmp_path: Path) -> None:
    make_broken.write_static(tmp_path)
    for name, data in make_broken.static_files().items():
        assert (BROKEN / name).read_bytes() == data, f"rerun tests/data/make_broken.py: {name}"


def test_broken_archive_rejects_or_warns_and_reads_every_good_article(tmp_path: Path) -> None:
    generated = make_broken.write_generated(tmp_path / "gen")
    articles, rejections, report = read_all(BROKEN, tmp_path / "gen")
    found: dict[str, Rejection] = {}
    for r in rejections:
        path = Path(r.path)
        name = (
            path.relative_to(tmp_path).as_posix()
            if path.is_relative_to(tmp_path)
            else (path.relative_to(BROKEN).as_posix())
        )
        found[name if r.line is None else f"{name}:{r.line}"] = r
    expected = dict(EXPECTED_BROKEN)
    if os.access(generated["unreadable"], os.R_OK):  # root reads chmod-000 files anyway
        expected_good = GOOD_IN_BROKEN + 1
    else:
        expected["gen/unreadable.txt"] = (False, "Permission denied")
        expected_good = GOOD_IN_BROKEN
    assert sorted(found) == sorted(expected)
    for name, (warning, reason) in expected.items():
        assert found[name].warning is warning, name
        assert reason in found[name].reason, (name, found[name].reason)
    good_titles = {a.title for a in articles}
    for page_text in make_broken.GOOD_PAGES.values():
        lines = page_text.splitlines()
        dated = next(i for i, line in enumerate(lines) if line.startswith("Ngày đăng"))
        assert lines[dated - 1] in good_titles
    assert report.accepted == len(articles) == expected_good
    assert report.read == report.accepted + report.rejected
    assert report.warnings == sum(w for w, _ in expected.values())
    assert all(a.id and a.body for a in articles)
    generated["big"].unlink()  # pytest keeps the last runs' tmp_path; do not keep 20 MB each


def test_unreadable_file_is_rejected(tmp_path: Path) -> None:
    path = write_page(tmp_path / "locked.txt", MY_PAGE)
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip(
            "running as root: chmod 000 does not stop root reading (pipe and link cover it)"
        )
    _, [rejection], _ = read_all(path)
    assert "Permission denied" in rejection.reason


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_check_json_prints_articles_and_exits_0(tmp_path: Path) -> None:
    path = write_page(tmp_path / "p.txt", MY_PAGE)
    result = CliRunner().invoke(main, ["archive", "check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    record = json.loads(line)
    assert record["id"] == "p" and record["published"] == "2019-11-05T07:05:00+07:00"
    assert set(record) >= {"id", "title", "published", "category", "url", "views", "source", "body"}
    assert "1 accepted, 0 rejected" in result.stderr


def test_cli_check_exits_1_and_summarises_rejections(tmp_path: Path) -> None:
    good = write_page(tmp_path / "p.txt", MY_PAGE)
    bad = write_page(tmp_path / "bad.txt", b"")
    result = CliRunner().invoke(main, ["archive", "check", str(good), str(bad)])
    assert result.exit_code == 1
    assert "1 accepted, 1 rejected" in result.stdout
    assert f"rejected: {bad}: empty file" in result.stderr


def test_cli_subprocess_prints_json_and_fails_on_a_rejection() -> None:
    exe = Path(sys.executable).with_name("searchsvc")
    fallback = [sys.executable, "-c", "from searchsvc.cli import main; main()"]
    command = [str(exe)] if exe.exists() else fallback
    sources = [str(BROKEN / "good"), str(BROKEN / "empty.txt")]
    done = subprocess.run(
        [*command, "archive", "check", *sources, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    articles = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(a["id"] for a in articles) == sorted(
        [
            "nhat-tan-hoa-dao",
            "quang-an-ve-sinh",
            page_id(BROKEN / "good/nested/tu-lien-quat.txt", BROKEN / "good"),
        ]
    )
    assert f"rejected: {BROKEN / 'empty.txt'}: empty file" in done.stderr
    assert "3 accepted, 1 rejected" in done.stderr


def test_cli_reports_broken_json_by_the_files_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"id": "a", "body": "Một."}\n\n'
        '{"id": "b", "body": "Hai."\n'  # the closing brace is missing
        '{"id": "c", "bodi" "Ba."}\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [str(Path(sys.executable).with_name("searchsvc")), "archive", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    end = "at column 27, the end of the line"
    assert f"rejected: {path}:3: not valid JSON: Expecting ',' delimiter {end}" in lines
    assert f"rejected: {path}:4: not valid JSON: Expecting ':' delimiter at column 20" in lines
    assert "char" not in done.stderr and "line 2" not in done.stderr
    assert "  rejected 2x: not valid JSON" in done.stdout


def test_cli_check_of_a_directory_without_articles_says_so_and_exits_1(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.md").write_text("Ghi chú, không phải bài viết.\n", encoding="utf-8")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("searchsvc")), "archive", "check", str(empty)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "read 0 articles" in done.stdout
    assert done.stderr == f"nothing found: no .txt, .jsonl or .jsonl.gz article in {empty}\n"
