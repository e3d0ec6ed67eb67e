"""The README's promises: its commands exist, and its examples run and print what they show.

The query section's claims are checked one by one in tests/test_readme_queries.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
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


def test_configuration_table_gives_the_real_defaults() -> None:
    """Each default in README's configuration table, read as the service reads it, is the
    default in config.py (the query budget's figure is set from measurement, RELIABILITY.md)."""
    from dataclasses import fields

    from searchsvc.config import Settings

    table = dict(re.findall(r"^\| `SEARCHSVC_([A-Z_]+)` \| `?([^|`]*?)`? \|", README, re.M))
    defaults = Settings()
    for field in fields(Settings):
        if field.name == "extra":
            continue
        written = table[field.name.upper()]
        default = getattr(defaults, field.name)
        if written == "empty":
            assert not default, field.name
            continue
        read = Settings.from_env({f"SEARCHSVC_{field.name.upper()}": written})
        assert getattr(read, field.name) == default, (field.name, written, default)
    reliability = (ROOT / "RELIABILITY.md").read_text(encoding="utf-8")
    budget = f"(`SEARCHSVC_QUERY_BUDGET_MS`, {defaults.query_budget_ms:,} ms;"
    assert budget in " ".join(reliability.split()), budget


def _blocks(language: str) -> list[str]:
    """Return the README's fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.S | re.M)


def _shell(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one README command line with bash in cwd, the installed searchsvc first on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("SEARCHSVC_INDEX", None)
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_readme_shell_examples_work_from_any_clone(tmp_path: Path) -> None:
    """Every `sh` example after the first (the two scripts) runs as written beside the sample."""
    (tmp_path / "searchsvc").mkdir()
    (tmp_path / "searchsvc" / "sample").symlink_to(ROOT / "searchsvc" / "sample")
    outputs: list[tuple[str, str]] = []
    for block in _blocks("sh")[1:]:
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            if command:
                done = _shell(command, tmp_path)
                assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
                outputs.append((command, done.stdout))
    assert (tmp_path / "index" / "CURRENT").is_file()
    search, found = next((c, out) for c, out in outputs if c.startswith("searchsvc search"))
    number = re.search(r"\d+/[A-Z]+-[A-Z]+", search)  # the document number it looks for
    assert number is not None and number.group(0) in json.loads(found)["hits"][0]["title"]
    rows = (tmp_path / "cchc-2018.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) > 1 and all(",2018-" in row for row in rows[1:])
    scores = next(out for c, out in outputs if c.startswith("searchsvc eval"))
    assert re.search(r"^overall +n=1 +success@1=1\.000", scores, re.M), scores
    checked = next(out for c, out in outputs if c.endswith("--json | head -1"))
    assert json.loads(checked)["id"] == "tb-1"


def test_license_is_an_spdx_expression_and_setuptools_reads_it() -> None:
    """`license = "MIT"` (PEP 639) needs setuptools 77 or later; older ones warn or refuse."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    [setuptools] = [r for r in project["build-system"]["requires"] if "setuptools" in r]
    minimum = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", setuptools)
    assert minimum is not None and int(minimum.group(1)) >= 77, setuptools


def test_readme_search_example_finds_what_it_names(tmp_path: Path) -> None:
    (tmp_path / "searchsvc").mkdir()
    (tmp_path / "searchsvc" / "sample").symlink_to(ROOT / "searchsvc" / "sample")
    [build, search, _export] = _blocks("sh")[1].splitlines()
    assert _shell(build, tmp_path).returncode == 0
    found = json.loads(_shell(search, tmp_path).stdout)  # not a terminal: JSON
    number = re.search(r'"[^"]*?(\d+/[A-Z]+-[A-Z]+)"', search)
    assert number is not None and number.group(1) in found["hits"][0]["title"]


def test_readme_console_examples_of_the_cli_print_what_they_show(tmp_path: Path) -> None:
    """`console` blocks of `searchsvc` commands (not serve) print exactly the lines shown."""
    checked = 0
    for block in _blocks("console"):
        commands = re.findall(r"^\$ (.*)$", block, re.M)
        if not commands or not all(c.startswith("searchsvc index") for c in commands):
            continue
        for command, expected in re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n)*)", block, re.M):
            done = _shell(f"{{ {command}; }} 2>&1", tmp_path)
            assert done.stdout == expected, command
            checked += 1
    assert checked >= 2
