"""Hostile archive files (issue 15): bounded memory and work whatever the input, links kept in.

Every hostile input is built here in tmp_path: a gzip file of millions of bad records, a
gzip bomb of newlines, links out of the source directory, and a fan-out of links. Work is
asserted as counts (lines listed, blocks read, files read) and memory as the peak resident
size of a real `searchsvc` subprocess, with a generous bound; never as a time.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.archive import (
    MAX_LISTED_PER_FILE,
    MAX_REJECTIONS_PER_FILE,
    Article,
    ReadReport,
    Rejection,
    read_sources,
)
from searchsvc.archive.lines import TooMuchData, numbered_lines

SEARCHSVC = Path(sys.executable).with_name("searchsvc")
PAGE = """Tin tức

Quận Tây Hồ ra quân làm sạch đường phố
Ngày đăng 05/11/2019 | 07:05 | View count: 12

Sáng nay các phường ra quân làm sạch đường phố, vỉa hè.
"""
RSS_BOUND_MB = 250  # a Python with the package loaded is about 60 MB; the bug took 949 MB


def read_all(
    *sources: Path, follow_links: bool = False
) -> tuple[list[Article], list[Rejection], ReadReport]:
    """Read sources; return articles, what on_reject received, and the report."""
    passed: list[Rejection] = []
    report = ReadReport()
    articles = list(read_sources(sources, passed.append, report, follow_links))
    return articles, passed, report


def gzip_lines(path: Path, line: bytes, count: int) -> Path:
    """Write count copies of line into a gzip file, a megabyte at a time."""
    per_chunk = max(1, (1 << 20) // len(line))
    with gzip.open(path, "wb", compresslevel=9) as out:
        left = count
        while left:
            n = min(per_chunk, left)
            out.write(line * n)
            left -= n
    return path


def peak_rss_mb(*args: str | Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `searchsvc ARGS` under a fresh Python that reports its child's peak RSS in MB."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(done.returncode)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(SEARCHSVC), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    *lines, rss_kb = done.stderr.rstrip("\n").split("\n")
    done.stderr = "\n".join(lines) + "\n"
    return done, int(rss_kb) / 1024


# ---------------------------------------------------------------- many bad records


def test_bad_records_are_counted_and_the_file_stopped(tmp_path: Path) -> None:
    """300,000 `{}` lines: counted until the per-file cap, 100 listed, the rest summed up."""
    good = tmp_path / "a-good.jsonl"
    good.write_text(json.dumps({"id": "ok-1", "body": "Bài tốt."}) + "\n", encoding="utf-8")
    bad = gzip_lines(tmp_path / "b-empty.jsonl.gz", b"{}\n", 300_000)
    articles, passed, report = read_all(good, bad)
    assert [a.id for a in articles] == ["ok-1"]
    assert report.rejected == MAX_REJECTIONS_PER_FILE + 1  # the cap, then the stop itself
    assert report.read == report.accepted + report.rejected
    assert len(passed) == MAX_LISTED_PER_FILE + 2 and passed == report.rejections
    stop, summary = passed[-2:]
    assert not stop.warning and "stopped after 10,000 rejections" in stop.reason
    assert stop.line == MAX_REJECTIONS_PER_FILE
    assert summary.warning and "9,900 more rejections and warnings" in summary.reason
    assert report.unlisted == MAX_REJECTIONS_PER_FILE - MAX_LISTED_PER_FILE
    assert report.reasons == {"no id: 'id' is missing or null": 10_000, passed[-2].reason: 1}
    assert report.troubled == {str(bad)}


def test_warnings_past_the_listing_are_counted(tmp_path: Path) -> None:
    """Warnings do not stop a file, and only the first ones of each file are listed."""
    records = b"".join(
        json.dumps({"id": f"w{n}", "body": "Nội dung.", "views": -1}).encode() + b"\n"
        for n in range(250)
    )
    (tmp_path / "w.jsonl").write_bytes(records)
    articles, passed, report = read_all(tmp_path / "w.jsonl")
    assert len(articles) == 250 and report.warnings == 250 and report.rejected == 0
    assert len(passed) == MAX_LISTED_PER_FILE + 1
    assert "150 more rejections and warnings" in passed[-1].reason


def test_archive_check_of_millions_of_bad_records_is_bounded(tmp_path: Path) -> None:
    """The review's 17.5 KB file of 6M `{}` lines (40 s, 949 MB before) stops at the cap."""
    bomb = gzip_lines(tmp_path / "bomb.jsonl.gz", b"{}\n", 6_000_000)
    assert bomb.stat().st_size < 40_000
    done, rss = peak_rss_mb("archive", "check", bomb)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) < MAX_LISTED_PER_FILE + 20, len(lines)
    assert f"rejected: {bomb}:10000: stopped after 10,000 rejections" in done.stderr
    assert "9,900 rejections and warnings counted but not listed" in done.stdout + done.stderr
    assert rss < RSS_BOUND_MB, rss


