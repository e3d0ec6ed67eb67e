"""The README's promises: its first commands exist and every CLI command it shows is real."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchsvc.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "./scripts/serve" in first_block
    assert "./scripts/test" in first_block
    for script in ("serve", "test"):
        path = ROOT / "scripts" / script
        assert path.is_file() and path.stat().st_mode & 0o111


def test_ci_calls_the_readme_test_command() -> None:
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _documented_commands() -> set[tuple[str, ...]]:
    """Return the `searchsvc ...` command paths (group and subcommand) the README shows."""
    found: set[tuple[str, ...]] = set()
    for match in re.finditer(r"searchsvc ([a-z]+)(?: ([a-z]+))?", README):
        found.add(tuple(word for word in match.groups() if word))
    return found


@pytest.mark.parametrize("words", sorted(_documented_commands()))
def test_every_documented_command_exists(words: tuple[str, ...]) -> None:
    group = main
    path: list[str] = []
    for word in words:
        commands = getattr(group, "commands", {})
        if word not in commands:
            break  # an argument, not a subcommand (e.g. `searchsvc search cai`)
        group = commands[word]
        path.append(word)
    assert path, f"README shows `searchsvc {' '.join(words)}`, which is no command"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output


def test_every_command_is_documented() -> None:
    documented = _documented_commands()
    for name, command in main.commands.items():
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            assert (name,) in documented or any(d[0] == name for d in documented), name
            continue
        for sub in subcommands:
            assert (name, sub) in documented, f"`searchsvc {name} {sub}` is not in the README"


def test_every_setting_is_documented() -> None:
    from dataclasses import fields

    from searchsvc.config import Settings

    for field in fields(Settings):
        if field.name == "extra":
            continue
        assert f"SEARCHSVC_{field.name.upper()}" in README, field.name


def test_license_is_an_spdx_expression_and_setuptools_reads_it() -> None:
    """`license = "MIT"` (PEP 639) needs setuptools 77 or later; older ones warn or refuse."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    [setuptools] = [r for r in project["build-system"]["requires"] if "setuptools" in r]
    minimum = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", setuptools)
    assert minimum is not None and int(minimum.group(1)) >= 77, setuptools
