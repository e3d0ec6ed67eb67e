"""`searchsvc index`: build, update, status and rollback of the search index (a thin shell)."""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click

from searchsvc.archive import Rejection
from searchsvc.cli import main
from searchsvc.cli.archive_cmd import follow_links_option
from searchsvc.errors import SearchError
from searchsvc.indexing import indexer

T = TypeVar("T")

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index directory (default: $SEARCHSVC_INDEX or ./index).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _command_line() -> str:
    """Return this command line, for the lock holder record."""
    return " ".join(["searchsvc", *sys.argv[1:]])


def _os_message(exc: OSError) -> str:
    """Return an operating-system error in plain words."""
    if exc.errno == errno.ENOSPC:
        return "no space left on the device holding the index; the live index is unchanged"
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """Turn SIGTERM into SystemExit so a writer deletes its partial generation on the way out."""
    raise SystemExit(128 + signum)


class Problem(click.ClickException):
    """A problem found (exit status 1); with --json it is printed as the house error shape."""

    def __init__(self, message: str, as_json: bool) -> None:
        super().__init__(message)
        self.as_json = as_json

    def show(self, file: Any = None) -> None:
        """Print `{"error": ..., "status": 1}` on standard output for --json, else `Error: ...`."""
        if self.as_json:
            _json_out({"error": self.message, "status": self.exit_code})
        else:
            super().show(file)


def _run(action: Callable[[], T], as_json: bool = False, report: Path | None = None) -> T:
    """Run a core action, turning its errors into plain click errors (no traceback)."""
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return action()
    except indexer.NothingIndexed as exc:
        if report is not None:
            _write_report(report, exc.rejections)
        if not as_json:
            _print_reasons(exc.reasons, report, err=True)
        raise Problem(exc.message, as_json) from exc
    except SearchError as exc:
        raise Problem(exc.message, as_json) from exc
    except OSError as exc:
        raise Problem(_os_message(exc), as_json) from exc
    except Exception as exc:
        if os.environ.get("SEARCHSVC_DEBUG"):
            raise
        raise Problem(
            f"unexpected error ({type(exc).__name__}: {exc}); "
            "run again with SEARCHSVC_DEBUG=1 to see where it happened",
            as_json,
        ) from exc
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _progress(quiet: bool) -> Iterator[indexer.ProgressFn | None]:
    """Yield a progress callback drawing one live line on a terminal's stderr, else None."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    last = [0.0]

    def show(p: indexer.Progress) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2:
            return
        last[0] = now
        line = (
            f"\r  {p.read:>9,} read  {p.indexed:>9,} indexed  {p.rejected:>6,} rejected"
            f"  {p.rate:>7,.0f} articles/s  {p.elapsed:>6.1f} s"
        )
        click.echo(line, err=True, nl=False)

    try:
        yield show
    finally:
        if last[0]:
            click.echo("", err=True)


def _write_report(path: Path, rejections: list[Rejection]) -> None:
    """Write the listed rejections as JSON lines: path, line, reason, warning."""
    with path.open("w", encoding="utf-8") as f:
        for r in rejections:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


def _size(n: int) -> str:
    """Return a byte count in human units."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _print_reasons(
    reasons: dict[str, int], report: Path | None, limit: int = 10, err: bool = False
) -> None:
    """Print the commonest rejection reasons (on standard error with err)."""
    if not reasons:
        return
    click.echo("Rejections and warnings, by reason:", err=err)
    for reason, count in list(reasons.items())[:limit]:
        click.echo(f"  {count:>7,}  {reason}", err=err)
    if len(reasons) > limit:
        click.echo(f"  ... and {len(reasons) - limit} more reasons", err=err)
    if report is None:
        click.echo("  (--report FILE lists them, the first 100 of each file)", err=err)


