"""The `searchsvc` command: a click group whose subcommands live in sibling modules."""

from __future__ import annotations

import importlib

import click

from searchsvc import __version__

# Each module registers its commands on `main` when imported; a missing one is skipped.
_COMMAND_MODULES = ("archive_cmd", "index_cmd", "search_cmd", "documents_cmd", "serve_cmd")


@click.group()
@click.version_option(__version__, prog_name="searchsvc")
def main() -> None:
    """Search the Vietnamese news archive: read, index, search and serve it."""


for _name in _COMMAND_MODULES:
    try:
        importlib.import_module(f"searchsvc.cli.{_name}")
    except ModuleNotFoundError as exc:  # pragma: no cover - only while modules are being written
        if exc.name != f"searchsvc.cli.{_name}":
            raise
