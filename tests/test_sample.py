"""Tests for the bundled sample archive (searchsvc/sample/): it reads cleanly and is a good fixture.

The design checks below use plain Python (NFC, lowercase, \\w+ words), not searchsvc.text, so
they pin what the files contain, whatever the analysis does with it.
"""

from __future__ import annotations

import collections
import itertools
import re
import shutil
import tomllib
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest

from searchsvc.archive import Article, Rejection, read_sources, sample_archive

ROOT = sample_archive()
REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "000_18bb1547c1b31722.txt"
NFD_FILE = "tin-tuc/2024-09-10-khac-phuc-hau-qua-bao-so-3-nfd.txt"
CP1258_FILE = "van-ban/2014-06-18-quan-triet-chi-thi-34-ct-tw-cp1258.txt"
NAME = re.compile(r"(\d{4}-\d\d-\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*\.txt")


def read(root: Path = ROOT) -> tuple[list[Article], list[Rejection]]:
    """Read an archive root and return its articles and rejections (warnings included)."""
    rejections: list[Rejection] = []
    articles = list(read_sources([root], rejections.append))
    return articles, rejections


@pytest.fixture(scope="module")
def sample() -> list[Article]:
    """The articles of the sample archive, read once."""
    articles, rejections = read()
    assert [r for r in rejections if not r.warning] == []
    return articles


def by_file(articles: list[Article], relative: str) -> Article:
    """Return the article read from the file at this path relative to the archive root."""
    [article] = [a for a in articles if Path(a.source) == ROOT / relative]
    return article


def words(article: Article) -> list[str]:
    """Return the lowercase NFC words of an article's title and body."""
    text = unicodedata.normalize("NFC", f"{article.title}\n{article.body}")
    return re.findall(r"\w+", text.lower())


def adjacent(ws: list[str], first: str, second: str) -> bool:
    """Tell whether second directly follows first somewhere in ws."""
    return any(a == first and b == second for a, b in itertools.pairwise(ws))


def relative(article: Article) -> str:
    """Return an article's file path relative to the archive root."""
    return Path(article.source).relative_to(ROOT).as_posix()


# --- reading -----------------------------------------------------------------------------------


def test_every_page_reads_and_nothing_is_rejected() -> None:
    articles, rejections = read()
    assert [r for r in rejections if not r.warning] == []
    pages = sorted(ROOT.rglob("*.txt"))
    assert 45 <= len(pages) <= 55
    assert sorted(Path(a.source) for a in articles) == pages
    # The only expected notes: the README is not an article, and the cp1258 file is not UTF-8.
    noted = {Path(r.path).relative_to(ROOT).as_posix() for r in rejections}
    assert noted <= {"README.md", CP1258_FILE}


def test_every_article_has_all_its_fields(sample: list[Article]) -> None:
    for article in sample:
        assert article.title and article.category and article.body, article.source
        assert article.views is not None and article.views > 0, article.source
        assert article.published is not None, article.source
        assert article.published.utcoffset() == timedelta(hours=7), article.source
        for text in (article.title, article.body, article.category):
            assert unicodedata.is_normalized("NFC", text), article.source
            assert "\u00a0" not in text, article.source


def test_bodies_hold_only_the_article(sample: list[Article]) -> None:
    navigation = ("Tìm kiếm", "Album Ảnh", "Các chuyên mục", "Ngày đăng", "View count")
    for article in sample:
        assert not any(word in article.body for word in navigation), article.source
        assert article.title not in article.body, article.source
        # The trailing code line (BTGQU, VP, ...) is not part of the body.
        assert article.body.rstrip().endswith((".", "”")), article.source
        assert 120 <= len(re.findall(r"\w+", article.body)) <= 400, article.source


def test_file_names_are_ascii_and_carry_the_publication_date(sample: list[Article]) -> None:
    for article in sample:
        match = NAME.fullmatch(Path(article.source).name)
        assert match is not None, article.source
        assert article.published is not None
        assert match.group(1) == article.published.strftime("%Y-%m-%d"), article.source


def test_pages_sit_in_sub_folders_one_of_them_nested(sample: list[Article]) -> None:
    folders = {Path(relative(a)).parent.as_posix() for a in sample}
    assert {"tin-tuc", "thong-bao", "van-ban"} <= folders
    assert any(folder.count("/") >= 1 for folder in folders)
    assert all("/" in relative(a) for a in sample), "no page sits at the root"