def _plural(number: int, noun: str) -> str:
    """Return a count with its noun, plural unless it is one."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _json_out(value: dict[str, Any]) -> None:
    """Print one JSON object."""
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


@main.group("index")
def index_group() -> None:
    """Build, update, inspect and roll back the search index."""


def _report_or_json(result: Any, report: Path | None, as_json: bool, **extra: object) -> bool:
    """Write the rejection report if asked; print the result as JSON and say so if asked."""
    if report is not None:
        _write_report(report, result.rejections)
    if not as_json:
        return False
    data = asdict(result)
    del data["rejections"]
    _json_out({**data, **extra})
    return True


@index_group.command("build")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rejections to FILE as JSON lines (path, line, reason; 100 a file at most).",
)
@json_option
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=None,
    help="Indexing processes for large builds (default: one per core, at most 4).",
)
@follow_links_option
def build_cmd(
    sources: tuple[Path, ...],
    index_dir: Path | None,
    report: Path | None,
    as_json: bool,
    workers: int | None,
    follow_links: bool,
) -> None:
    """Build a new generation from SOURCE... (default: the sample archive) and make it live."""
    with _progress(as_json) as progress:
        result = _run(
            lambda: indexer.build(
                list(sources) or None,
                index_dir,
                progress=progress,
                workers=workers,
                command=_command_line(),
                follow_links=follow_links,
            ),
            as_json,
            report,
        )
    if _report_or_json(result, report, as_json, documents=result.indexed):
        return
    click.echo(f"Built {result.generation} in {result.index_dir} (now live)")
    click.echo(f"  read        {result.read:>10,}")
    click.echo(f"  indexed     {result.indexed:>10,}")
    click.echo(f"  rejected    {result.rejected:>10,}")
    click.echo(f"  duplicates  {result.duplicates:>10,}")
    click.echo(
        f"  elapsed     {result.elapsed:>10.1f} s  ({result.docs_per_second:,.0f} articles/s, "
        f"{result.workers} worker{'s' if result.workers > 1 else ''})"
    )
    click.echo(f"  size        {_size(result.size_bytes):>12}")
    _print_reasons(result.reasons, report)
    if result.previous:
        click.echo(f"Previous generation {result.previous} kept for `searchsvc index rollback`.")


@index_group.command("update")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--delete-missing",
    is_flag=True,
    help="Delete indexed articles of these sources that the sources no longer hold.",
)
@index_option
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rejections to FILE as JSON lines (path, line, reason; 100 a file at most).",
)
@json_option
@follow_links_option
def update_cmd(
    sources: tuple[Path, ...],
    delete_missing: bool,
    index_dir: Path | None,
    report: Path | None,
    as_json: bool,
    follow_links: bool,
) -> None:
    """Add new and changed articles of SOURCE... to the index (a new generation)."""
    with _progress(as_json) as progress:
        result = _run(
            lambda: indexer.update(
                list(sources),
                index_dir,
                delete_missing=delete_missing,
                progress=progress,
                command=_command_line(),
                follow_links=follow_links,
            ),
            as_json,
            report,
        )
    if _report_or_json(result, report, as_json):
        return
    if result.previous is None:
        click.echo(f"No changes; {result.generation} stays live.")
    else:
        click.echo(f"Updated {result.index_dir}: {result.generation} is live")
    click.echo(
        f"  read {result.read:,}: {result.added:,} added, {result.changed:,} changed, "
        f"{result.deleted:,} deleted, {result.unchanged:,} unchanged; "
        f"{result.rejected:,} rejected, {result.duplicates:,} duplicates"
    )
    click.echo(f"  {result.documents:,} documents, {result.elapsed:.1f} s")
    _print_reasons(result.reasons, report)


@index_group.command("status")
@json_option
@index_option
def status_cmd(as_json: bool, index_dir: Path | None) -> None:
    """Show the live generation, its documents, size, build and last update."""
    st = _run(lambda: indexer.status(index_dir), as_json)
    if st.live is None:
        raise Problem(f"no index in {st.index_dir}; run `searchsvc index build`", as_json)
    if as_json:
        _json_out(asdict(st))
        return
    click.echo(f"Index {st.index_dir}: {st.live} is live")
    click.echo(f"  documents   {st.documents:,}")
    click.echo(f"  size        {_size(st.size_bytes)}")
    click.echo("Generations, newest first (each: what made it, when, from what):")
    for g in st.generations:
        _print_generation(g)


def _print_generation(g: indexer.GenerationInfo) -> None:
    """Print one kept generation: its name, what made it and when, its counts and sources."""
    counts = ", ".join(f"{n:,} {name}" for name, n in g.counts.items())
    documents = "? documents" if g.documents is None else _plural(g.documents, "document")
    click.echo(
        f"  {g.name}{' (live)' if g.live else ''}: {g.kind or 'unknown'} at {g.made_at}, "
        f"{documents}; {counts or 'no figures recorded'}"
    )
    click.echo(f"      from {', '.join(g.sources) or 'unknown sources'}")


@index_group.command("rollback")
@index_option
def rollback_cmd(index_dir: Path | None) -> None:
    """Make the previous generation live again."""
    r = _run(lambda: indexer.rollback(index_dir, command=_command_line()))
    click.echo(
        f"Rolled back {r.index_dir}: {r.to_generation} is live again "
        f"({r.documents:,} documents); {r.from_generation} kept until the next build."
    )
