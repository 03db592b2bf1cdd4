"""What a field rule is: an attrs validator that states its schema fragment and message.

:class:`Rule` is the one shape of every field rule (:mod:`painmodalities._rules` defines
them); :func:`fail`, :func:`typed` and :class:`ArgumentProblem` word the problems a rule or
an argument check reports, and :func:`choices` the one wording of a closed set of values.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from painmodalities import errors
from painmodalities.errors import Problem, ValidationError, invalid
from painmodalities.vocabulary import RankedEnum

__all__ = [
    "ArgumentProblem",
    "Rule",
    "choices",
    "fail",
    "frozen_schema",
    "simple",
    "typed",
]


def frozen_schema(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(schema))


def fail(name: str, expected: str, value: object, rule: str = "invalid") -> ValidationError:
    """The error for field ``name`` holding ``value`` where ``expected`` was wanted."""
    return invalid(f"$.{name}", expected, value, rule)


def typed(value: object) -> str:
    """``value`` as an argument error names it, with its type: ``the str "blood-clot"``.

    A Python caller passed it, so the type is part of what came: ``the int 3``,
    ``the Certainty "low"``, ``the list ['x']``; ``None`` is just ``None``.
    """
    if value is None:
        return "None"
    if isinstance(value, str):
        shown = errors.shown(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, RankedEnum):
        shown = errors.shown(json.dumps(value.value, ensure_ascii=False))
    else:
        shown = errors.shown_repr(value)
    return f"the {type(value).__name__} {shown}"


class ArgumentProblem(Problem):
    """A problem with a value given in the Python API: its message names the value's type.

    It reads ``$.phase: expected a Phase or one of "acute", ...; got the str "Acute"``,
    since a string where a member was wanted (or a member of the wrong enum) looks like
    the right value when printed without its type. Problems found reading JSON stay plain
    :class:`~painmodalities.errors.Problem` (JSON has no types beyond its own).

    It adds no field, so it is a plain subclass of the attrs record (its fields, equality,
    hash and immutability are :class:`~painmodalities.errors.Problem`'s; an attrs class of
    its own would compile them all again on import).
    """

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}; got {typed(self.value)}"


def choices(values: type[RankedEnum] | Iterable[str], *, quoted: bool = True) -> str:
    """``one of "a", "b"``: the one wording of a closed set of values (an enum's in rank order).

    ``quoted=False`` gives the bare list ``a, b`` that the command line shows.
    """
    names = [item.value if isinstance(item, RankedEnum) else str(item) for item in values]
    if not quoted:
        return ", ".join(names)
    return "one of " + ", ".join(f'"{name}"' for name in names)


class Rule:
    """One field rule: an attrs validator that also states its schema fragment and message.

    Attributes:
        expected: what the rule asks for, as error messages say it.
        code: the short rule code of its problems, such as ``enum`` or ``pattern``.
        schema: the JSON Schema fragment of the values it accepts, or ``None`` when the
            field's type says it all (records, tuples of records).
        find: the problem with a value, at ``$`` (or under it, for an item), or ``None``.
        error: the library error class it raises.

    Rules are plain slotted objects, not attrs records: they are made while the core is
    imported, and an attrs class would compile its methods on every import for objects
    that are never compared, hashed or written out (nothing assigns to a rule after it
    is made, so no frozenness is written by hand).
    """

    __slots__ = ("code", "error", "expected", "find", "schema")

    expected: str
    code: str
    schema: Mapping[str, Any] | None
    find: Callable[[Any, Any], Problem | None]
    error: type[ValidationError]

    def __init__(
        self,
        expected: str,
        code: str,
        schema: Mapping[str, Any] | None,
        find: Callable[[Any, Any], Problem | None],
        error: type[ValidationError] = ValidationError,
        **own: Any,
    ) -> None:
        """Set the rule's fields; ``own`` sets a subclass's own slots, by name."""
        self.expected = expected
        self.code = code
        self.schema = schema
        self.find = find
        self.error = error
        for name, value in own.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(expected={self.expected!r}, code={self.code!r})"

    def __call__(self, instance: Any, attribute: Any, value: Any) -> None:
        """Validate ``value`` as the attrs field ``attribute`` of ``instance``."""
        found = self.find(instance, value)
        if found is not None:
            raise self.error(found.at(f"$.{attribute.name}"))

    def accepts(self, value: object, instance: object = None) -> bool:
        """Whether ``value`` passes the rule (for parsers that word their own errors)."""
        return self.find(instance, value) is None


class _Test(Rule):
    """A rule that takes a value whole: ``test`` says yes or no (checked first, inline)."""

    __slots__ = ("test",)

    test: Callable[[Any], bool]

    def __init__(
        self,
        expected: str,
        code: str,
        schema: Mapping[str, Any] | None,
        test: Callable[[Any], bool],
    ) -> None:
        def find(_instance: object, value: object) -> Problem | None:
            return None if test(value) else Problem("$", expected, value, code)

        super().__init__(expected, code, schema, find, test=test)

    def __call__(self, instance: Any, attribute: Any, value: Any) -> None:
        """Validate ``value`` as the attrs field ``attribute`` of ``instance``."""
        if not self.test(value):  # a passing value costs one call; a failing one is worded
            super().__call__(instance, attribute, value)  # by ``find``, as for every rule


def simple(
    expected: str,
    code: str,
    schema: Mapping[str, Any] | None,
    test: Callable[[Any], bool],
) -> Rule:
    """A rule that takes a value whole: ``test`` says yes or no."""
    return _Test(expected, code, None if schema is None else frozen_schema(schema), test)
