"""The core's records share one __repr__, __eq__ and __hash__, as attrs writes them."""

import importlib
import inspect
import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import default_catalog
from painmodalities._record import cached_record_hash, record_eq, record_hash, record_repr

CORE = ("catalog", "errors", "evidence", "modalities", "ranking", "scoring")


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


# -- equality and hashing -------------------------------------------------------------------


def _shown(value: object) -> str:
    return str(value)


@attrs.frozen
class _EqByAttrs:
    name: str
    count: int
    ignored: object = attrs.field(default=None, eq=False)
    keyed: object = attrs.field(default=0, eq=_shown)
    unhashed: int = attrs.field(default=0, hash=False)


@attrs.frozen(eq=False)
class _EqShared:
    __eq__ = record_eq
    __hash__ = record_hash

    name: str
    count: int
    ignored: object = attrs.field(default=None, eq=False)
    keyed: object = attrs.field(default=0, eq=_shown)
    unhashed: int = attrs.field(default=0, hash=False)


@attrs.frozen(eq=False)
class _EqSharedChild(_EqShared):
    extra: tuple[int, ...] = ()


@attrs.frozen(eq=False)
class _OneField:
    __eq__ = record_eq
    __hash__ = record_hash

    only: int


_VALUES = st.tuples(
    st.sampled_from(["a", "b"]),
    st.integers(0, 2),
    st.integers(0, 2),
    st.one_of(st.integers(0, 2), st.sampled_from(["0", "1"])),
    st.integers(0, 2),
)


@given(_VALUES, _VALUES)
def test_record_eq_and_hash_agree_with_what_attrs_generates(
    left: tuple[str, int, int, object, int], right: tuple[str, int, int, object, int]
) -> None:
    ours = _EqShared(*left), _EqShared(*right)
    theirs = _EqByAttrs(*left), _EqByAttrs(*right)
    assert (ours[0] == ours[1]) is (theirs[0] == theirs[1])
    assert (ours[0] != ours[1]) is (theirs[0] != theirs[1])
    if ours[0] == ours[1]:
        assert hash(ours[0]) == hash(ours[1])
    # the same fields take part in the hash as in attrs' own
    assert (hash(ours[0]) == hash(ours[1])) is (hash(theirs[0]) == hash(theirs[1]))


def test_record_eq_wants_the_same_class() -> None:
    base = _EqShared("a", 1)
    child = _EqSharedChild("a", 1)
    assert base != child
    assert child != base
    assert base.__eq__(child) is NotImplemented
    assert base != ("a", 1)
    assert child == _EqSharedChild("a", 1)
    assert child != _EqSharedChild("a", 1, extra=(1,))  # a subclass's own fields count
    assert len({child, _EqSharedChild("a", 1), base}) == 2


def test_a_record_with_one_compared_field() -> None:
    assert _OneField(1) == _OneField(1)
    assert _OneField(1) != _OneField(2)
    assert hash(_OneField(1)) == hash(_OneField(1))


@pytest.mark.parametrize("module_name", CORE)
def test_every_core_record_compares_by_attrs_fields(module_name: str) -> None:
    """Each record either shares the methods or has attrs' own (hash caches, order)."""
    module = importlib.import_module(f"painmodalities.{module_name}")
    records = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and attrs.has(value) and value.__module__ == module.__name__
    ]
    for record in records:
        shared = record.__eq__ is record_eq
        hashes = record.__hash__ in (record_hash, cached_record_hash)
        assert shared is hashes, record.__qualname__
        if not shared:  # attrs wrote them, or the record words its own (exact weights)
            owner = next(kind for kind in record.__mro__ if "__eq__" in vars(kind))
            assert owner is not object, record.__qualname__
            assert attrs.has(owner), record.__qualname__


@attrs.frozen(eq=False)
class _Cached:
    __eq__ = record_eq
    __hash__ = cached_record_hash

    items: tuple[int, ...]
    _hash: int | None = attrs.field(init=False, default=None, eq=False, hash=False)


def _kept(record: _Cached) -> int | None:
    return record._hash


@given(st.lists(st.integers()), st.lists(st.integers()))
def test_a_cached_hash_is_the_shared_hash_kept(left: list[int], right: list[int]) -> None:
    first, second = _Cached(tuple(left)), _Cached(tuple(right))
    assert _kept(first) is None
    assert hash(first) == record_hash(first)
    assert _kept(first) == record_hash(first)  # kept
    assert hash(first) == hash(first)
    assert (first == second) is (left == right)
    if first == second:
        assert hash(first) == hash(second)


def test_a_modality_keeps_its_hash_but_never_pickles_it() -> None:
    modality = default_catalog()["massage.swedish"]
    copy = pickle.loads(pickle.dumps(modality))  # noqa: S301 (our own bytes)
    assert hash(modality) == hash(modality)
    assert modality._hash == hash(modality)
    assert copy._hash is None  # rebuilt from its init fields, so worked out again
    assert copy == modality
    assert hash(copy) == hash(modality)
    changed = attrs.evolve(modality, name="Other")
    assert changed._hash is None
    assert changed != modality
