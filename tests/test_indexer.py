"""The index lifecycle: build, generations, rollback, update, the writer lock, kills mid-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import index as windex
from whoosh import query as wquery

from searchsvc.errors import IndexBuildError, IndexLocked, IndexUnavailable
from searchsvc.indexing import indexer
from searchsvc.store import generations as gens

TEXT = (
    "phường quảng an nhật tân tứ liên yên phụ thụy khuê bưởi xuân la ủy ban nhân dân quận "
    "tổ chức hội nghị triển khai kế hoạch cán bộ công chức hồ tây văn hóa an ninh"
)
WORDS = TEXT.split()


def write_archive(path: Path, prefix: str, marker: str, n: int, start: int = 0) -> list[str]:
    """Write n short JSONL articles with ids prefix-N and the marker word in each title."""
    ids = []
    with path.open("w", encoding="utf-8") as out:
        for i in range(start, start + n):
            words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(30))
            record = {
                "id": f"{prefix}-{i:05d}",
                "title": f"Tin {marker} số {i} về {WORDS[i % len(WORDS)]}",
                "body": f"{words}. Kế hoạch số {i}/KH-UBND.",
                "date": f"20{10 + i % 14}-0{1 + i % 9}-1{i % 10}",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            ids.append(record["id"])
    return ids


def titles_with(index_dir: Path, word: str) -> list[str]:
    """Return the sorted ids of the live generation whose title holds the (folded) word."""
    live = gens.live_generation(index_dir)
    assert live is not None
    ix = windex.open_dir(str(live))
    with ix.searcher() as s:
        return sorted(hit["id"] for hit in s.search(wquery.Term("title_f", word), limit=None))


def live_docs(index_dir: Path) -> int:
    """Return the document count of the live generation, read with Whoosh."""
    live = gens.live_generation(index_dir)
    assert live is not None
    return int(windex.open_dir(str(live)).doc_count())


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A 20-article archive with a duplicate id and a broken line."""
    path = tmp_path / "small.jsonl"
    write_archive(path, "s", "alpha", 20)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"id": "s-00003", "title": "again", "body": "lặp lại"}) + "\n")
        out.write("{not json\n")
    return path


