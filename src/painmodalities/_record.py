"""The methods the core's records share instead of having attrs compile them per class.

attrs writes and compiles ``__repr__``, ``__eq__`` and ``__hash__`` for every class it
makes; for the core's records that source is a large share of ``import painmodalities``
(the import target). The records derive from :class:`Record`, which holds
:func:`record_repr`, :func:`record_eq` and :func:`record_hash` once (as packaging's
``_BaseVersion`` writes its comparisons once); a record made with ``repr=False`` or
``eq=False`` keeps them, and one whose ``repr`` or ``eq`` attrs generates keeps attrs' own.
Each does what attrs' generated method does, from the same field options (``repr``,
``eq``, an ``eq`` key, ``hash``), read once per class.
"""

import functools
import operator
from collections.abc import Callable
from typing import Any, Final, cast

import attrs

__all__ = [
    "CachedRecord",
    "Record",
    "cached_record_hash",
    "record_eq",
    "record_hash",
    "record_repr",
]


def record_repr(self: Any) -> str:
    """``Name(field=value, ...)`` over the fields shown in reprs, as attrs writes it."""
    shown = []
    for field in attrs.fields(type(self)):
        if field.repr is False:
            continue
        value = getattr(self, field.name)
        text = field.repr(value) if callable(field.repr) else repr(value)
        shown.append(f"{field.name}={text}")
    return f"{type(self).__qualname__.rsplit('>.', 1)[-1]}({', '.join(shown)})"


def record_eq(self: Any, other: object) -> bool:
    """Equal when of the same class with equal compared fields, as attrs' ``__eq__``.

    Another class gives ``NotImplemented`` (so ``!=`` and the reflected ``==`` work).
    """
    kind: type[Any] = type(self)
    if other.__class__ is not kind:
        return cast("bool", NotImplemented)
    state = _compared(kind)
    return bool(state(self) == state(other))


def record_hash(self: Any) -> int:
    """The hash of the class and its hashed fields, consistent with :func:`record_eq`."""
    kind: type[Any] = type(self)
    return hash((kind, _hashed(kind)(self)))


def cached_record_hash(self: Any) -> int:
    """:func:`record_hash`, kept in the record's private ``_hash`` field once worked out.

    For records whose hash is costly (a modality hashes all its findings), as attrs'
    ``cache_hash`` keeps it. The record must not pickle ``_hash``: a hash holds only in
    the process that worked it out.
    """
    found: int | None = self._hash
    if found is None:
        found = record_hash(self)
        object.__setattr__(self, "_hash", found)
    return found


def _state(fields: list["attrs.Attribute[Any]"]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving a record's values of ``fields`` as a tuple, each through its key."""
    names = [field.name for field in fields]
    keys = [getattr(field, "eq_key", None) for field in fields]  # attrs' stubs omit eq_key
    if len(names) >= 2 and all(key is None for key in keys):
        return operator.attrgetter(*names)  # a tuple, at C speed: the common case

    def values(record: Any) -> tuple[Any, ...]:
        return tuple(
            getattr(record, name) if key is None else key(getattr(record, name))
            for name, key in zip(names, keys, strict=True)
        )

    return values


def _compared_fields(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    return _state([field for field in attrs.fields(kind) if field.eq])


def _hashed_fields(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    return _state(
        [field for field in attrs.fields(kind) if (field.eq if field.hash is None else field.hash)]
    )


#: The compared and the hashed values of a record class, worked out once per class.
_compared: Final[Callable[[type], Callable[[Any], tuple[Any, ...]]]] = functools.cache(
    _compared_fields
)
_hashed: Final[Callable[[type], Callable[[Any], tuple[Any, ...]]]] = functools.cache(
    _hashed_fields
)


class Record:
    """The base of the core's records: their shared ``__repr__``, ``__eq__`` and ``__hash__``."""

    __slots__ = ()
    __repr__ = record_repr
    __eq__ = record_eq
    __hash__ = record_hash


class CachedRecord(Record):
    """A :class:`Record` whose hash is kept once worked out (:func:`cached_record_hash`)."""

    __slots__ = ()
    __hash__ = cached_record_hash