# ---------------------------------------------------------------- blank lines and gzip bombs


def test_newline_bomb_stops_at_the_decompressed_cap(tmp_path: Path) -> None:
    """200 MB of newlines in a ~200 KB gzip (115 s of CPU before): stopped at 64 MiB, said so."""
    bomb = gzip_lines(tmp_path / "newlines.jsonl.gz", b"\n", 200_000_000)
    done, rss = peak_rss_mb("archive", "check", bomb)
    assert done.returncode == 1, done.stderr
    assert "stopped after 67.1 MB of uncompressed data" in done.stderr, done.stderr
    assert "the rest of the file is skipped" in done.stderr
    assert rss < RSS_BOUND_MB, rss


class CountingStream(io.BytesIO):
    """A stream that counts how often it is read."""

    reads = 0

    def read1(self, size: int = -1, /) -> bytes:
        """Read like BytesIO, counting the call."""
        self.reads += 1
        return super().read1(size)


def test_blank_lines_cost_one_step_a_block() -> None:
    """20 MB of blank lines then a record: 21 reads of 1 MB, the record on its own line number."""
    stream = CountingStream(b"\n \t\r\n" * 4_000_000 + b'{"id": "x"}\n')
    assert list(numbered_lines(stream, 2_000_000)) == [(8_000_001, b'{"id": "x"}\n')]
    assert stream.reads <= 22


def test_line_reader_caps_bytes() -> None:
    """A stream that gives more than max_bytes raises TooMuchData with the limit."""
    stream = io.BytesIO((b"a" * 99 + b"\n") * 60_000)
    try:
        for _ in numbered_lines(stream, 200, max_bytes=5_000_000):
            pass
    except TooMuchData as exc:
        assert exc.limit == 5_000_000
    else:
        raise AssertionError("no TooMuchData")


def reference_lines(data: bytes, max_line: int) -> list[tuple[int, bytes | None]]:
    """Number the lines of data the plain way: skip blank ones, None for overlong ones."""
    parts = data.split(b"\n")
    found: list[tuple[int, bytes | None]] = []
    for number, content in enumerate(parts, 1):
        if not content.strip():
            continue
        ends = number < len(parts)
        found.append((number, None if len(content) > max_line else content + b"\n" * ends))
    return found


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([b"a", b"{}", b" ", b"\t", b"\n", b"\n\n", b"xyz", b"\r\n"])),
    st.integers(1, 12),
    st.integers(1, 9),
)
def test_line_reader_matches_splitting(parts: list[bytes], max_line: int, block: int) -> None:
    """Whatever the blocks, numbered_lines gives the lines a plain split gives."""
    data = b"".join(parts)
    found = list(numbered_lines(io.BytesIO(data), max_line, None, block))
    assert found == reference_lines(data, max_line)


# ---------------------------------------------------------------- symbolic links