def test_build_counts_current_meta_and_state(small: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    seen: list[indexer.Progress] = []
    report = indexer.build([small], index, progress=seen.append)
    assert (report.read, report.indexed, report.duplicates, report.rejected) == (22, 20, 1, 1)
    assert report.generation == "gen-000001" and report.previous is None
    assert (index / gens.CURRENT).read_text().strip() == "gen-000001"
    assert gens.live_generation(index) == index / "gen-000001"
    assert live_docs(index) == 20
    assert titles_with(index, "alpha") == [f"s-{i:05d}" for i in range(20)]
    assert seen and seen[-1].read == 22
    assert any("duplicate" in r.reason for r in report.rejections)
    assert sum(report.reasons.values()) == 2
    meta = json.loads((index / "gen-000001" / gens.META).read_text())
    assert meta["documents"] == 20 and meta["kind"] == "build"
    state = json.loads((index / gens.STATE).read_text())
    assert state["operation"] == "build" and state["generation"] == "gen-000001"
    st = indexer.status(index)
    assert (st.live, st.documents, st.rejected, st.duplicates) == ("gen-000001", 20, 1, 1)
    assert st.size_bytes > 0 and st.older == [] and st.built_at


def test_rebuild_keeps_one_previous_and_rollback_returns_to_it(tmp_path: Path) -> None:
    index = tmp_path / "index"
    for n, marker in enumerate(("alpha", "bravo", "charlie")):
        write_archive(tmp_path / f"{marker}.jsonl", marker[0], marker, 5 + n)
        indexer.build([tmp_path / f"{marker}.jsonl"], index)
    assert [g.name for g in gens.list_generations(index)] == ["gen-000002", "gen-000003"]
    assert [g.name for g in indexer.status(index).older] == ["gen-000002"]
    back = indexer.rollback(index)
    assert (back.from_generation, back.to_generation, back.documents) == (
        "gen-000003",
        "gen-000002",
        6,
    )
    assert titles_with(index, "bravo") and not titles_with(index, "charlie")
    with pytest.raises(IndexBuildError, match="no generation older"):
        indexer.rollback(index)
    indexer.build([tmp_path / "alpha.jsonl"], index)  # keeps what was live: gen-000002
    assert [g.name for g in gens.list_generations(index)] == ["gen-000002", "gen-000004"]
    assert titles_with(index, "alpha")


def test_worker_processes_build_the_same_index(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    write_archive(src, "a", "alpha", 250)
    inline = indexer.build([src], tmp_path / "one", workers=1)
    pooled = indexer.build([src], tmp_path / "two", workers=2)
    assert (inline.workers, inline.segments) == (1, 1)
    assert (pooled.workers, pooled.indexed) == (2, 250)
    # Workers take batches from one queue: a worker still starting may get none (no segment).
    assert pooled.segments in (1, 2)
    assert pooled.workers_peak_rss_mb > 0
    assert titles_with(tmp_path / "two", "alpha") == titles_with(tmp_path / "one", "alpha")
    assert not [p for p in (tmp_path / "two" / "gen-000001").iterdir() if p.is_dir()]


def test_updates_change_and_merge_segments_written_by_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh's own writer deletes from, and merges, the segments SegmentBuilder wrote."""
    src, index = tmp_path / "a.jsonl", tmp_path / "index"
    write_archive(src, "a", "alpha", 250)
    # A 0.5 MB postings budget makes the builder write these 250 articles as several segments.
    monkeypatch.setattr(indexer, "LIMIT_MB", 0.5)
    built = indexer.build([src], index, workers=1).segments
    assert built >= 2
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("alpha", "delta")
    src.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    up = indexer.update([src], index, delete_missing=True)
    assert (up.added, up.changed, up.deleted, up.documents) == (0, 1, 1, 249)
    for n in range(8):  # one small segment each, until the update policy merges them
        write_archive(tmp_path / f"more{n}.jsonl", f"m{n}", "bravo", 1)
        indexer.update([tmp_path / f"more{n}.jsonl"], index)
    assert live_docs(index) == indexer.status(index).documents == 257
    assert titles_with(index, "delta") == ["a-00003"]
    assert len(titles_with(index, "alpha")) == 248
    assert titles_with(index, "bravo") == [f"m{n}-00000" for n in range(8)]
    live = gens.live_generation(index)
    assert live is not None and len(windex.open_dir(str(live))._segments()) < built + 8


def test_update_adds_changes_and_deletes(tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    write_archive(archive / "a.jsonl", "a", "alpha", 10)
    write_archive(archive / "b.jsonl", "b", "bravo", 5)
    indexer.build([archive], index)
    same = indexer.update([archive], index)
    assert (same.added, same.changed, same.deleted, same.unchanged) == (0, 0, 0, 15)
    assert same.previous is None and same.generation == "gen-000001"  # nothing to switch
    # a.jsonl: drop a-00000, rewrite a-00001 (now "delta"), add a-00010..a-00011
    lines = (archive / "a.jsonl").read_text(encoding="utf-8").splitlines()[1:]
    lines[0] = lines[0].replace("alpha", "delta")
    write_archive(tmp_path / "new.jsonl", "a", "alpha", 2, start=10)
    lines += (tmp_path / "new.jsonl").read_text(encoding="utf-8").splitlines()
    (archive / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    up = indexer.update([archive], index)
    assert (up.added, up.changed, up.deleted, up.unchanged) == (2, 1, 0, 13)
    assert (up.generation, up.previous, up.documents) == ("gen-000002", "gen-000001", 17)
    assert live_docs(index) == 17 and titles_with(index, "delta") == ["a-00001"]
    assert "a-00000" in titles_with(index, "alpha")
    (archive / "b.jsonl").unlink()
    gone = indexer.update([archive], index, delete_missing=True)
    assert (gone.deleted, gone.documents) == (6, 11)  # a-00000 and the five of b.jsonl
    assert live_docs(index) == 11 and titles_with(index, "bravo") == []
    st = indexer.status(index)
    assert st.last_update is not None and st.last_update["deleted"] == 6
    assert [g.name for g in gens.list_generations(index)] == ["gen-000002", "gen-000003"]


def test_delete_missing_spares_sources_with_rejections_and_other_sources(tmp_path: Path) -> None:
    index = tmp_path / "index"
    write_archive(tmp_path / "a.jsonl", "a", "alpha", 4)
    write_archive(tmp_path / "b.jsonl", "b", "bravo", 3)
    indexer.build([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], index)
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "a.jsonl").write_text("\n".join(["{broken", *lines[1:]]) + "\n", "utf-8")
    up = indexer.update([tmp_path / "a.jsonl"], index, delete_missing=True)
    assert (up.deleted, up.rejected, up.documents) == (0, 1, 7)
    assert up.reasons and live_docs(index) == 7


def test_missing_source_or_index_fails_and_changes_nothing(small: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    with pytest.raises(IndexUnavailable, match="index build"):
        indexer.update([small], index)
    indexer.build([small], index)
    for action in (
        lambda: indexer.build([tmp_path / "nope.jsonl"], index),
        lambda: indexer.update([tmp_path / "nope"], index, delete_missing=True),
    ):
        with pytest.raises(IndexBuildError, match="source not found"):
            action()
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(IndexBuildError, match="no article"):
        indexer.build([empty], index)
    assert gens.live_generation(index) == index / "gen-000001" and live_docs(index) == 20
    assert sorted(p.name for p in index.iterdir()) == [
        "CURRENT",
        "LOCK",
        "gen-000001",
        "state.json",
    ]


def test_generation_token_changes_on_every_switch(small: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert gens.generation_token(index) is None and gens.live_generation(index) is None
    tokens = []
    indexer.build([small], index)
    tokens.append(gens.generation_token(index))
    assert gens.generation_token(index) == tokens[0]  # stable while nothing changes
    write_archive(tmp_path / "more.jsonl", "m", "mike", 2)
    indexer.update([tmp_path / "more.jsonl"], index)
    tokens.append(gens.generation_token(index))
    indexer.rollback(index)
    tokens.append(gens.generation_token(index))
    assert None not in tokens and len(set(tokens)) == 3
    assert tokens[2] is not None and tokens[2].startswith("gen-000001")


def test_a_second_writer_fails_at_once_naming_the_holder(small: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    indexer.build([small], index)
    with gens.writer_lock(index, "searchsvc index build big.jsonl"):
        for action in (
            lambda: indexer.build([small], index),
            lambda: indexer.update([small], index),
            lambda: indexer.rollback(index),
        ):
            started = time.monotonic()
            with pytest.raises(IndexLocked) as caught:
                action()
            assert time.monotonic() - started < 1
            assert f"pid {os.getpid()}" in caught.value.message
            assert "searchsvc index build big.jsonl" in caught.value.message
    indexer.build([small], index)  # released


def _python(code: str, *args: str | Path) -> subprocess.Popen[str]:
    """Start a Python subprocess running code, its stdout piped line by line."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


HOLD_LOCK = """
    import sys, time
    from pathlib import Path
    from searchsvc.store import generations
    with generations.writer_lock(Path(sys.argv[1]), "holder"):
        print("locked", flush=True)
        time.sleep(60)
"""


def test_lock_of_a_killed_writer_does_not_block(small: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    holder = _python(HOLD_LOCK, index)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(IndexLocked, match=f"pid {holder.pid} \\(holder\\)"):
            indexer.build([small], index)
    finally:
        holder.kill()
        holder.communicate()
    assert json.loads((index / gens.LOCK).read_text())["pid"] == holder.pid  # left behind
    assert indexer.build([small], index).indexed == 20


BUILD = """
    import sys
    from searchsvc.indexing import indexer
    if __name__ == "__main__":
        def show(p):
            print("progress", p.read, flush=True)
        workers = int(sys.argv[3]) if len(sys.argv) > 3 else None
        indexer.build([sys.argv[1]], sys.argv[2], progress=show, workers=workers)
        print("done", flush=True)
"""

UPDATE = """
    import sys
    from searchsvc.indexing import indexer
    if __name__ == "__main__":
        def show(p):
            print("progress", p.read, flush=True)
        r = indexer.update([sys.argv[1]], sys.argv[2], progress=show)
        print("done", r.added, r.changed, r.unchanged, flush=True)
"""


def test_two_builds_started_together_one_proceeds(tmp_path: Path) -> None:
    src, index = tmp_path / "a.jsonl", tmp_path / "index"
    write_archive(src, "a", "alpha", 600)
    procs = [_python(BUILD, src, index, 1) for _ in range(2)]
    ended = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 1], ended
    winner, loser = (0, 1) if codes[0] == 0 else (1, 0)
    assert f"pid {procs[winner].pid}" in ended[loser][1]
    assert "IndexLocked" in ended[loser][1]
    assert live_docs(index) == 600


def _children(pid: int) -> list[int]:
    """Return the pids of a process's children (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _kill_after(proc: subprocess.Popen[str], lines: int) -> list[int]:
    """SIGKILL proc after it printed `lines` progress lines; return its children's pids."""
    assert proc.stdout is not None
    for _ in range(lines):
        line = proc.stdout.readline()
        assert line.startswith("progress"), line + proc.communicate()[1]
    orphans = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    return orphans


def _wait_gone(pids: list[int], timeout: float = 10) -> None:
    """Wait until none of the pids is alive (workers notice their parent died)."""
    deadline = time.monotonic() + timeout
    while any(Path(f"/proc/{p}").exists() and "Z" not in _state(p) for p in pids):
        assert time.monotonic() < deadline, f"orphaned workers still alive: {pids}"
        time.sleep(0.1)


def _state(pid: int) -> str:
    """Return a process's state letter, or Z when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


@pytest.fixture
def live_and_big(tmp_path: Path) -> Iterator[tuple[Path, Path, list[str]]]:
    """A live index of 30 'alpha' articles and an 800-article 'bravo' archive (4 batches)."""
    index, small_src, big = tmp_path / "index", tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_archive(small_src, "a", "alpha", 30)
    write_archive(big, "b", "bravo", 800)
    indexer.build([small_src], index)
    yield index, big, titles_with(index, "alpha")


@pytest.mark.parametrize("lines", [1, 4])  # reading; all handed out, workers finishing
def test_build_killed_midway_leaves_the_live_index(
    live_and_big: tuple[Path, Path, list[str]], lines: int
) -> None:
    index, big, before = live_and_big
    orphans = _kill_after(_python(BUILD, big, index, 2), lines)
    _wait_gone(orphans)
    assert titles_with(index, "alpha") == before and titles_with(index, "bravo") == []
    assert gens.live_generation(index) == index / "gen-000001"
    assert [p.name for p in index.iterdir() if p.name.endswith(".partial")]  # work left over
    report = indexer.build([big], index, workers=1)  # not blocked; cleans up
    assert report.indexed == 800 and len(titles_with(index, "bravo")) == 800
    assert not [p.name for p in index.iterdir() if p.name.endswith(".partial")]
    assert [g.name for g in gens.list_generations(index)] == ["gen-000001", report.generation]


def test_update_killed_midway_leaves_the_live_index(
    live_and_big: tuple[Path, Path, list[str]],
) -> None:
    index, big, before = live_and_big
    _kill_after(_python(UPDATE, big, index), 2)
    assert titles_with(index, "alpha") == before and live_docs(index) == 30
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(UPDATE), str(big), str(index)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[-1] == "done 800 0 0"
    assert live_docs(index) == 830 and titles_with(index, "alpha") == before
    assert not [p.name for p in index.iterdir() if p.name.endswith(".partial")]


def test_a_killed_worker_fails_the_build_and_leaves_the_live_index(
    live_and_big: tuple[Path, Path, list[str]],
) -> None:
    index, big, before = live_and_big
    proc = _python(BUILD, big, index, 2)
    assert proc.stdout is not None and proc.stdout.readline().startswith("progress")
    workers = [p for p in _children(proc.pid) if b"spawn_main" in _cmdline(p)]
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "an indexing worker was killed by signal 9; the live index is unchanged" in err
    _wait_gone(workers)
    assert titles_with(index, "alpha") == before and titles_with(index, "bravo") == []
    assert not [p.name for p in index.iterdir() if p.name.endswith(".partial")]


def _cmdline(pid: int) -> bytes:
    """Return a process's command line."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_verification_catches_a_wrong_count_or_a_missing_article(
    small: Path, tmp_path: Path
) -> None:
    from searchsvc.archive import Article
    from searchsvc.indexing import ingest

    index = tmp_path / "index"
    indexer.build([small], index)
    live = gens.live_generation(index)
    assert live is not None
    present = Article("s-00002", "Tin alpha số 2 về an", "nội dung")
    assert ingest._probe_query(windex.open_dir(str(live)), present) is not None
    ingest.verify(live, 20, Article("s-00002", "Tin alpha số 2 về an", "x"))
    with pytest.raises(IndexBuildError, match="holds 20 documents where 21"):
        ingest.verify(live, 21, None)
    with pytest.raises(IndexBuildError, match="does not find article 's-00002'"):
        ingest.verify(live, 20, Article("s-00002", "hoàn toàn khác", "x"))


def test_update_refuses_an_index_of_another_schema(small: Path, tmp_path: Path) -> None:
    from whoosh import fields

    index = tmp_path / "index"
    old = index / "gen-000001"
    old.mkdir(parents=True)
    windex.create_in(str(old), fields.Schema(id=fields.ID(stored=True, unique=True)))
    gens.switch(index, old)
    with pytest.raises(IndexBuildError, match="another version of searchsvc"):
        indexer.update([small], index)
    assert gens.live_generation(index) == old and not list(index.glob("*.partial"))


def test_a_writer_that_locked_a_removed_lock_file_locks_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    opened: list[int] = []
    open_lock = gens._open_lock

    def open_then_lose_it(index_dir: Path) -> int:
        fd = open_lock(index_dir)
        if not opened:  # the holder of a failed first build removes LOCK just now
            (index_dir / gens.LOCK).unlink()
        opened.append(fd)
        return fd

    monkeypatch.setattr(gens, "_open_lock", open_then_lose_it)
    with gens.writer_lock(index, "second writer"):
        assert len(opened) == 2
        assert json.loads((index / gens.LOCK).read_text())["command"] == "second writer"
        holder = _python(HOLD_LOCK, index)
        _out, err = holder.communicate(timeout=60)
        assert holder.returncode != 0 and "IndexLocked" in err
