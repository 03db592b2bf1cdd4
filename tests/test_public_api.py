"""The public surface: declared, sorted, documented, and doctested."""

import ast
import doctest
import importlib
import inspect
import pkgutil
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

import painmodalities

MODULES = [
    importlib.import_module(f"painmodalities.{info.name}")
    for info in pkgutil.iter_modules(painmodalities.__path__)
    if not info.name.startswith("_") and info.name not in {"__main__"}
]


def _sort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted and every name in it exists."""
    names = painmodalities.__all__
    assert names == sorted(names, key=_sort_key)
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(painmodalities, name), name


def test_every_module_name_is_exported() -> None:
    """Each public module's __all__ is re-exported by the package, except its internals."""
    exported = set(painmodalities.__all__)
    for module in MODULES:
        for name in getattr(module, "__all__", ()):
            if module.__name__.endswith(
                (".serialization", ".schema", ".cli", ".plot", ".fhir", ".service", ".population")
            ):
                continue
            assert name in exported, f"{module.__name__}.{name}"


def test_each_public_name_is_named_once() -> None:
    """``__init__`` imports each public name once, from its own module, and lists it once."""
    tree = ast.parse(Path(painmodalities.__file__).read_text(encoding="utf-8"))
    # the names of the edge stand under ``if TYPE_CHECKING``: __getattr__ imports them
    statements = [
        statement
        for node in tree.body
        for statement in (node.body if isinstance(node, ast.If) else [node])
    ]
    imported = Counter(
        alias.asname or alias.name
        for node in statements
        if isinstance(node, ast.ImportFrom) and node.module != "typing"
        for alias in node.names
    )
    assert [name for name, count in imported.items() if count > 1] == []
    assert set(imported) | {"__version__"} == set(painmodalities.__all__)
    for name in imported:
        value = getattr(painmodalities, name)
        defined_in = getattr(value, "__module__", None)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert defined_in is not None
            assert defined_in.startswith("painmodalities."), name


@pytest.mark.parametrize("name", sorted(painmodalities.__all__))
def test_every_public_name_is_documented(name: str) -> None:
    """Every public class and function has a docstring of its own."""
    value = getattr(painmodalities, name)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert inspect.getdoc(value), name
        assert value.__doc__, name


def test_version() -> None:
    """The package has a PEP 440 version string."""
    assert painmodalities.__version__.count(".") == 2


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_doctests(module: ModuleType) -> None:
    """Every example in the docstrings runs and prints what it says."""
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
