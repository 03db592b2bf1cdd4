"""The library's errors: one root, and leaves that are also the builtin they mean.

Catch :class:`PainModalitiesError` to catch everything the library raises on purpose.
Each leaf also subclasses the builtin exception a Python user would expect
(:class:`ValidationError` is a :class:`ValueError`, :class:`UnknownModalityError` is a
:class:`KeyError`), so generic handlers keep working.

Validation errors carry every :class:`Problem` found, each with the JSON path to the bad
value, what was expected and what was found:

>>> from painmodalities import Phase
>>> try:
...     Phase.from_weeks(-1)
... except ValidationError as error:
...     print(error)
$: expected a finite, non-negative number of weeks, got -1
"""

import difflib
import json
from collections.abc import Iterable
from typing import Final

__all__ = [
    "MISSING",
    "CatalogIntegrityError",
    "InvalidDurationError",
    "InvalidWeightsError",
    "PainModalitiesError",
    "Problem",
    "UnknownModalityError",
    "UnsupportedVersionError",
    "ValidationError",
]

_MAX_SHOWN = 80


class _Missing:
    """The value of a required key that is absent."""

    def __repr__(self) -> str:
        return "MISSING"


#: Stands for the value of a required key that was not given at all.
MISSING: Final = _Missing()


def _show(value: object) -> str:
    if value is MISSING:
        return "nothing"
    try:
        text = json.dumps(value, allow_nan=True, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class Problem:
    """One thing wrong with an input: where it is, what the rule wanted, what was there.

    Attributes:
        path: JSON path to the bad value, such as ``$.modalities[3].findings[0].certainty``.
        expected: what the rule asks for, such as ``one of "low", "high"``.
        value: the offending value, or :data:`MISSING` when a required key is absent.
        rule: a short stable code naming the rule, such as ``duplicate_id``.
    """

    __slots__ = ("expected", "path", "rule", "value")

    def __init__(self, path: str, expected: str, value: object, rule: str = "invalid") -> None:
        self.path = path
        self.expected = expected
        self.value = value
        self.rule = rule

    def at(self, prefix: str) -> "Problem":
        """The same problem, its path placed under ``prefix`` (a JSON path)."""
        suffix = self.path[1:] if self.path.startswith("$") else "." + self.path
        return Problem(prefix + suffix, self.expected, self.value, self.rule)

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}, got {_show(self.value)}"

    def __repr__(self) -> str:
        return (
            f"Problem(path={self.path!r}, expected={self.expected!r}, "
            f"value={self.value!r}, rule={self.rule!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.path, self.expected, self.rule, _show(self.value)) == (
            other.path,
            other.expected,
            other.rule,
            _show(other.value),
        )

    def __hash__(self) -> int:
        return hash((self.path, self.expected, self.rule))


class PainModalitiesError(Exception):
    """Root of every error the library raises on purpose."""


class ValidationError(PainModalitiesError, ValueError):
    """Input that breaks a rule: a bad field, a malformed document, an inconsistent catalog.

    It carries every problem found, not only the first. ``path``, ``expected`` and
    ``value`` give the first problem's, for the common single-problem case.
    """

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        found = (problems,) if isinstance(problems, Problem) else tuple(problems)
        if not found:
            found = (Problem("$", "valid input", MISSING),)
        self.problems: tuple[Problem, ...] = found
        super().__init__(self._message())

    def _message(self) -> str:
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

    def at(self, prefix: str) -> "ValidationError":
        """The same error with every path placed under ``prefix``; keeps the class."""
        moved = type(self).__new__(type(self))
        ValidationError.__init__(moved, (problem.at(prefix) for problem in self.problems))
        return moved

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.problems))


def _rebuild(kind: type[ValidationError], problems: tuple[Problem, ...]) -> ValidationError:
    error = kind.__new__(kind)
    ValidationError.__init__(error, problems)
    return error


def invalid(
    path: str,
    expected: str,
    value: object,
    rule: str = "invalid",
    *,
    error: type[ValidationError] = ValidationError,
) -> ValidationError:
    """The error for the value at JSON ``path`` that breaks a rule, ready to raise.

    The one way the library builds a single-problem error; ``error`` picks the leaf class.
    """
    return error(Problem(path, expected, value, rule))


class InvalidDurationError(ValidationError):
    """A pain duration that is negative, non-finite or not a number."""

    def __init__(self, value: object, expected: str, path: str = "$") -> None:
        super().__init__(Problem(path, expected, value, rule="duration"))


class InvalidWeightsError(ValidationError):
    """Scoring weights that are negative, non-finite, or all zero."""


class CatalogIntegrityError(ValidationError):
    """A catalog whose parts do not fit together.

    Rules: ``duplicate_id``, ``unknown_source``, ``unknown_component``,
    ``component_cycle``, ``component_findings``.
    """


class UnsupportedVersionError(ValidationError):
    """A document written for a newer major version of the format than this library reads."""


class UnknownModalityError(PainModalitiesError, KeyError):
    """A modality id the catalog does not hold.

    Attributes:
        modality_id: the id that was asked for.
        known: the ids the catalog does hold, in catalog order.
    """

    def __init__(self, modality_id: str, known: Iterable[str] = ()) -> None:
        self.modality_id = modality_id
        self.known = tuple(known)
        super().__init__(modality_id)

    def __str__(self) -> str:
        close = _close_ids(self.modality_id, self.known)
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        return f"no modality with id {self.modality_id!r} in the catalog{hint}"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.modality_id, self.known))


def _close_ids(asked: str, known: tuple[str, ...]) -> list[str]:
    """Known ids that look like ``asked``, as a whole or by their last segment."""
    by_tail = {identifier.rsplit(".", 1)[-1]: identifier for identifier in known}
    close = difflib.get_close_matches(asked, known, n=3, cutoff=0.8)
    close += (
        by_tail[tail]
        for tail in difflib.get_close_matches(asked.rsplit(".", 1)[-1], by_tail, n=3, cutoff=0.75)
    )
    return list(dict.fromkeys(close))[:3]
