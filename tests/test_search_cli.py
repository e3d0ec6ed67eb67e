"""`searchsvc search` and `searchsvc eval` run as real subprocesses on a built sample index."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import test_rel_harness


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the searchsvc command in a subprocess."""
    return test_rel_harness.cli(*args, timeout=120)


def test_search_json_export(sample_index: Path) -> None:
    out = cli("search", "45/KH-UBND", "--index", sample_index, "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["total"] >= 1
    hit = data["hits"][0]
    assert set(hit) == {
        *("id", "published", "category", "title", "url", "permalink", "score", "documents"),
        "snippet",
    }
    assert hit["permalink"] == f"/articles/{hit['id']}" and "45/KH-UBND" in hit["documents"]
    assert "45/KH-UBND" in hit["title"] and "<mark>" not in hit["snippet"]


def test_search_csv_export_with_filters(sample_index: Path) -> None:
    out = cli(
        "search",
        "tây hồ",
        "--index",
        sample_index,
        "--format",
        "csv",
        "--year",
        "2014",
        "--from",
        "01/01/2014",
        "--to",
        "2014-12-31",
        "--sort",
        "oldest",
        "--limit",
        "100",
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows and all(r["published"].startswith("2014") for r in rows)
    assert [r["published"] for r in rows] == sorted(r["published"] for r in rows)


def test_search_table_and_bad_date(sample_index: Path) -> None:
    out = cli("search", "thi đua", "--index", sample_index, "--format", "table", "--limit", "3")
    assert out.returncode == 0 and "kết quả" in out.stdout and " 1. " in out.stdout
    bad = cli("search", "x", "--index", sample_index, "--from", "32/13/2020")
    assert bad.returncode != 0 and "--from" in bad.stderr and "Traceback" not in bad.stderr


def test_search_without_index_fails_cleanly(tmp_path: Path) -> None:
    out = cli("search", "x", "--index", tmp_path / "none")
    assert out.returncode != 0 and "Traceback" not in out.stderr


def test_eval_prints_a_line_per_mode(sample_index: Path, tmp_path: Path) -> None:
    first = json.loads(cli("search", "45/KH-UBND", "--index", sample_index).stdout)["hits"][0]["id"]
    queries = tmp_path / "q.jsonl"
    lines = [
        {"qid": "a", "mode": "accented", "query": "Kế hoạch 45/KH-UBND", "target": first},
        {"qid": "b", "mode": "folded", "query": "ke hoach 45/kh-ubnd", "relevant": [first]},
        {"qid": "c", "mode": "folded", "query": "zzzz qqqq", "target": first},
    ]
    queries.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    out = cli("eval", queries, "--index", sample_index, "-k", "10")
    assert out.returncode == 0, out.stderr
    rows = {line.split()[0]: line for line in out.stdout.splitlines()}
    assert set(rows) == {"accented", "folded", "overall"}
    assert "success@1=1.000" in rows["accented"] and "success@10=0.500" in rows["folded"]
    assert "MRR@10=0.667" in rows["overall"]


def test_search_refuses_what_the_api_refuses_with_the_same_words(sample_index: Path) -> None:
    from searchsvc.web import create_app

    api = create_app({"index": sample_index, "rate_limit": False}).test_client()
    cases = [
        (("--year", "1800"), "year=1800", "--year"),
        (("--year", "2101"), "year=2101", "--year"),
        (("--page", "0"), "page=0", "--page"),
        (("--limit", "101"), "per_page=101", "--limit"),
        (("--from", "31/02/2023"), "from=31/02/2023", "--from"),
        (("--to", "2023-13-01"), "to=2023-13-01", "--to"),
    ]
    for options, query, option in cases:
        answer = api.get(f"/api/search?q=x&{query}")
        assert answer.status_code == 400, query
        problem = answer.get_json()["error"].split("'", 2)[2]  # after "Tham số 'year'"
        done = cli("search", "x", "--index", sample_index, *options)
        assert done.returncode == 2, done.stderr  # a usage error, like any bad option
        assert done.stderr.splitlines()[-1] == f"Error: Tùy chọn {option}{problem}", done.stderr
    ok = cli("search", "x", "--index", sample_index, "--year", "2014", "--format", "json")
    assert ok.returncode == 0, ok.stderr


def test_search_past_the_last_page_says_how_many_pages_there_are(sample_index: Path) -> None:
    total = json.loads(cli("search", "tây hồ", "--index", sample_index).stdout)["total"]
    pages = -(-total // 10)
    assert pages > 1
    last = cli("search", "tây hồ", "--index", sample_index, "--page", str(pages))
    assert last.returncode == 0 and json.loads(last.stdout)["hits"]
    past = cli("search", "tây hồ", "--index", sample_index, "--page", "99", "--format", "table")
    assert (past.returncode, past.stdout) == (1, "")
    assert past.stderr == (
        f"Error: không có trang 99: chỉ có {pages} trang ({total} kết quả, 10 kết quả mỗi trang)\n"
    )


def test_search_table_shows_a_real_time_and_the_notes(sample_index: Path) -> None:
    done = cli(
        "search", "tây hồ", "--index", sample_index, "--format", "table",
        "--from", "2020-01-01", "--to", "2019-01-01",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first, note = done.stdout.splitlines()[:2]
    assert re.fullmatch(r"0 kết quả cho: tây hồ \((dưới 0,1|\d+,\d|\d+) ms\)", first), first
    assert note == "Khoảng thời gian trống: ngày bắt đầu ở sau ngày kết thúc."
