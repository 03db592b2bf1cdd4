"""The core's records share one ``__repr__``, which writes what attrs would."""

import importlib
import inspect

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities._record_repr import record_repr

CORE = ("_rules", "catalog", "errors", "evidence", "modalities", "ranking", "scoring")


@attrs.frozen
class _ByAttrs:
    name: str
    count: int
    hidden: object = attrs.field(default=None, repr=False)
    shown_as: int = attrs.field(default=0, repr=lambda value: f"<{value}>")


@attrs.frozen(repr=False)
class _Shared:
    __repr__ = record_repr

    name: str
    count: int
    hidden: object = attrs.field(default=None, repr=False)
    shown_as: int = attrs.field(default=0, repr=lambda value: f"<{value}>")


@attrs.frozen(repr=False)
class _SharedChild(_Shared):
    extra: tuple[int, ...] = ()


@given(st.text(), st.integers(), st.integers())
def test_record_repr_writes_what_attrs_writes(name: str, count: int, shown: int) -> None:
    ours = repr(_Shared(name, count, object(), shown))
    theirs = repr(_ByAttrs(name, count, object(), shown))
    assert ours.replace("_Shared(", "_ByAttrs(", 1) == theirs


def test_a_subclass_shows_its_own_name_and_fields() -> None:
    assert repr(_SharedChild("a", 1, extra=(2,))) == (
        "_SharedChild(name='a', count=1, shown_as=<0>, extra=(2,))"
    )


@pytest.mark.parametrize("module_name", CORE)
def test_every_core_record_uses_the_shared_repr(module_name: str) -> None:
    module = importlib.import_module(f"painmodalities.{module_name}")
    records = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and attrs.has(value) and value.__module__ == module.__name__
    ]
    assert records
    for record in records:
        assert record.__repr__ is record_repr, record.__qualname__
