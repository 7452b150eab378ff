"""The package boundaries, as tests.

`analysis`, `ingest`, `search` and `indexing` say what documents and searches mean;
they are used by the indexer workers, the fetcher, the web edge and any backend
alike, so importing them loads no engine (whoosh), no NumPy, no web or CLI library.
Only the `whoosh` package may touch whoosh3's underscored internals.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys

import searchsvc
import searchsvc.analysis
import searchsvc.indexing
import searchsvc.ingest
import searchsvc.search
from tests.conftest import ROOT

HEAVY = ("whoosh", "numpy", "flask", "click", "opensearchpy")
NEUTRAL = (searchsvc.analysis, searchsvc.ingest, searchsvc.search, searchsvc.indexing)
PACKAGE = ROOT / "searchsvc"


def _modules() -> list[str]:
    names = [package.__name__ for package in NEUTRAL]
    for package in NEUTRAL:
        names += [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    return sorted(names)


def test_module_list_is_complete() -> None:
    assert {"searchsvc.analysis.tokenize", "searchsvc.analysis.terms", "searchsvc.ingest.reader",
            "searchsvc.ingest.walk", "searchsvc.search.service", "searchsvc.search.plan",
            "searchsvc.indexing.indexer"} <= set(_modules())


def test_neutral_packages_import_no_engine_web_or_cli() -> None:
    # Each module in a fresh interpreter of its own: one that pulls in whoosh is named.
    code = (
        "import importlib, sys\n"
        f"for name in {_modules()!r}:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        f"    heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "    if heavy:\n"
        "        print(name, heavy)\n"
        "        break\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "", run.stdout


def _reaches_into(path) -> list[str]:
    """Underscored attributes read from objects other than `self`, `cls` (and os._exit)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls", "os"))):
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: .{node.attr}")
    return found


def test_only_the_whoosh_package_touches_private_attributes() -> None:
    """whoosh3 internals (matchers' blocks, segments' term files) are read in whoosh/ only;
    elsewhere no module reaches into another object's private attributes at all."""
    outside = [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] != "whoosh"]
    assert len(outside) > 40
    assert [use for path in outside for use in _reaches_into(path)] == []
    # The check sees such uses where they are (the postings reader, for one).
    assert any(".blocklength" in use or "._blocklength" in use
               for use in _reaches_into(PACKAGE / "whoosh" / "postings.py"))


def test_only_the_whoosh_package_imports_whoosh() -> None:
    importers = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                       if any(isinstance(n, (ast.Import, ast.ImportFrom))
                              and any(name.startswith("whoosh") for name in _imported(n))
                              for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))))
    assert importers and all(name.startswith("whoosh/") for name in importers), importers


def test_the_engines_keep_to_their_own_packages() -> None:
    """Each engine's client library is imported by its backend package alone, and the two
    backends do not import each other: either runs without the other installed."""
    for package, library, other in (("whoosh", "whoosh", "opensearch"), ("opensearch", "opensearchpy", "whoosh")):
        importers = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                           if any(isinstance(n, (ast.Import, ast.ImportFrom))
                                  and any(name.split(".")[0] == library for name in _imported(n))
                                  for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))))
        assert importers and all(name.startswith(f"{package}/") for name in importers), importers
        assert not any(m.startswith(f"searchsvc.{other}") for p in (PACKAGE / package).rglob("*.py")
                       for m in _imports_of(p)), package


def _imported(node) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""] if node.level == 0 else []
    return [a.name for a in node.names]


def _module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_of(path) -> set[str]:
    """searchsvc modules `path` imports, at the top or inside functions."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("searchsvc")}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            if module.startswith("searchsvc"):
                submodules = {f"{module}.{a.name}" for a in node.names
                              if (PACKAGE.parent / f"{module}.{a.name}".replace(".", "/")).with_suffix(".py").exists()}
                found |= submodules  # `from . import api` imports api, not the package again
                if len(submodules) < len(node.names):
                    found.add(module)
    return found


def test_no_import_cycles() -> None:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {m for m in _imports_of(path) if m in modules and m != name}
             for name, path in modules.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # Edges are seen, at the top of a module and inside a function:
    assert graph["searchsvc.web.app"] >= {"searchsvc.web.api", "searchsvc.web.views"}
    assert "searchsvc.open" in graph["searchsvc.server"]
    assert cycles == []


def test_the_core_never_reaches_up_to_the_engine_or_the_edges() -> None:
    """Not even inside a function: the engine is chosen by open.py and handed down."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    upper = ("searchsvc.open", "searchsvc.whoosh", "searchsvc.web", "searchsvc.cli", "searchsvc.server")
    core = [name for name in modules if name.startswith(tuple(package.__name__ for package in NEUTRAL))]
    assert len(core) > 30
    reaching = {name: sorted(m for m in _imports_of(modules[name]) if m.startswith(upper)) for name in core}
    assert {name: found for name, found in reaching.items() if found} == {}
