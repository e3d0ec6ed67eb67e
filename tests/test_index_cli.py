"""`searchsvc index`: build, update, status, rollback through click and as a real command."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from server import SEARCHSVC

from searchsvc import archive
from searchsvc.cli import main
from searchsvc.store import generations as gens


def write_archive(path: Path, prefix: str, marker: str, n: int) -> None:
    """Write n short JSONL articles carrying the marker word."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            record = {
                "id": f"{prefix}-{i:04d}",
                "title": f"Thông báo {marker} số {i}",
                "body": f"Ủy ban nhân dân quận Tây Hồ thông báo {marker} lần {i}.",
                "date": "2023-03-09",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run(*args: str | Path) -> tuple[int, str]:
    """Invoke `searchsvc ARGS` in-process; return the exit code and all output."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_build_and_status_json_on_the_sample_archive(tmp_path: Path) -> None:
    sample = list(archive.read_sources([archive.sample_archive()]))
    if not sample:
        pytest.skip("the bundled sample archive is empty")
    index = tmp_path / "index"
    code, out = run("index", "build", "--index", index, "--json")
    assert code == 0, out
    built = json.loads(out)
    assert built["indexed"] == built["documents"] == len(sample)
    assert built["generation"] == "gen-000001" and built["docs_per_second"] > 0
    code, out = run("index", "status", "--json", "--index", index)
    assert code == 0, out
    st = json.loads(out)
    assert (st["live"], st["documents"]) == ("gen-000001", len(sample))
    assert st["sources"] == [str(archive.sample_archive())] and st["size_bytes"] > 0


def test_build_summary_and_report_of_rejections(tmp_path: Path) -> None:
    src, index, report = tmp_path / "a.jsonl", tmp_path / "index", tmp_path / "rej.jsonl"
    write_archive(src, "a", "alpha", 6)
    with src.open("a", encoding="utf-8") as out:
        out.write('{"id": "a-0001", "body": "lặp"}\n{"id": "x"}\n')
    code, out = run("index", "build", src, "--index", index, "--report", report)
    assert code == 0, out
    for figure in ("read", "indexed", "rejected", "duplicates", "articles/s"):
        assert figure in out
    assert "Built gen-000001" in out and "by reason" in out
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert {r["line"] for r in lines} == {7, 8}
    assert all(r["path"] == str(src) and r["reason"] for r in lines)
    assert any("duplicate" in r["reason"] for r in lines)


def test_update_rollback_and_status_text(tmp_path: Path) -> None:
    src, more, index = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "index"
    write_archive(src, "a", "alpha", 5)
    write_archive(more, "b", "bravo", 3)
    assert run("index", "build", src, "--index", index)[0] == 0
    code, out = run("index", "update", more, "--index", index, "--json")
    assert code == 0, out
    up = json.loads(out)
    assert (up["added"], up["changed"], up["documents"], up["generation"]) == (
        3,
        0,
        8,
        "gen-000002",
    )
    code, out = run("index", "update", more, "--index", index)
    assert code == 0 and "No changes" in out and "3 unchanged" in out
    code, out = run("index", "status", "--index", index)
    assert code == 0 and "gen-000002 is live" in out
    assert "gen-000002 (live): update at " in out and "3 added" in out
    assert "gen-000001: build at " in out
    code, out = run("index", "rollback", "--index", index)
    assert code == 0 and "gen-000001 is live again (5 documents)" in out
    assert gens.live_generation(index) == index / "gen-000001"


def test_errors_are_plain_messages(tmp_path: Path) -> None:
    src, index = tmp_path / "a.jsonl", tmp_path / "index"
    write_archive(src, "a", "alpha", 3)
    cases = [
        (("index", "update", src, "--index", index), "run `searchsvc index build`"),
        (("index", "rollback", "--index", index), "nothing to roll back"),
        (("index", "build", tmp_path / "missing.jsonl", "--index", index), "source not found"),
    ]
    for args, message in cases:
        code, out = run(*args)
        assert code == 1 and message in out and "Traceback" not in out, out
    assert run("index", "build", src, "--index", index)[0] == 0
    code, out = run("index", "rollback", "--index", index)
    assert code == 1 and "no generation older than gen-000001" in out
    with gens.writer_lock(index, "searchsvc index build other"):
        code, out = run("index", "build", src, "--index", index)
    assert code == 1 and f"pid {os.getpid()}" in out and "Traceback" not in out


def real(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script `searchsvc ARGS` and return the finished process."""
    if not SEARCHSVC.exists():
        pytest.skip(f"{SEARCHSVC} is not installed")
    return subprocess.run(
        [str(SEARCHSVC), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_status_of_a_missing_index_exits_1_and_answers_json_in_the_error_shape(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    text = real("index", "status", "--index", missing)
    assert (text.returncode, text.stdout) == (1, "")
    assert text.stderr == f"Error: no index in {missing}; run `searchsvc index build`\n"
    as_json = real("index", "status", "--json", "--index", missing)
    assert (as_json.returncode, as_json.stderr) == (1, "")
    assert json.loads(as_json.stdout) == {
        "error": f"no index in {missing}; run `searchsvc index build`",
        "status": 1,
    }
    usage = real("index", "status", "--index", missing, "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr
    assert not missing.exists() and not (tmp_path / "no").exists()
    src = tmp_path / "a.jsonl"
    write_archive(src, "a", "alpha", 2)
    assert real("index", "build", src, "--index", missing).returncode == 0
    ok = real("index", "status", "--json", "--index", missing)
    assert ok.returncode == 0 and json.loads(ok.stdout)["live"] == "gen-000001"


def test_errors_of_every_index_command_with_json_have_the_error_shape(tmp_path: Path) -> None:
    src, index = tmp_path / "a.jsonl", tmp_path / "index"
    write_archive(src, "a", "alpha", 2)
    for args in (
        ("update", src),
        ("build", tmp_path / "missing.jsonl"),
    ):
        done = real("index", *args, "--index", index, "--json")
        assert done.returncode == 1 and done.stderr == "", done.stderr
        body = json.loads(done.stdout)
        assert set(body) == {"error", "status"} and body["status"] == 1, body


def _rejected_sources(directory: Path) -> Path:
    """Write three archive files that are all rejected, each for its own reason."""
    directory.mkdir()
    (directory / "no-date.txt").write_text("Tiêu đề\nNội dung không có ngày đăng.\n")
    (directory / "empty.txt").write_bytes(b"")
    (directory / "no-body.jsonl").write_text('{"id": 1}\n')
    return directory


REASONS = (
    "no 'Ngày đăng DD/MM/YYYY' line",
    "empty file",
    "no body: 'body' is missing, empty or not a string",
)


def test_a_build_with_every_file_rejected_shows_the_reasons_like_a_partial_one(
    tmp_path: Path,
) -> None:
    bad = _rejected_sources(tmp_path / "bad")
    good = tmp_path / "good.jsonl"
    write_archive(good, "g", "golf", 2)
    partly = real("index", "build", bad, good, "--index", tmp_path / "partly")
    assert partly.returncode == 0, partly.stderr
    failed = real("index", "build", bad, "--index", tmp_path / "failed")
    assert failed.returncode == 1 and failed.stdout == ""
    summary = failed.stderr.splitlines()
    assert summary[-1] == (
        f"Error: no article could be indexed from {bad} (3 rejected); the live index is unchanged"
    )
    reasons = partly.stdout[partly.stdout.index("Rejections and warnings, by reason:") :]
    assert summary[:-1] == reasons.splitlines()
    assert all(reason in failed.stderr for reason in REASONS)
    report = tmp_path / "rejected.jsonl"
    reported = real("index", "build", bad, "--index", tmp_path / "failed", "--report", report)
    assert reported.returncode == 1
    lines = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3 and all(r["reason"] for r in lines)
    as_json = real("index", "build", bad, "--index", tmp_path / "failed", "--json")
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["status"] == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = real("index", "build", empty, "--index", tmp_path / "failed")
    assert (
        nothing.returncode == 1 and "(no .txt, .jsonl or .jsonl.gz article found)" in nothing.stderr
    )


def test_a_failed_build_leaves_no_lock_behind(tmp_path: Path) -> None:
    bad = _rejected_sources(tmp_path / "bad")
    new = tmp_path / "new" / "index"
    assert real("index", "build", bad, "--index", new).returncode == 1
    assert not (tmp_path / "new").exists()
    made_by_staff = tmp_path / "made-by-staff"
    made_by_staff.mkdir()
    assert real("index", "build", bad, "--index", made_by_staff).returncode == 1
    assert list(made_by_staff.iterdir()) == []
    assert real("index", "rollback", "--index", new).returncode == 1
    assert not (tmp_path / "new").exists()


def test_real_command_uses_searchsvc_index_and_draws_progress_on_a_terminal(
    tmp_path: Path,
) -> None:
    if not SEARCHSVC.exists():
        pytest.skip(f"{SEARCHSVC} is not installed")
    src, index = tmp_path / "a.jsonl", tmp_path / "index"
    write_archive(src, "a", "alpha", 300)
    env = {**os.environ, "SEARCHSVC_INDEX": str(index)}
    quiet = subprocess.run(
        [SEARCHSVC, "index", "build", src], capture_output=True, text=True, env=env, check=True
    )
    assert "articles/s" in quiet.stdout and quiet.stderr == ""  # no progress off a terminal
    leader, follower = pty.openpty()
    try:
        subprocess.run(
            [SEARCHSVC, "index", "build", src],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env=env,
            check=True,
            timeout=120,
        )
        os.close(follower)
        drawn = b""
        while chunk := _read(leader):
            drawn += chunk
    finally:
        os.close(leader)
    assert b"articles/s" in drawn and b"\r" in drawn
    assert gens.live_generation(index) == index / "gen-000002"


def _read(fd: int) -> bytes:
    """Read what a pseudo-terminal holds; b'' at its end."""
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO once the other side is closed
        return b""


def test_a_damaged_live_generation_is_reported_plainly(tmp_path: Path) -> None:
    src, index = tmp_path / "a.jsonl", tmp_path / "index"
    write_archive(src, "a", "alpha", 3)
    assert run("index", "build", src, "--index", index)[0] == 0
    for toc in (index / "gen-000001").glob("*.toc"):
        toc.unlink()
    code, out = run("index", "status", "--index", index)
    assert code == 1 and "gen-000001 does not open" in out and "Traceback" not in out


def test_sigterm_stops_a_build_and_removes_its_partial_generation(tmp_path: Path) -> None:
    if not SEARCHSVC.exists():
        pytest.skip(f"{SEARCHSVC} is not installed")
    src, index = tmp_path / "a.jsonl", tmp_path / "index"
    write_archive(src, "a", "alpha", 5)
    assert run("index", "build", src, "--index", index)[0] == 0
    write_archive(src, "b", "bravo", 3000)
    proc = subprocess.Popen(
        [SEARCHSVC, "index", "build", src, "--index", index, "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(index.glob("*.partial/*.seg")) and not list(index.glob("*.partial/MAIN*")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err, err
    assert not list(index.glob("*.partial")) and gens.live_generation(index) == index / "gen-000001"


def test_status_shows_each_generation_with_its_own_time_and_what_made_it(
    tmp_path: Path,
) -> None:
    first, more, index = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "index"
    write_archive(first, "a", "alpha", 5)
    write_archive(more, "b", "bravo", 3)
    assert real("index", "build", first, "--index", index).returncode == 0
    meta_path = index / "gen-000001" / gens.META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["built_at"] = "2020-01-02T03:04:05Z"  # as if built long ago
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    assert real("index", "update", more, "--index", index).returncode == 0
    st = json.loads(real("index", "status", "--json", "--index", index).stdout)
    newest, oldest = st["generations"]
    assert (newest["name"], newest["kind"], newest["live"]) == ("gen-000002", "update", True)
    assert newest["made_at"] != "2020-01-02T03:04:05Z" == newest["built_at"]
    assert newest["sources"] == [str(more)] and newest["documents"] == 8
    assert newest["counts"] == {
        "added": 3,
        "changed": 0,
        "deleted": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert (oldest["name"], oldest["kind"], oldest["made_at"]) == (
        "gen-000001",
        "build",
        "2020-01-02T03:04:05Z",
    )
    assert oldest["sources"] == [str(first)] and oldest["counts"]["indexed"] == 5
    text = real("index", "status", "--index", index)
    assert text.returncode == 0
    assert f"gen-000002 (live): update at {newest['made_at']}, 8 documents; 3 added" in text.stdout
    assert (
        "gen-000001: build at 2020-01-02T03:04:05Z, 5 documents; 5 read, 5 indexed" in text.stdout
    )
    assert f"from {more}" in text.stdout and f"from {first}" in text.stdout
