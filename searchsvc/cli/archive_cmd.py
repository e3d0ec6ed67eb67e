"""`searchsvc archive check`: show what the indexer would read from archive sources."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from searchsvc.archive import Article, ReadReport, Rejection, read_sources
from searchsvc.cli import main

follow_links_option = click.option(
    "--follow-links",
    is_flag=True,
    help="Also read symbolic links that lead out of a source directory (skipped by default).",
)


@main.group()
def archive() -> None:
    """Read and check archive sources (scraped .txt pages, .jsonl, .jsonl.gz)."""


@archive.command("check")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print each article as one JSON object.")
@click.option("--quiet", "-q", is_flag=True, help="Do not list each rejection and warning.")
@follow_links_option
def check(sources: tuple[Path, ...], as_json: bool, quiet: bool, follow_links: bool) -> None:
    """Read SOURCE files and directories as the indexer would; exit 1 on rejections or none found.

    Rejections and warnings go to standard error, one a line (the first 100 of each file;
    the rest are counted). With --json, standard output holds one JSON object per article
    and the summary goes to standard error.
    """
    report = ReadReport()

    def on_reject(rejection: Rejection) -> None:
        if not quiet:
            click.echo(str(rejection), err=True)

    progress = sys.stderr.isatty() and not quiet
    articles = read_sources(sources, on_reject, report, follow_links)
    for count, article in enumerate(articles, 1):
        if as_json:
            click.echo(json.dumps(article_json(article), ensure_ascii=False))
        if progress and count % 10_000 == 0:
            click.echo(f"… {count:,} articles read", err=True)
    click.echo(summary(report), err=as_json)
    if report.read == 0:
        names = ", ".join(map(str, sources))
        click.echo(f"nothing found: no .txt, .jsonl or .jsonl.gz article in {names}", err=True)
    raise SystemExit(1 if report.rejected or not report.read else 0)


def article_json(article: Article) -> dict[str, Any]:
    """Return the JSON form of an article, as the indexer would see it."""
    return {
        "id": article.id,
        "title": article.title,
        "title_derived": article.title_derived,
        "published": None if article.published is None else article.published.isoformat(),
        "category": article.category,
        "url": article.url,
        "views": article.views,
        "source": article.source,
        "body": article.body,
    }


def summary(report: ReadReport) -> str:
    """Return a short human summary of a read: counts, then the commonest reasons."""
    lines = [
        f"read {_count(report.read, 'article')}: {report.accepted:,} accepted, "
        f"{report.rejected:,} rejected ({_count(report.duplicates, 'duplicate id')}), "
        f"{_count(report.warnings, 'warning')}"
    ]
    reasons = Counter(report.reasons)
    for label, warning in (("rejected", False), ("warning", True)):
        kinds = Counter({k: n for k, n in reasons.items() if k.startswith("warning: ") is warning})
        for reason, count in kinds.most_common(10):
            lines.append(f"  {label} {count:,}x: {reason.removeprefix('warning: ')}")
    if report.unlisted:
        lines.append(f"  ({report.unlisted:,} rejections and warnings counted but not listed)")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    """Return a count with its noun, plural unless it is one."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
