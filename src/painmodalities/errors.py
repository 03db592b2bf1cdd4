"""The library's errors: one root, and leaves that are also the builtin they mean.

Catch :class:`PainModalitiesError` to catch everything the library raises on purpose.
The core's error classes live here; each edge keeps its own beside it (the command line's
:class:`~painmodalities.cli.CliError` in :mod:`painmodalities.cli`, the CDS Hooks service's
``ServiceError`` in :mod:`painmodalities.service`), under the same root. Each leaf also
subclasses the builtin exception a Python user would expect (:class:`ValidationError` is a
:class:`ValueError`, :class:`NotInCatalogError` a :class:`KeyError`,
:class:`MissingExtraError` an :class:`ImportError`), so generic handlers keep working. The
classes carry no machinery: no leaf overrides ``__init__``; a leaf that needs a shortcut has
a factory classmethod (:meth:`UnknownModalityError.for_id`), and single-problem errors come
from :func:`invalid`.

Validation errors carry every :class:`Problem` found, each with the JSON path to the bad
value, what was expected and what was found:

>>> from painmodalities import Phase
>>> try:
...     Phase.from_weeks(-1)
... except ValidationError as error:
...     print(error)
$: expected a finite, non-negative number of weeks, got -1
"""

import json
import reprlib
from collections.abc import Iterable
from typing import Final, TypeVar

import attrs

from painmodalities._record import Record

__all__ = [
    "MISSING",
    "CatalogIntegrityError",
    "InvalidDurationError",
    "InvalidWeightsError",
    "MissingExtraError",
    "NotInCatalogError",
    "NotRankedError",
    "OptionIndexError",
    "PainModalitiesError",
    "Problem",
    "UnknownModalityError",
    "UnknownSourceError",
    "UnsupportedVersionError",
    "ValidationError",
]

_MAX_SHOWN = 80

_E = TypeVar("_E", bound=BaseException)
_V = TypeVar("_V", bound="ValidationError")


class _Missing:
    """The value of a required key that is absent."""

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"  # the singleton survives pickling


#: Stands for the value of a required key that was not given at all.
MISSING: Final = _Missing()


class _Shown(reprlib.Repr):
    """The one renderer of a value that is not JSON: bounded in length and depth.

    So showing a value never fails, a deeply nested one included.
    """

    def repr_int(self, x: int, level: int) -> str:
        try:
            return super().repr_int(x, level)
        except ValueError:  # an int past Python's digit limit for str()
            return "int too long to show"


_SHOWN: Final = _Shown()
_SHOWN.maxstring = _SHOWN.maxother = _SHOWN.maxlong = _MAX_SHOWN


def shown(text: str) -> str:
    """``text`` cut to a readable length, as a message shows a value.

    The middle goes, as :mod:`reprlib` cuts a string: both ends tell (a file's path starts
    with its folder and ends with its name and why it could not be read).
    """
    if len(text) <= _MAX_SHOWN:
        return text
    head = (_MAX_SHOWN - 3) // 2
    return text[:head] + "..." + text[len(text) - (_MAX_SHOWN - 3 - head) :]


def shown_repr(value: object) -> str:
    """``value``'s ``repr``, bounded in length and depth (:class:`reprlib.Repr`)."""
    return shown(_SHOWN.repr(value))


def _show(value: object) -> str:
    """``value`` as a message shows it: JSON where possible, cut to a readable length."""
    if value is MISSING:
        return "nothing"
    try:
        text = json.dumps(value, allow_nan=True, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        return shown_repr(value)
    return shown(text)


@attrs.frozen(repr=False, eq=False)
class Problem(Record):
    """One thing wrong with an input: where it is, what the rule wanted, what was there.

    Two problems are equal when they show the same: same path, expectation and rule, and
    the same value as a message prints it (so ``nan`` equals ``nan``).

    Attributes:
        path: JSON path to the bad value, such as ``$.modalities[3].findings[0].certainty``.
        expected: what the rule asks for, such as ``one of "low", "high"``.
        value: the offending value, or :data:`MISSING` when a required key is absent.
        rule: a short stable code naming the rule, such as ``duplicate_id``.
    """

    path: str
    expected: str
    value: object = attrs.field(eq=_show, hash=False)
    rule: str = "invalid"

    def at(self, prefix: str) -> "Problem":
        """The same problem, its path placed under ``prefix`` (a JSON path)."""
        suffix = self.path[1:] if self.path.startswith("$") else "." + self.path
        return attrs.evolve(self, path=prefix + suffix)

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}, got {_show(self.value)}"


class PainModalitiesError(Exception):
    """Root of every error the library raises on purpose."""


class ValidationError(PainModalitiesError, ValueError):
    """Input that breaks a rule: a bad field, a malformed document, an inconsistent catalog.

    It carries every problem found, not only the first. ``path``, ``expected`` and
    ``value`` give the first problem's, for the common single-problem case. Its one
    argument is the tuple of problems (``args == (problems,)``), so it pickles as it is;
    the classes below it add no constructor of their own.
    """

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        found = (problems,) if isinstance(problems, Problem) else tuple(problems)
        super().__init__(found or (Problem("$", "valid input", MISSING),))

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem found, in the order found."""
        found: tuple[Problem, ...] = self.args[0]
        return found

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"{len(self.problems)} problems:\n{lines}"

    @property
    def path(self) -> str:
        """JSON path of the first problem."""
        return self.problems[0].path

    @property
    def expected(self) -> str:
        """What the first problem's rule expected."""
        return self.problems[0].expected

    @property
    def value(self) -> object:
        """The first problem's offending value."""
        return self.problems[0].value

    @property
    def rule(self) -> str:
        """The first problem's rule code."""
        return self.problems[0].rule

    def at(self: _V, prefix: str) -> _V:
        """The same error with every path placed under ``prefix``; keeps the class."""
        return type(self)(problem.at(prefix) for problem in self.problems)


