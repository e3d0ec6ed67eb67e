"""`searchsvc search` and `searchsvc eval`: a thin shell over searchsvc.searching."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from searchsvc import config
from searchsvc.cli import main
from searchsvc.errors import SearchError
from searchsvc.searching import (
    SORTS,
    Searcher,
    SearchRequest,
    SearchResult,
    evaluate,
    parse_date,
    read_queries,
)

_TAG = re.compile(r"<[^>]*>")
EXPORT_FIELDS = ("id", "published", "category", "title", "url", "score", "snippet")


def plain(snippet: str) -> str:
    """Return a snippet as plain text (marks removed, entities decoded)."""
    return html.unescape(_TAG.sub("", snippet))


def _rows(result: SearchResult) -> list[dict[str, Any]]:
    """Return the export rows of a result."""
    return [
        {**{k: getattr(h, k) for k in EXPORT_FIELDS}, "snippet": plain(h.snippet)}
        for h in result.hits
    ]


def _print_table(result: SearchResult) -> None:
    """Print a readable table of results."""
    width = shutil.get_terminal_size((100, 20)).columns
    u = result.understood
    click.echo(f"{result.total} kết quả cho: {u.searched} ({result.took_ms:.0f} ms)")
    if u.fallback:
        click.echo("Không có bài chứa mọi từ; hiển thị bài khớp nhiều từ nhất.")
    if result.did_you_mean:
        click.echo(f"Có phải bạn muốn tìm: {result.did_you_mean}")
    for i, h in enumerate(result.hits, (result.page - 1) * result.per_page + 1):
        date = (h.published or "")[:10]
        click.echo(f"{i:>3}. {h.title[: width - 20]}  [{date} {h.category or ''}]")
        click.echo(f"     {h.id}  score {h.score:.3f}")
        click.echo(f"     {plain(h.snippet)[: width - 6]}")


def _emit(result: SearchResult, fmt: str) -> None:
    """Print a result in the chosen format."""
    if fmt == "json":
        payload = {
            "query": result.query,
            "total": result.total,
            "page": result.page,
            "understood": asdict(result.understood),
            "did_you_mean": result.did_you_mean,
            "hits": _rows(result),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        writer.writerows(_rows(result))
    else:
        _print_table(result)


def _searcher(index_dir: Path | None) -> Searcher:
    """Return a searcher over the chosen or default index directory."""
    return Searcher(index_dir or config.default_index_dir())


@main.command("search")
@click.argument("query")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--category", default=None, help="Only this category.")
@click.option("--year", type=int, default=None, help="Only this year.")
@click.option(
    "--from", "date_from", default=None, help="From this date (YYYY-MM-DD or DD/MM/YYYY)."
)
@click.option("--to", "date_to", default=None, help="Up to this date, inclusive.")
@click.option("--type", "doc_type", default=None, help="Citing a document of this kind (KH).")
@click.option("--issuer", default=None, help="Citing a document of this issuer (UBND).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1, None), default=1, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default=None,
    help="table on a terminal, json otherwise.",
)
def search_command(
    query: str,
    index_dir: Path | None,
    category: str | None,
    year: int | None,
    date_from: str | None,
    date_to: str | None,
    doc_type: str | None,
    issuer: str | None,
    sort: str,
    limit: int,
    page: int,
    fmt: str | None,
) -> None:
    """Search the archive; json and csv export id, date, category, title, url, score, snippet."""
    try:
        request = SearchRequest(
            query,
            page=page,
            per_page=limit,
            category=category,
            year=year,
            date_from=parse_date(date_from, "--from") if date_from else None,
            date_to=parse_date(date_to, "--to") if date_to else None,
            sort=sort,
            doc_type=doc_type,
            issuer=issuer,
        )
        result = _searcher(index_dir).search(request)
    except SearchError as exc:
        raise click.ClickException(exc.message) from exc
    _emit(result, fmt or ("table" if sys.stdout.isatty() else "json"))


@main.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-k", "k", type=click.IntRange(1, 100), default=10, show_default=True)
def eval_command(queries: Path, index_dir: Path | None, k: int) -> None:
    """Print success@1, success@k and MRR@k per mode and overall for known-item queries."""
    try:
        metrics = evaluate(_searcher(index_dir), read_queries(queries), k)
    except SearchError as exc:
        raise click.ClickException(exc.message) from exc
    for mode, m in metrics.items():
        r = m.row()
        click.echo(
            f"{mode:<10} n={r['queries']:<4} success@1={r['success@1']:.3f} "
            f"success@{k}={r['success@k']:.3f} MRR@{k}={r['mrr@k']:.3f}"
        )
