"""The layers run one way: no import cycle, and the core never imports the edge.

Every source file is parsed with :mod:`ast`, so that every import counts: at module level,
inside functions (lazy imports), under ``if TYPE_CHECKING``, and
``importlib.import_module("painmodalities...")`` calls with a literal name. The core is
vocabulary <- evidence <- modalities <- catalog <- scoring <- ranking with the private
modules below them; the edge is documents, schema, FHIR, the command line and plots.
"""

import ast
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

PACKAGE = "painmodalities"
SOURCE = Path(__file__).resolve().parent.parent / "src" / PACKAGE

#: The core: none of these may import the edge, directly or through another module.
CORE = frozenset(
    f"{PACKAGE}.{name}"
    for name in (
        "vocabulary",
        "evidence",
        "modalities",
        "catalog",
        "scoring",
        "ranking",
        "_rank_cache",
        "grid",
        "errors",
        "_rules",
        "_validate",
        "_converter",
        "_builtin",
        "_words",
        "_explain",
    )
)
#: Modules at the edge, each with every module below it (``fhir._read``, ``_cli_output``).
EDGE = tuple(
    f"{PACKAGE}.{name}"
    for name in ("serialization", "schema", "fhir", "cli", "_cli", "plot", "__main__")
)


def module_name(path: Path, root: Path = SOURCE) -> str:
    """The dotted module name of the source file at ``path`` in the package at ``root``."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(
    tree: ast.AST, module: str, is_package: bool, modules: Collection[str]
) -> Iterator[str]:
    """Every module name ``tree`` imports, wherever the import statement stands.

    ``from package import name`` imports the submodule ``package.name`` when ``modules``
    holds one, else the package itself.
    """
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield submodule if submodule in modules else target
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def import_graph(root: Path = SOURCE) -> dict[str, frozenset[str]]:
    """Each module of the package, with the package modules it imports."""
    files = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = imported(tree, module, path.name == "__init__.py", files)
        graph[module] = frozenset(t for t in targets if t in files and t != module)
    return graph


def cycles(graph: Mapping[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def is_edge(module: str) -> bool:
    """Whether ``module`` sits at the edge (documents, schema, FHIR, CLI, plots)."""
    return any(module == edge or module.startswith((edge + ".", edge + "_")) for edge in EDGE)


def edge_imports(graph: Mapping[str, frozenset[str]]) -> list[str]:
    """Every path by which a core module reaches an edge module, as ``a -> b -> edge``."""
    found = []
    for start in sorted(CORE & graph.keys()):
        seen = {start: [start]}
        todo = [start]
        while todo:
            node = todo.pop(0)
            for target in sorted(graph[node]):
                if target in seen:
                    continue
                seen[target] = [*seen[node], target]
                if is_edge(target):
                    found.append(" -> ".join(seen[target]))
                else:
                    todo.append(target)
    return found


def test_the_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    """Module-level, lazy, TYPE_CHECKING, relative and import_module imports all count."""
    package = tmp_path / PACKAGE
    (package / "sub").mkdir(parents=True)
    for name in ("__init__", "a", "b", "c", "d", "e", "sub/__init__", "sub/f"):
        (package / f"{name}.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import painmodalities.b\n"
        "if TYPE_CHECKING:\n"
        "    from painmodalities.c import X\n"
        "def later():\n"
        "    from painmodalities import d\n"
        "    import importlib\n"
        "    importlib.import_module('painmodalities.e')\n"
    )
    (package / "sub" / "f.py").write_text("from .. import a\nfrom . import __init__\n")
    (package / "b.py").write_text("from .a import later\n")
    graph = import_graph(package)
    assert graph[f"{PACKAGE}.a"] == {f"{PACKAGE}.{name}" for name in "bcde"}
    assert f"{PACKAGE}.a" in graph[f"{PACKAGE}.sub.f"]
    assert cycles(graph) == [[f"{PACKAGE}.a", f"{PACKAGE}.b"]]


def test_core_and_edge_name_real_modules() -> None:
    """The layer lists name modules that exist (a renamed module cannot slip out)."""
    graph = import_graph()
    for name in ("vocabulary", "evidence", "modalities", "catalog", "scoring", "ranking"):
        assert f"{PACKAGE}.{name}" in graph
    for edge in ("serialization", "schema", "fhir", "cli", "plot"):
        assert f"{PACKAGE}.{edge}" in graph
    assert is_edge(f"{PACKAGE}._cli_output")
    assert is_edge(f"{PACKAGE}.fhir._read")
    assert not is_edge(f"{PACKAGE}.scoring")


def test_scoring_and_explanations_do_not_import_each_other() -> None:
    """Explanations sit below scoring; the words sit below everything but the vocabulary."""
    graph = import_graph()
    assert f"{PACKAGE}.scoring" not in graph[f"{PACKAGE}._explain"]
    assert graph[f"{PACKAGE}._words"] <= {f"{PACKAGE}.vocabulary"}


def test_no_import_cycle() -> None:
    """No module imports, directly or not, a module that imports it back."""
    assert cycles(import_graph()) == []


def test_core_never_imports_the_edge() -> None:
    """No core module reaches serialization, schema, FHIR, the CLI or plots."""
    assert edge_imports(import_graph()) == []