def test_dates_span_at_least_ten_years_with_several_in_some(sample: list[Article]) -> None:
    years = collections.Counter(a.published.year for a in sample if a.published is not None)
    assert len(years) >= 10
    assert min(years) <= 2013 and max(years) >= 2025
    assert sum(count >= 4 for count in years.values()) >= 3
    times = {a.published.strftime("%H:%M") for a in sample if a.published is not None}
    assert len(times) >= 40


def test_a_handful_of_categories_each_with_several_articles(sample: list[Article]) -> None:
    categories = collections.Counter(a.category for a in sample)
    assert 4 <= len(categories) <= 8
    assert min(categories.values()) >= 3
    assert "Thông báo" in categories and "Văn bản chỉ đạo điều hành" in categories


def test_ids_are_unique_url_safe_and_stable(sample: list[Article], tmp_path: Path) -> None:
    ids = [a.id for a in sample]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", i) for i in ids)
    again, _ = read()
    assert [a.id for a in again] == ids
    # Ids derive from the path relative to the root, not from where the archive lives.
    copy = shutil.copytree(ROOT, tmp_path / "elsewhere" / "sample")
    moved, rejections = read(copy)
    assert [r for r in rejections if not r.warning] == []
    assert sorted(a.id for a in moved) == sorted(ids)


# --- the two files in other encodings ----------------------------------------------------------


def test_the_nfd_file_is_decomposed_and_reads_as_nfc(sample: list[Article]) -> None:
    raw = (ROOT / NFD_FILE).read_bytes().decode("utf-8")
    assert unicodedata.is_normalized("NFD", raw)
    assert not unicodedata.is_normalized("NFC", raw)
    article = by_file(sample, NFD_FILE)
    assert article.title == (
        "Tây Hồ tập trung khắc phục hậu quả bão số 3, sớm ổn định đời sống Nhân dân"
    )
    assert article.category == "Tin tức - sự kiện"
    assert "Thụy Khuê" in article.body and "đổ bộ vào Hà Nội" in article.body
    assert article.views == 2957


