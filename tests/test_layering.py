"""The pipeline's layering: stages import only earlier stages, through their faces, no circles.

Stages, in order: vietnamese <- archive <- store <- indexing, searching <- web <- cli (the
CLI's `serve` runs the web app).
`indexing` and `searching` never import each other; `vietnamese` imports nothing of
searchsvc; `config` and `errors` are shared by every stage but the first. The core never
imports flask or click (checked in a fresh interpreter, so imports made by pytest or other
tests do not count). The import graph is read statically (every import statement, in
functions and under TYPE_CHECKING too), so it holds for code paths the tests do not run.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchsvc"
SHELLS = ("searchsvc.web", "searchsvc.cli")
RANK = {
    "vietnamese": 0,
    "archive": 1,
    "store": 2,
    "indexing": 3,
    "searching": 3,
    "web": 4,
    "cli": 5,
}
APART = {frozenset({"indexing", "searching"})}


def module_name(path: Path, root: Path) -> str:
    """Return the dotted module name of a source file under the package root."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str) -> list[tuple[str, list[str], int]]:
    """Return (imported module, names taken from it, line) for each searchsvc import."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("searchsvc")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.startswith("searchsvc"):
                out.append((base, [a.name for a in node.names], node.lineno))
    return out


def graph(root: Path) -> dict[str, list[tuple[str, list[str], int]]]:
    """Return every module of the package with its searchsvc imports."""
    return {module_name(p, root): imports_of(p, module_name(p, root)) for p in root.rglob("*.py")}


def stage(module: str) -> str | None:
    """Return the stage a module belongs to, or None for the shared top-level modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def face(root: Path, package: str) -> set[str]:
    """Return what a stage's __init__ lists in __all__."""
    init = root.parent.joinpath(*package.split("."), "__init__.py")
    for node in ast.parse(init.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


def edges(modules: dict[str, list[tuple[str, list[str], int]]]) -> dict[str, set[str]]:
    """Return module -> modules it imports (a name that is a submodule counts as that module)."""
    out: dict[str, set[str]] = {m: set() for m in modules}
    for module, found in modules.items():
        for target, names, _ in found:
            subs = {f"{target}.{n}" for n in names} & modules.keys()
            out[module] |= subs or ({target} & modules.keys())
    return out


def circles(modules: dict[str, list[tuple[str, list[str], int]]]) -> list[list[str]]:
    """Return the import circles (strongly connected groups of two or more modules)."""
    graph_ = edges(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph_[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph_):
        if v not in index:
            visit(v)
    return found


def violations(root: Path) -> list[str]:
    """Return every broken layering rule of the package at root, one line each."""
    modules = graph(root)
    out = []
    for module, found in sorted(modules.items()):
        mine = stage(module)
        for target, names, line in found:
            theirs = stage(target)
            where = f"{module} (line {line}) imports {target}"
            if mine == "vietnamese" and theirs != "vietnamese":
                out.append(f"{where}: vietnamese imports nothing of searchsvc")
            if theirs is None or theirs == mine:
                continue
            if mine is None:
                out.append(f"{where}: a shared module imports a stage")
            elif frozenset({mine, theirs}) in APART:
                out.append(f"{where}: {mine} and {theirs} never import each other")
            elif RANK[theirs] > RANK[mine]:
                out.append(f"{where}: {mine} comes before {theirs} in the pipeline")
            else:
                public = face(root, f"searchsvc.{theirs}")
                sub = target.split(".")[2] if target.count(".") >= 2 else None
                taken = [sub] if sub else names
                private = [n for n in names if n.startswith("_")]
                if private or any(n not in public for n in taken):
                    out.append(f"{where} {names}: not on the face of searchsvc.{theirs}")
    out += [f"import circle: {' -> '.join(c)}" for c in circles(modules)]
    return out


def test_the_pipeline_layering_holds() -> None:
    assert violations(PACKAGE) == []


def test_every_stage_has_a_face_with_a_docstring() -> None:
    for name in RANK:
        init = PACKAGE / name / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text("utf-8"))), name
        if name not in ("web", "cli"):
            assert face(PACKAGE, f"searchsvc.{name}"), f"searchsvc.{name} lists no __all__"


@pytest.mark.parametrize(
    ("module", "line", "rule"),
    [
        ("store/schema.py", "from searchsvc.searching import Searcher", "comes before"),
        ("searching/ranking.py", "from searchsvc.indexing import indexer", "never import"),
        ("vietnamese/text.py", "from searchsvc import errors", "imports nothing"),
        ("web/api.py", "from searchsvc.store.snapshot import _EMPTY_IDS", "not on the face"),
        ("searching/values.py", "from searchsvc.searching import search", "import circle"),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path: Path, module: str, line: str, rule: str) -> None:
    copy = tmp_path / "searchsvc"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text("utf-8") + f"\n{line}\n", "utf-8")
    found = violations(copy)
    assert any(rule in v for v in found), found


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
    expected = {module_name(p, PACKAGE) for p in PACKAGE.rglob("*.py")}
    expected = {m for m in expected if not m.startswith(SHELLS)}
    assert set(result["core"]) == expected, "a core module was not discovered"
    assert result["loaded"] == [], f"{result['first']} imported {result['loaded']}"


def test_the_probe_can_see_a_shell_import() -> None:
    code = "import searchsvc.cli, sys; print('click' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "True"