def make_leaky_source(tmp_path: Path) -> tuple[Path, Path]:
    """Return a source dir with a file link and a dir link out of it, and the place they lead."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "secret").mkdir(parents=True)
    private = {"id": "private-1", "body": "Hồ sơ mật, không được công bố."}
    (elsewhere / "private.jsonl").write_text(json.dumps(private) + "\n", encoding="utf-8")
    (elsewhere / "secret" / "page.txt").write_text(PAGE, encoding="utf-8")
    source = tmp_path / "source"
    source.mkdir()
    (source / "public.txt").write_text(PAGE.replace("làm sạch", "trồng cây"), encoding="utf-8")
    (source / "leak.jsonl").symlink_to(elsewhere / "private.jsonl")
    (source / "outdir").symlink_to(elsewhere / "secret", target_is_directory=True)
    (source / "same-as-public.txt").symlink_to(source / "public.txt")  # inside: read once
    return source, elsewhere


def test_links_out_of_the_source_are_not_followed(tmp_path: Path) -> None:
    """leak.jsonl and outdir/ lead elsewhere: warned about by name, not read."""
    source, elsewhere = make_leaky_source(tmp_path)
    articles, passed, report = read_all(source)
    assert [a.source for a in articles] == [str(source / "public.txt")]
    warned = {Path(r.path).name: r.reason for r in passed}
    assert set(warned) == {"leak.jsonl", "outdir", "same-as-public.txt"}, warned
    assert str(elsewhere / "private.jsonl") in warned["leak.jsonl"]
    assert "outside the source: not followed (--follow-links)" in warned["outdir"]
    assert f"already read as {source / 'public.txt'}" in warned["same-as-public.txt"]
    assert all(r.warning for r in passed) and report.rejected == 0
    followed, _, _ = read_all(source, follow_links=True)
    ids = {a.id for a in followed}
    assert len(ids) == 3 and "private-1" in ids and any(i.startswith("outdir-page-") for i in ids)


def test_cli_follows_links_only_when_told(tmp_path: Path) -> None:
    """archive check, index build and index update leave links out unless --follow-links."""
    source, _ = make_leaky_source(tmp_path)
    check = subprocess.run(
        [str(SEARCHSVC), "archive", "check", str(source), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "private-1" not in check.stdout and "leak.jsonl" in check.stderr
    followed = subprocess.run(
        [str(SEARCHSVC), "archive", "check", str(source), "--json", "--follow-links"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "private-1" in followed.stdout
    index = tmp_path / "index"
    for command in (["index", "build"], ["index", "update"]):
        done = subprocess.run(
            [str(SEARCHSVC), *command, str(source), "--index", str(index), "--json"],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        figures = json.loads(done.stdout)
        assert figures["read"] == 1, figures
    build = subprocess.run(
        [str(SEARCHSVC), "index", "build", str(source), "--index", str(index), "--json",
         "--follow-links"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert json.loads(build.stdout)["read"] == 3, build.stdout


def test_link_fan_out_reads_each_real_file_once(tmp_path: Path) -> None:
    """13 directories each linking twice to the next (4,096 paths to one page): read once."""
    tree = tmp_path / "tree"
    levels = [tree / f"d{n:02d}" for n in range(14)]
    for level in levels:
        level.mkdir(parents=True)
    (levels[-1] / "page.txt").write_text(PAGE, encoding="utf-8")
    for here, below in itertools.pairwise(levels):
        (here / "a").symlink_to(below, target_is_directory=True)
        (here / "b").symlink_to(below, target_is_directory=True)
    articles, passed, report = read_all(tree)
    assert len(articles) == 1 and report.read == 1
    # Each directory is reached once more through a second link, or as itself: 13 + 13.
    assert len(passed) == 26 and all("already read as" in r.reason for r in passed)
    assert all(r.warning for r in passed)
    again, passed_again, _ = read_all(tree, levels[0] / "a", levels[-1] / "page.txt")
    assert len(again) == 1 and len(passed_again) == 28
