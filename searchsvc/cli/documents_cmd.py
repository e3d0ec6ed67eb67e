"""`searchsvc documents`: the register of cited document numbers (a thin shell)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from searchsvc import config
from searchsvc.cli import main, reading
from searchsvc.errors import SearchError
from searchsvc.searching import BadParameter, RegisterEntry, export

ENTRY_FIELDS = (
    "number",
    "doc_type",
    "doc_type_name",
    "issuer",
    "issuer_name",
    "year",
    "issued",
    "articles",
    "first_published",
    "last_published",
)
ARTICLE_FIELDS = ("article_id", "article_published", "article_title", "article_permalink")


def entry_json(entry: RegisterEntry, settings: config.Settings) -> dict[str, Any]:
    """Return one register entry as JSON-ready values (with its articles when listed)."""
    out: dict[str, Any] = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    if entry.citing:
        out["cited_by"] = [
            {
                "id": a.id,
                "published": a.published,
                "title": a.title,
                "permalink": config.public_link(settings, f"/articles/{a.id}"),
            }
            for a in entry.citing
        ]
    return out


def _csv_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one CSV row per entry, or per citing article when articles are listed."""
    rows = []
    for entry in entries:
        base = {k: v for k, v in entry.items() if k != "cited_by"}
        for article in entry.get("cited_by") or [None]:
            extra = {f"article_{k}": v for k, v in (article or {}).items()}
            rows.append({**base, **extra})
    return rows


def _date(iso: str | None) -> str:
    """Return DD/MM/YYYY of an ISO date, or a dash."""
    if not iso:
        return "-"
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def _print_table(entries: list[dict[str, Any]]) -> None:
    """Print the register as aligned columns, the citing articles under each entry."""
    click.echo(f"{len(entries)} văn bản")
    header = ("Số hiệu", "Loại", "Cơ quan", "Năm", "Số bài", "Đăng lần đầu", "Đăng lần cuối")
    widths = (24, 20, 10, 5, 6, 12, 12)
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for e in entries:
        cells = (
            e["number"],
            e["doc_type_name"] or e["doc_type"] or "?",
            e["issuer"] or "?",
            str(e["year"] or "-"),
            str(e["articles"]),
            _date(e["first_published"]),
            _date(e["last_published"]),
        )
        click.echo("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        for a in e.get("cited_by", []):
            click.echo(f"    {_date(a['published'])}  {a['title']}  {a['permalink']}")


@main.command("documents")
@reading.index_option
@click.option("--type", "doc_type", default=None, help="Kind: a code (KH) or a name (Kế hoạch).")
@click.option("--issuer", default=None, help="Issuing body: a code (UBND) or a name.")
@click.option("--year", default=None, help="Year of the document (in its number), 1900-2100.")
@click.option("--articles", is_flag=True, help="List the articles citing each document.")
@reading.format_option
@reading.no_bom_option
def documents_command(
    index_dir: Path | None,
    doc_type: str | None,
    issuer: str | None,
    year: str | None,
    articles: bool,
    fmt: str | None,
    no_bom: bool,
) -> None:
    """Print the register of cited documents: kind, issuer, year, articles, first and last date."""
    settings = config.Settings.from_env()
    try:
        found = reading.open_searcher(index_dir, settings).documents(
            doc_type, issuer, year, articles
        )
    except BadParameter as exc:
        raise reading.usage_error(exc) from exc
    except SearchError as exc:
        raise click.ClickException(exc.message) from exc
    entries = [entry_json(e, settings) for e in found]
    fmt = reading.output_format(fmt)
    if fmt == "json":
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        fields = ENTRY_FIELDS + (ARTICLE_FIELDS if articles else ())
        for chunk in export.csv_lines(_csv_rows(entries), fields, bom=not no_bom):
            sys.stdout.write(chunk)
    else:
        _print_table(entries)