def invalid(
    path: str,
    expected: str,
    value: object,
    rule: str = "invalid",
    *,
    error: type[ValidationError] = ValidationError,
) -> ValidationError:
    """Build the error for the value at JSON ``path`` that breaks a rule, ready to raise.

    The one way the library builds a single-problem error; ``error`` picks the leaf class.
    """
    return error(Problem(path, expected, value, rule))


class InvalidDurationError(ValidationError):
    """A pain duration that is negative, non-finite or not a number (rule ``duration``)."""


class InvalidWeightsError(ValidationError):
    """Scoring weights that are negative, non-finite, or all zero."""


class CatalogIntegrityError(ValidationError):
    """A catalog whose parts do not fit together.

    Rules: ``duplicate_id``, ``unknown_source``, ``unknown_component``,
    ``component_cycle``, ``component_findings``.
    """


class UnsupportedVersionError(ValidationError):
    """A document written for a newer major version of the format than this library reads."""


class NotInCatalogError(PainModalitiesError, KeyError):
    """A key the catalog does not hold: a modality id or a source key (also a ``KeyError``).

    Its arguments are the key asked for and the keys the catalog does hold, in catalog
    order; build one with a leaf's factory.
    """

    @property
    def key(self) -> str:
        """The key that was asked for."""
        return str(self.args[0]) if self.args else ""

    @property
    def known(self) -> tuple[str, ...]:
        """The keys the catalog does hold, in catalog order."""
        return tuple(self.args[1]) if len(self.args) > 1 else ()

    def __str__(self) -> str:
        return f"no key {self.key!r} in the catalog"


class UnknownModalityError(NotInCatalogError):
    """A modality id the catalog does not hold; the message suggests close ids.

    Attributes:
        modality_id: the id that was asked for.
        known: the ids the catalog does hold, in catalog order.
    """

    @classmethod
    def for_id(cls: type[_E], modality_id: str, known: Iterable[str] = ()) -> _E:
        """The error for ``modality_id``, given the ids the catalog holds."""
        return cls(modality_id, tuple(known))

    @property
    def modality_id(self) -> str:
        """The id that was asked for."""
        return self.key

    def __str__(self) -> str:
        close = _close_ids(self.key, self.known)
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        return f"no modality with id {self.key!r} in the catalog{hint}"


class UnknownSourceError(NotInCatalogError):
    """A source key the catalog does not hold."""

    @classmethod
    def for_key(cls: type[_E], key: str, known: Iterable[str] = ()) -> _E:
        """The error for source ``key``, given the keys the catalog holds."""
        return cls(key, tuple(known))

    def __str__(self) -> str:
        return f"no source with key {self.key!r} in the catalog"


class NotRankedError(PainModalitiesError, KeyError):
    """A modality the ranking holds but does not rank: it is unranked or excluded.

    Its arguments are the modality id and the message saying which, and why.
    """

    @classmethod
    def for_id(cls: type[_E], modality_id: str, message: str) -> _E:
        """The error for ``modality_id``, with the words that say why it is not ranked."""
        return cls(modality_id, message)

    @property
    def modality_id(self) -> str:
        """The id that was asked for."""
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return str(self.args[1]) if len(self.args) > 1 else self.modality_id


class OptionIndexError(PainModalitiesError, IndexError):
    """An index past the ranked options of a ranking (also an ``IndexError``)."""

    @classmethod
    def for_index(cls: type[_E], index: object, size: int) -> _E:
        """The error for ``index`` into a ranking of ``size`` ranked options."""
        held = f"index 0 to {size - 1}" if size else "none"
        return cls(
            f"the ranking has {size} ranked option(s) ({held}); index {index} is out of range"
        )


class MissingExtraError(PainModalitiesError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    @classmethod
    def for_extra(cls: type[_E], extra: str, needs: str) -> _E:
        """The error for ``needs`` (``"plotting"``), which the extra ``extra`` provides."""
        return cls(f"{needs} needs the {extra} extra: pip install 'painmodalities[{extra}]'")


def _close_ids(asked: str, known: tuple[str, ...]) -> list[str]:
    """Known ids that look like ``asked``, as a whole or by their last segment."""
    import difflib  # noqa: PLC0415 (only on this error path, out of the import target)

    by_tail = {identifier.rsplit(".", 1)[-1]: identifier for identifier in known}
    close = difflib.get_close_matches(asked, known, n=3, cutoff=0.8)
    close += (
        by_tail[tail]
        for tail in difflib.get_close_matches(asked.rsplit(".", 1)[-1], by_tail, n=3, cutoff=0.75)
    )
    return list(dict.fromkeys(close))[:3]
