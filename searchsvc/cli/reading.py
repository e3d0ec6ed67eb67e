"""Options and helpers shared by the commands that read an index (search, eval, documents)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from searchsvc import config
from searchsvc.searching import BadParameter, Searcher

F = TypeVar("F", bound=Callable[..., Any])

index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path)
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default=None,
    help="table on a terminal, json otherwise.",
)
no_bom_option = click.option(
    "--no-bom", is_flag=True, help="CSV without the byte-order mark (for scripts)."
)


def output_format(fmt: str | None) -> str:
    """Return the chosen format, or a table on a terminal and JSON otherwise."""
    return fmt or ("table" if sys.stdout.isatty() else "json")


def open_searcher(index_dir: Path | None, settings: config.Settings | None = None) -> Searcher:
    """Return a searcher over the chosen or default index directory, not warmed.

    A command runs one search: warming the completions and the spelling vocabulary in the
    background only competes with it (on the 84,132-article index the first search then took
    12 s and came back partial instead of 0.6 s complete).
    """
    return Searcher(index_dir or config.default_index_dir(), settings, warm=False)


def usage_error(exc: BadParameter, options: dict[str, str] | None = None) -> click.UsageError:
    """Return the core's refusal of a parameter as a usage error naming its option."""
    option = (options or {}).get(exc.name, f"--{exc.name}")
    return click.UsageError(exc.named(f"Tùy chọn {option}"))