def test_the_cp1258_file_is_windows_1258_and_reads_as_nfc(sample: list[Article]) -> None:
    raw = (ROOT / CP1258_FILE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    decoded = unicodedata.normalize("NFC", raw.decode("cp1258"))
    article = by_file(sample, CP1258_FILE)
    assert article.title == (
        "Quận ủy Tây Hồ quán triệt Chỉ thị số 34-CT/TW về đổi mới công tác thi đua, khen thưởng"
    )
    assert article.title in decoded
    assert article.category == "Văn bản chỉ đạo điều hành"
    assert "Ban Thường vụ Quận ủy" in article.body and "Mặt trận Tổ quốc" in article.body
    # Tones are stored as cp1258's combining bytes (0xCC grave, 0xEC acute, 0xD2 hook, ...).
    assert b"\xf0ua" in raw and b"Qua\xccn" not in raw


# --- what the fixture is designed to test (see searchsvc/sample/README.md) --------------------


def test_words_that_differ_only_in_accents_never_meet(sample: list[Article]) -> None:
    duong = [set(words(a)) & {"đường", "dương", "dưỡng", "đương"} for a in sample]
    assert all(len(forms) <= 1 for forms in duong)
    assert sum(forms == {"đường"} for forms in duong) >= 3
    assert sum(forms == {"dương"} for forms in duong) >= 2
    hoa = ["hoa", "hòa", "hóa", "hoà", "hoá", "hỏa", "hoả", "họa", "hoạ"]
    alone = collections.Counter(
        forms.pop() for forms in (set(words(a)) & set(hoa) for a in sample) if len(forms) == 1
    )
    assert alone["hoa"] >= 2 and alone["hòa"] >= 1 and alone["hóa"] >= 2
    assert alone["hoà"] >= 1 and alone["hoá"] >= 1


def test_both_tone_placements_appear(sample: list[Article]) -> None:
    old = {"hoà", "hoá", "khoẻ", "thuỷ", "thuỵ", "uỷ", "tuỳ"}
    new = {"hòa", "hóa", "khỏe", "thủy", "thụy", "ủy", "tùy"}
    placements = [(bool(set(words(a)) & old), bool(set(words(a)) & new)) for a in sample]
    assert sum(o and not n for o, n in placements) >= 4
    assert sum(n and not o for o, n in placements) >= 25
    assert any("thuỵ" in words(a) for a in sample) and any("thụy" in words(a) for a in sample)
    assert any("khoẻ" in words(a) for a in sample) and any("khỏe" in words(a) for a in sample)


def test_words_apart_and_together_for_adjacency_ranking(sample: list[Article]) -> None:
    def apart(first: str, second: str) -> list[Article]:
        return [
            a
            for a in sample
            if {first, second} <= set(words(a)) and not adjacent(words(a), first, second)
        ]

    assert sum(adjacent(words(a), "thi", "đua") for a in sample) >= 3
    assert apart("thi", "đua")
    [tay_ho_apart] = apart("tây", "hồ")
    assert not adjacent(words(tay_ho_apart), "hồ", "tây")
    assert sum(adjacent(words(a), "tây", "hồ") for a in sample) >= 40
    assert sum(adjacent(words(a), "hồ", "tây") for a in sample) >= 3
    assert apart("hành", "chính") and sum(adjacent(words(a), "hành", "chính") for a in sample) >= 3


def test_document_numbers_and_dates_are_written_as_officials_write_them(
    sample: list[Article],
) -> None:
    text = "\n".join(f"{a.title}\n{a.body}" for a in sample)
    for number in (
        "Kế hoạch số 45/KH-UBND",
        "Chỉ thị số 34-CT/TW",
        "Nghị quyết số 97/2019/QH14",
        "Quyết định số 1234/QĐ-UBND",
        "Thông báo số 12/TB-UBND",
        "Nghị định số 61/2018/NĐ-CP",
    ):
        assert text.count(number) >= 1, number
    bodies = [a.body for a in sample]
    assert sum(bool(re.search(r"ngày \d\d/\d\d/\d{4}", b)) for b in bodies) >= 5
    assert sum(bool(re.search(r"(?<![\d/])\d{1,2}/\d/\d{4}", b)) for b in bodies) >= 5
    assert "15/8/2019" in text and "TP.HCM" in text and "Thành phố Hồ Chí Minh" in text


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("UBND", "ủy ban nhân dân"),
        ("HĐND", "hội đồng nhân dân"),
        ("MTTQ", "mặt trận tổ quốc"),
        ("PCCC", "phòng cháy, chữa cháy"),
        ("BHYT", "bảo hiểm y tế"),
        ("CLB", "câu lạc bộ"),
        ("THCS", "trung học cơ sở"),
        ("THPT", "trung học phổ thông"),
        ("CCHC", "cải cách hành chính"),
        ("TTHC", "thủ tục hành chính"),
        ("ANCT", "an ninh chính trị"),
        ("ATGT", "an toàn giao thông"),
        ("BCH", "ban chấp hành"),
    ],
)
def test_abbreviations_appear_alone_in_some_articles_and_spelled_out_in_others(
    sample: list[Article], short: str, long: str
) -> None:
    def has_short(a: Article) -> bool:
        return re.search(rf"(?<![\w.]){short}(?!\w)", f"{a.title}\n{a.body}") is not None

    def has_long(a: Article) -> bool:
        return long in f"{a.title}\n{a.body}".lower().replace("uỷ", "ủy")

    assert any(has_short(a) and not has_long(a) for a in sample), short
    assert any(has_long(a) and not has_short(a) for a in sample), long


# --- originality and packaging -----------------------------------------------------------------


def shingles(text: str, size: int = 12) -> Iterator[tuple[str, ...]]:
    """Yield every run of size consecutive lowercase NFC words of text."""
    ws = re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())
    return (tuple(ws[i : i + size]) for i in range(len(ws) - size + 1))


def test_no_text_is_copied_from_the_seed_page(sample: list[Article]) -> None:
    if not SEED.is_file():
        pytest.skip(f"the seed page is not there: {SEED}")
    seed = set(shingles(SEED.read_text(encoding="utf-8")))
    for article in sample:
        copied = [" ".join(s) for s in shingles(f"{article.title}\n{article.body}") if s in seed]
        assert copied == [], article.source


def test_the_sample_ships_as_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "sample/**/*" in pyproject["tool"]["setuptools"]["package-data"]["searchsvc"]
    packaged = resources.files("searchsvc").joinpath("sample")
    assert packaged.is_dir()
    assert packaged.joinpath("README.md").is_file()
    assert packaged.joinpath(NFD_FILE).is_file() and packaged.joinpath(CP1258_FILE).is_file()
