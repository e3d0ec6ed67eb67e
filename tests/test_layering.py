"""The core never imports flask or click: only the web and CLI shells may."""

from __future__ import annotations

import json
import subprocess
import sys

SHELLS = ("searchsvc.web", "searchsvc.cli")
CORE_AT_LEAST = {
    "searchsvc.text",
    "searchsvc.archive",
    "searchsvc.schema",
    "searchsvc.search",
    "searchsvc.config",
    "searchsvc.errors",
}

# Runs in a fresh interpreter so that nothing imported by pytest or other tests counts.
PROBE = f"""
import importlib, json, pkgutil, sys
import searchsvc
shells = {SHELLS!r}
# iter_modules, not walk_packages: walking imports every package it meets, the shells too.
names = []
todo = [(searchsvc.__path__, "searchsvc.")]
while todo:
    path, prefix = todo.pop()
    for m in pkgutil.iter_modules(path, prefix):
        if m.name in shells:
            continue
        names.append(m.name)
        if m.ispkg:
            todo.append((importlib.import_module(m.name).__path__, m.name + "."))
names.sort()
culprits = []
for name in names:
    importlib.import_module(name)
    if ("flask" in sys.modules or "click" in sys.modules) and not culprits:
        culprits.append(name)
print(json.dumps({{
    "core": ["searchsvc"] + names,
    "loaded": sorted(m for m in ("flask", "click", "werkzeug") if m in sys.modules),
    "first": culprits,
}}))
"""


def probe() -> dict[str, list[str]]:
    """Import every core module in a fresh interpreter; return what was imported and loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_core_modules_import_neither_flask_nor_click() -> None:
    result = probe()
    assert set(result["core"]) >= CORE_AT_LEAST, "a core module was not discovered"
    assert not any(name.startswith(SHELLS) for name in result["core"])
    assert result["loaded"] == [], f"{result['first']} imported {result['loaded']}"


def test_the_probe_can_see_a_shell_import() -> None:
    code = "import searchsvc.cli, sys; print('click' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "True"
