"""`searchsvc search` and `searchsvc eval`: a thin shell over searchsvc.searching."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from searchsvc import config
from searchsvc.cli import main
from searchsvc.cli.reading import (
    format_option,
    index_option,
    no_bom_option,
    open_searcher,
    output_format,
    usage_error,
)
from searchsvc.errors import SearchError
from searchsvc.searching import (
    MAX_YEAR,
    MIN_YEAR,
    SORTS,
    BadParameter,
    Hit,
    Matches,
    SearchRequest,
    SearchResult,
    evaluate,
    export,
    parse_date,
    parse_number,
    read_queries,
    validate,
)

ALL_BUDGET_MS = 120_000  # `--all` is an export: it may take its time rather than stop short
# The options that carry each parameter the core checks (the API's names on the left).
OPTION_NAMES = {"q": "QUERY", "per_page": "--limit", "from": "--from", "to": "--to"}


def _rows(hits: Iterable[Hit], settings: config.Settings) -> Iterator[dict[str, Any]]:
    """Yield the export rows of hits, permalinks under SEARCHSVC_PUBLIC_URL when set."""
    for hit in hits:
        yield export.hit_row(hit, config.public_link(settings, f"/articles/{hit.id}"))


def _print_hits(hits: Iterable[Hit], first: int) -> None:
    """Print hits as numbered lines of a readable table."""
    width = shutil.get_terminal_size((100, 20)).columns
    for i, h in enumerate(hits, first):
        date = (h.published or "")[:10]
        click.echo(f"{i:>3}. {h.title[: width - 20]}  [{date} {h.category or ''}]")
        click.echo(f"     {h.id}  score {h.score:.3f}")
        click.echo(f"     {export.plain(h.snippet)[: width - 6]}")


def took(ms: float) -> str:
    """Return a search time as Vietnamese writes it: 0,2 ms, 12 ms; never 0 ms."""
    if ms < 0.1:
        return "dưới 0,1 ms"
    return f"{ms:.1f} ms".replace(".", ",") if ms < 10 else f"{ms:,.0f} ms".replace(",", ".")


def _print_table(result: SearchResult) -> None:
    """Print a readable table of results."""
    u = result.understood
    click.echo(f"{result.total} kết quả cho: {u.searched} ({took(result.took_ms)})")
    for note in u.notes:
        click.echo(note)
    if u.fallback:
        click.echo("Không có bài chứa mọi từ; hiển thị bài khớp nhiều từ nhất.")
    if result.did_you_mean:
        click.echo(f"Có phải bạn muốn tìm: {result.did_you_mean}")
    _print_hits(result.hits, (result.page - 1) * result.per_page + 1)


def _write_csv(rows: Iterable[dict[str, Any]], bom: bool) -> None:
    """Write rows as Excel-ready CSV, a row at a time."""
    for chunk in export.csv_lines(rows, export.HIT_FIELDS, bom=bom):
        sys.stdout.write(chunk)


def _emit(result: SearchResult, fmt: str, settings: config.Settings, bom: bool) -> None:
    """Print one page of results in the chosen format."""
    if fmt == "json":
        payload = {
            "query": result.query,
            "total": result.total,
            "page": result.page,
            "understood": asdict(result.understood),
            "did_you_mean": result.did_you_mean,
            "hits": list(_rows(result.hits, settings)),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        _write_csv(_rows(result.hits, settings), bom)
    else:
        _print_table(result)


def _emit_all(found: Matches, query: str, fmt: str, settings: config.Settings, bom: bool) -> None:
    """Print every match in the chosen format as the stream yields it."""
    if found.partial:
        click.echo("warning: the search ran out of time; the export may be incomplete", err=True)
    if fmt == "csv":
        _write_csv(_rows(found.hits, settings), bom)
    elif fmt == "json":
        head = {"query": query, "total": found.total, "understood": asdict(found.understood)}
        sys.stdout.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "hits": [')
        for i, row in enumerate(_rows(found.hits, settings)):
            sys.stdout.write(("," if i else "") + "\n  " + json.dumps(row, ensure_ascii=False))
        sys.stdout.write("\n]}\n")
    else:
        click.echo(f"{found.total} kết quả cho: {found.understood.searched}")
        for note in found.understood.notes:
            click.echo(note)
        _print_hits(found.hits, 1)


def _settings(everything: bool = False) -> config.Settings:
    """Return the settings from the environment; an export gets a long time budget."""
    try:
        settings = config.Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    return dataclasses.replace(settings, query_budget_ms=ALL_BUDGET_MS) if everything else settings


@main.command("search")
@click.argument("query")
@index_option
@click.option("--category", default=None, help="Only this category.")
@click.option("--year", default=None, help="Only this year (1900-2100).")
@click.option(
    "--from", "date_from", default=None, help="From this date (YYYY-MM-DD or DD/MM/YYYY)."
)
@click.option("--to", "date_to", default=None, help="Up to this date, inclusive.")
@click.option("--type", "doc_type", default=None, help="Citing a document of this kind (KH).")
@click.option("--issuer", default=None, help="Citing a document of this issuer (UBND).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=int, default=10, show_default=True, help="Results a page (1-100).")
@click.option("--page", type=int, default=1, show_default=True, help="Page (1-1000).")
@format_option
@click.option("--all", "everything", is_flag=True, help="Every match, streamed (no --limit).")
@no_bom_option
def search_command(
    query: str,
    index_dir: Path | None,
    category: str | None,
    year: str | None,
    date_from: str | None,
    date_to: str | None,
    doc_type: str | None,
    issuer: str | None,
    sort: str,
    limit: int,
    page: int,
    fmt: str | None,
    everything: bool,
    no_bom: bool,
) -> None:
    """Search the archive; json and csv export id, date, category, title, url, permalink,
    score, cited documents and snippet; --all streams every match in the chosen sort.

    Values are checked as the API checks them, by the same code (searching.validate).
    """
    settings = _settings(everything)
    fmt = output_format(fmt)
    try:
        request = SearchRequest(
            query,
            page=page,
            per_page=limit,
            category=category,
            year=None if year is None else parse_number("year", year, MIN_YEAR, MAX_YEAR),
            date_from=parse_date(date_from, "from") if date_from else None,
            date_to=parse_date(date_to, "to") if date_to else None,
            sort=sort,
            doc_type=doc_type,
            issuer=issuer,
        )
        validate(request)
        searcher = open_searcher(index_dir, settings)
        if everything:
            _emit_all(searcher.matches(request), query, fmt, settings, not no_bom)
            return
        result = searcher.search(request)
    except BadParameter as exc:
        raise usage_error(exc, OPTION_NAMES) from exc
    except SearchError as exc:
        raise click.ClickException(exc.message) from exc
    _check_page(result)
    _emit(result, fmt, settings, not no_bom)


def _check_page(result: SearchResult) -> None:
    """Refuse a page past the last one, saying how many pages there are."""
    pages = max(1, -(-result.total // result.per_page))
    if result.page > pages:
        raise click.ClickException(
            f"không có trang {result.page}: chỉ có {pages} trang "
            f"({result.total} kết quả, {result.per_page} kết quả mỗi trang)"
        )


@main.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@index_option
@click.option("-k", "k", type=click.IntRange(1, 100), default=10, show_default=True)
def eval_command(queries: Path, index_dir: Path | None, k: int) -> None:
    """Print success@1, success@k and MRR@k per mode and overall for known-item queries."""
    try:
        metrics = evaluate(open_searcher(index_dir), read_queries(queries), k)
    except SearchError as exc:
        raise click.ClickException(exc.message) from exc
    for mode, m in metrics.items():
        r = m.row()
        click.echo(
            f"{mode:<10} n={r['queries']:<4} success@1={r['success@1']:.3f} "
            f"success@{k}={r['success@k']:.3f} MRR@{k}={r['mrr@k']:.3f}"
        )
