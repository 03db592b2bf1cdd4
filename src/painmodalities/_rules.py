"""Field rules of the domain records: each one a single definition of what a field accepts.

A rule is an attrs validator (``attrs.field(validator=check.text)``) and also states its
JSON Schema fragment (:attr:`Rule.schema`) and its message (:attr:`Rule.expected`), all from
the same constants, so that the records, :mod:`painmodalities.schema`, the JSON converter
and the command line cannot drift apart. A broken rule raises
:class:`~painmodalities.errors.ValidationError` at the field's JSON path (``$.field``), which
a loader moves under the document position it is at. Rules are strict on purpose: no
number is taken for a bool, no ``True`` for a number.

Text for enums follows one rule, stated here once: in the Python API an enum-typed field or
parameter takes the member or its exact string value (:meth:`MemberOf.convert` is the
attrs converter, :meth:`MemberOf.coerce` the check of a parameter), and anything else is
refused with a message naming what was expected and what type came
(:class:`ArgumentProblem`). JSON is read by the strict converter, which maps a JSON string
to its member with the same table and words its errors as before (``Rule.expected``).

>>> from painmodalities.vocabulary import Phase
>>> text.expected, member_of(Phase).schema["enum"]
('a non-empty UTF-8 string', ['acute', 'subacute', 'chronic'])
>>> member_of(Phase).expected
'one of "acute", "subacute", "chronic"'
>>> to_phase("chronic")
<Phase.CHRONIC: 'chronic'>
>>> try:
...     member_of(Phase).coerce("Chronic", "$.phase")
... except ValidationError as error:
...     print(error)
$.phase: expected a Phase or one of "acute", "subacute", "chronic"; got the str "Chronic"
"""

import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, Generic, TypeVar, cast

import attrs

from painmodalities._rule import (
    ArgumentProblem,
    Rule,
    choices,
    fail,
    frozen_schema,
    simple,
    typed,
)
from painmodalities.errors import Problem, ValidationError
from painmodalities.vocabulary import (
    Activity,
    AssessmentKind,
    Certainty,
    Comparator,
    Condition,
    Coverage,
    Criterion,
    Direction,
    Effect,
    ExerciseForm,
    Horizon,
    MassageTechnique,
    Measure,
    Outcome,
    Phase,
    Precaution,
    RankedEnum,
    Strength,
)

__all__ = [
    "DECIMAL_PATTERN",
    "ID_PATTERN",
    "KEY_PATTERN",
    "MAX_SESSION_MINUTES",
    "MAX_YEAR",
    "MIN_YEAR",
    "ArgumentProblem",
    "MemberOf",
    "Members",
    "Rule",
    "any_text",
    "argument",
    "argument_of",
    "as_frozenset",
    "as_tuple",
    "boolean",
    "choices",
    "distinct_ids",
    "fail",
    "frozenset_of",
    "frozenset_of_ids",
    "member_of",
    "modality_id",
    "non_negative_number",
    "optional",
    "optional_decimal",
    "optional_frozenset_of_ids",
    "optional_int_in",
    "optional_member_of",
    "optional_modality_id",
    "source_key",
    "text",
    "to_activity",
    "to_assessment_kind",
    "to_certainty",
    "to_comparator",
    "to_comparators",
    "to_condition",
    "to_coverage",
    "to_criterion",
    "to_direction",
    "to_effect",
    "to_exercise_form",
    "to_horizon",
    "to_massage_technique",
    "to_measure",
    "to_outcome",
    "to_phase",
    "to_precautions",
    "to_strength",
    "tuple_of",
    "typed",
]

E = TypeVar("E", bound=RankedEnum)
T = TypeVar("T")

#: Modality ids are dotted lower-case slugs: ``massage.swedish``, ``acupuncture``.
ID_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
#: Source keys are lower-case slugs with dashes: ``cochrane-massage-2015``.
KEY_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_.-]*")
#: The longest session a modality or a patient may state, in minutes (a day).
MAX_SESSION_MINUTES: Final = 24 * 60
#: The years a source may have been published in.
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100

_NULL: Final = MappingProxyType({"type": "null"})


# -- enums --------------------------------------------------------------------------------


class MemberOf(Rule, Generic[E]):
    """A member of one enum, given as the member or its exact string value.

    The validator takes members (a field's :meth:`convert` has already turned its value
    string into the member); :meth:`parse` reads a value string, :meth:`coerce` checks a
    parameter. ``expected`` words the rule for JSON (``one of "a", "b"``), ``in_python``
    for the Python API (``a Phase or one of "a", "b"``).
    """

    __slots__ = ("enum_type", "in_python", "members")

    enum_type: type[E]
    members: Mapping[str, E]
    in_python: str

    def __call__(self, instance: Any, attribute: Any, value: Any) -> None:
        """Validate ``value`` as the attrs field ``attribute`` of ``instance``."""
        if type(value) is not self.enum_type:  # a member passes inline; anything else is
            super().__call__(instance, attribute, value)  # worded by ``find``

    def parse(self, value: object) -> E | None:
        """The member whose value is the string ``value``, or ``None``."""
        return self.members.get(value) if type(value) is str else None

    def convert(self, value: E | str) -> E:
        """The attrs converter: the member whose value is the string ``value``.

        Anything else comes back as it is, for the field's validator (this rule) to refuse
        at the field's path.
        """
        if type(value) is str:
            return self.members.get(value, cast("E", value))
        return cast("E", value)

    def coerce(self, value: E | str, path: str) -> E:
        """``value`` as a member of the enum, for a parameter at ``path``.

        Raises:
            ValidationError: for anything but a member or its exact value string.
        """
        if type(value) is self.enum_type:
            return value
        member = self.parse(value)
        if member is None:
            raise ValidationError(ArgumentProblem(path, self.in_python, value, "enum"))
        return member

    def convert_set(self, value: "Members[E]") -> frozenset[E]:
        """The attrs converter of a set field: each value string becomes its member.

        A frozenset, set, list or tuple becomes a frozenset; anything else (a bare string,
        a generator, a set of unhashable items) comes back as it is, for the validator to
        refuse.
        """
        if isinstance(value, frozenset | set | list | tuple):
            try:
                return frozenset(map(self.convert, value))
            except TypeError:  # an unhashable item: the validator says what came
                pass
        return cast("frozenset[E]", value)


#: What a set-of-members field or parameter takes: members or their value strings.
Members = AbstractSet[E | str] | Sequence[E | str]


def member_of(enum_type: type[E]) -> MemberOf[E]:
    """Require a member of ``enum_type``; its converter takes the exact value string too.

    One rule per enum (made once, then kept): fields, parameters, the JSON reader and the
    command line share its table and words.
    """
    return cast("MemberOf[E]", _member_rule(enum_type))


@functools.cache
def _member_rule(enum_type: type[E]) -> MemberOf[E]:
    expected = choices(enum_type)
    name = enum_type.__name__
    in_python = f"{'an' if name[0] in 'AEIOU' else 'a'} {name} or {expected}"

    def find(_instance: object, value: object) -> Problem | None:
        if type(value) is enum_type:
            return None
        return ArgumentProblem("$", in_python, value, "enum")

    return MemberOf(
        expected,
        "enum",
        frozen_schema({"enum": [member.value for member in enum_type]}),
        find,
        enum_type=enum_type,
        members=MappingProxyType({member.value: member for member in enum_type}),
        in_python=in_python,
    )


class _Optional(Rule):
    """A rule that also takes ``None`` (checked first, inline: most optional values are)."""

    __slots__ = ()

    def __call__(self, instance: Any, attribute: Any, value: Any) -> None:
        """Validate ``value`` as the attrs field ``attribute`` of ``instance``."""
        if value is not None:
            super().__call__(instance, attribute, value)


def optional(rule: Rule) -> Rule:
    """``rule``, or ``None``."""

    def find(instance: object, value: object) -> Problem | None:
        return None if value is None else rule.find(instance, value)

    schema = (
        None if rule.schema is None else frozen_schema({"anyOf": [dict(rule.schema), dict(_NULL)]})
    )
    return _Optional(rule.expected, rule.code, schema, find, rule.error)


def optional_member_of(enum_type: type[RankedEnum]) -> Rule:
    """Require ``None`` or a member of ``enum_type``."""
    return optional(member_of(enum_type))


# -- scalars ------------------------------------------------------------------------------


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: Require ``True`` or ``False`` (not 0, 1 or a string).
boolean: Final = simple("true or false", "type", {"type": "boolean"}, lambda v: type(v) is bool)

#: Require a string that is not blank (and has no lone surrogates: it must be UTF-8).
#: JSON Schema's ``\S`` is Python's ``str.strip`` whitespace.
text: Final = simple(
    "a non-empty UTF-8 string",
    "text",
    {"type": "string", "minLength": 1, "pattern": r"\S"},
    lambda v: isinstance(v, str) and bool(v.strip()) and (v.isascii() or _encodable(v)),
)

#: Require a string, possibly empty, without lone surrogates (it must be UTF-8).
any_text: Final = simple(
    "a UTF-8 string",
    "text",
    {"type": "string"},
    lambda v: isinstance(v, str) and (v.isascii() or _encodable(v)),
)


def json_pattern(pattern: re.Pattern[str] | str) -> str:
    """``pattern`` (compiled or its text), which rules fullmatch, anchored for JSON Schema."""
    return f"^(?:{pattern if isinstance(pattern, str) else pattern.pattern})$"


class Matches(Rule):
    """A string matching a pattern in full; ``noun`` and ``example`` word it for people."""

    __slots__ = ("example", "noun")

    noun: str
    example: str


def matches(pattern: re.Pattern[str], noun: str, example: str) -> Matches:
    """Require a string that matches ``pattern`` in full: a ``noun`` such as ``example``."""
    expected = f'a {noun} such as "{example}"'

    def find(_instance: object, value: object) -> Problem | None:
        if isinstance(value, str) and pattern.fullmatch(value) is not None:
            return None
        return Problem("$", expected, value, "pattern")

    return Matches(expected, "pattern", _pattern_schema(pattern), find, noun=noun, example=example)


def _pattern_schema(pattern: re.Pattern[str]) -> Mapping[str, Any]:
    return frozen_schema({"type": "string", "pattern": json_pattern(pattern)})


#: Require a modality id: a dotted lower-case slug such as ``massage.swedish``.
modality_id: Final = matches(ID_PATTERN, "dotted lower-case id", "massage.swedish")
#: Require a source key: a lower-case slug such as ``acp-2017``.
source_key: Final = matches(KEY_PATTERN, "lower-case source key", "acp-2017")
#: Require ``None`` or a modality id.
optional_modality_id: Final = optional(modality_id)
#: Require ``None`` or a source key.
optional_source_key: Final = optional(source_key)
#: The JSON Schema of a modality id.
MODALITY_ID_SCHEMA: Final = _pattern_schema(ID_PATTERN)


#: An exact decimal as a source prints it: an optional minus, digits, an optional fraction
#: (``-10.2``, ``0.62``, ``-7``); its JSON form is this string, so no digit is lost or added.
DECIMAL_PATTERN: Final = re.compile(r"-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,15})?")

#: Require ``None`` or a finite :class:`decimal.Decimal` (an exact figure as printed).
optional_decimal: Final = optional(
    simple(
        'an exact decimal such as "-10.2"',
        "decimal",
        _pattern_schema(DECIMAL_PATTERN),
        lambda v: type(v) is Decimal and v.is_finite(),
    )
)


def optional_int_in(low: int, high: int) -> Rule:
    """Require ``None`` or an ``int`` (not a bool) from ``low`` to ``high``."""
    return optional(
        simple(
            f"a whole number from {low} to {high}",
            "range",
            {"type": "integer", "minimum": low, "maximum": high},
            lambda v: type(v) is int and low <= v <= high,
        )
    )


def non_negative_number(
    code: str = "range", *, error: type[ValidationError] = ValidationError
) -> Rule:
    """Require a finite ``int`` or ``float`` (not a bool) from 0 up; ``code`` names the rule.

    A value that is not a number is a ``type`` problem ("a number"); a number that is
    negative, infinite or NaN breaks the rule itself. ``error`` picks the leaf class raised.
    """
    expected = "a finite, non-negative number"

    def find(_instance: object, value: object) -> Problem | None:
        if type(value) is bool or not isinstance(value, int | float):
            return Problem("$", "a number", value, "type")
        try:
            finite = math.isfinite(value)  # an int converts to a float here
        except OverflowError:
            return Problem("$", f"{expected} a float can hold", value, code)
        if not finite or value < 0:
            return Problem("$", expected, value, code)
        return None

    return Rule(expected, code, frozen_schema({"type": "number", "minimum": 0}), find, error)


# -- containers ---------------------------------------------------------------------------


def tuple_of(kind: type, description: str) -> Rule:
    """Require a tuple whose items are all instances of ``kind`` (a record type)."""
    expected = f"a tuple of {description}"

    def find(_instance: object, value: object) -> Problem | None:
        if not isinstance(value, tuple):
            return Problem("$", expected, value, "type")
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                return Problem(f"$[{index}]", description, item, "type")
        return None

    return Rule(expected, "type", None, find)


def instance_of(kind: type | tuple[type, ...], description: str) -> Rule:
    """Require an instance of ``kind``, or of one of several (record types: own schemas)."""
    return simple(description, "type", None, lambda v: isinstance(v, kind))


def _set_of(
    item: Rule, noun: str, items: str | None, min_size: int = 0, *, given: str = "a frozenset"
) -> Rule:
    """A frozenset of values ``item`` accepts; ``items`` words a bad item (its own if None).

    ``given`` words the containers the field's converter takes.
    """
    expected = f"{given} of {noun}"

    def find(instance: object, value: object) -> Problem | None:
        if not isinstance(value, frozenset):
            return ArgumentProblem("$", expected, value, "type")
        for member in value:
            problem = item.find(instance, member)
            if problem is not None:
                return problem if items is None else Problem("$", items, member, item.code)
        if len(value) < min_size:
            return Problem("$", f"{given} of at least {min_size} {noun}", [], "range")
        return None

    assert item.schema is not None  # noqa: S101 (sets hold scalars with a schema)
    schema: dict[str, Any] = {"type": "array", "items": dict(item.schema), "uniqueItems": True}
    if min_size:
        schema["minItems"] = min_size
    return Rule(expected, "type", frozen_schema(schema), find)


def frozenset_of(enum_type: type[RankedEnum], *, min_size: int = 0) -> Rule:
    """Require a frozenset of ``enum_type`` members, at least ``min_size`` of them.

    Its field's converter (:meth:`MemberOf.convert_set`) takes a set, list or tuple of
    members or value strings; a bad item is worded as the member rule words it.
    """
    return _set_of(
        member_of(enum_type),
        f"{enum_type.__name__} members or their values",
        None,
        min_size,
        given="a set, list or tuple",
    )


#: Require a frozenset of modality ids.
frozenset_of_ids: Final = _set_of(
    modality_id, "modality ids", f'modality ids such as "{modality_id.example}"'
)


def distinct_ids(*, other_than: str) -> Rule:
    """Require a non-empty tuple of distinct modality ids, none equal to the record's own.

    ``other_than`` names the record's field holding its own id: a programme built from
    itself is a ``component_cycle``, an id named twice a ``duplicate_id``.
    """
    expected = "a non-empty tuple of modality ids"
    distinct = "a distinct component other than the programme itself"

    def find(instance: object, value: object) -> Problem | None:
        if not isinstance(value, tuple) or not value:
            return Problem("$", expected, value, "type")
        own = getattr(instance, other_than, None)
        seen: set[str] = set()
        for index, item in enumerate(value):
            if not modality_id.accepts(item):
                return Problem(f"$[{index}]", "a modality id", item, "pattern")
            if item in seen or item == own:
                rule = "component_cycle" if item == own else "duplicate_id"
                return Problem(f"$[{index}]", distinct, item, rule)
            seen.add(item)
        return None

    schema = {
        "type": "array",
        "items": dict(MODALITY_ID_SCHEMA),
        "minItems": 1,
        "uniqueItems": True,
    }
    return Rule(expected, "type", frozen_schema(schema), find)


#: Require ``None`` or a frozenset of modality ids.
optional_frozenset_of_ids: Final = optional(frozenset_of_ids)


# -- converters: the member or its exact value (named functions, so type checkers see them) --
#
# mypy's attrs plugin reads an ``__init__`` parameter's type from its converter's first
# parameter, and only from a named function, so each enum field type has one here; each
# delegates a string to its enum's one rule (a member, the common case of reading JSON,
# passes straight through: a narrow pre-check in front of the same code).

_ACTIVITY: Final = member_of(Activity)
_ASSESSMENT_KIND: Final = member_of(AssessmentKind)
_CERTAINTY: Final = member_of(Certainty)
_COMPARATOR: Final = member_of(Comparator)
_CONDITION: Final = member_of(Condition)
_COVERAGE: Final = member_of(Coverage)
_CRITERION: Final = member_of(Criterion)
_DIRECTION: Final = member_of(Direction)
_EFFECT: Final = member_of(Effect)
_EXERCISE_FORM: Final = member_of(ExerciseForm)
_HORIZON: Final = member_of(Horizon)
_MASSAGE_TECHNIQUE: Final = member_of(MassageTechnique)
_MEASURE: Final = member_of(Measure)
_OUTCOME: Final = member_of(Outcome)
_PHASE: Final = member_of(Phase)
_PRECAUTION: Final = member_of(Precaution)
_STRENGTH: Final = member_of(Strength)


def to_activity(value: Activity | str) -> Activity:
    """An :class:`~painmodalities.Activity` field's converter."""
    return value if isinstance(value, Activity) else _ACTIVITY.convert(value)


def to_assessment_kind(value: AssessmentKind | str) -> AssessmentKind:
    """An :class:`~painmodalities.AssessmentKind` field's converter."""
    return value if isinstance(value, AssessmentKind) else _ASSESSMENT_KIND.convert(value)


def to_certainty(value: Certainty | str) -> Certainty:
    """A :class:`~painmodalities.Certainty` field's converter."""
    return value if isinstance(value, Certainty) else _CERTAINTY.convert(value)


def to_comparator(value: Comparator | str) -> Comparator:
    """A :class:`~painmodalities.Comparator` field's converter."""
    return value if isinstance(value, Comparator) else _COMPARATOR.convert(value)


def to_comparators(value: Members[Comparator]) -> frozenset[Comparator]:
    """A set-of-:class:`~painmodalities.Comparator` field's converter."""
    return _COMPARATOR.convert_set(value)


def to_condition(value: Condition | str) -> Condition:
    """A :class:`~painmodalities.Condition` field's converter."""
    return value if isinstance(value, Condition) else _CONDITION.convert(value)


def to_coverage(value: Coverage | str) -> Coverage:
    """A :class:`~painmodalities.Coverage` field's converter."""
    return value if isinstance(value, Coverage) else _COVERAGE.convert(value)


def to_criterion(value: Criterion | str) -> Criterion:
    """A :class:`~painmodalities.Criterion` field's converter."""
    return value if isinstance(value, Criterion) else _CRITERION.convert(value)


def to_direction(value: Direction | str) -> Direction:
    """A :class:`~painmodalities.Direction` field's converter."""
    return value if isinstance(value, Direction) else _DIRECTION.convert(value)


def to_effect(value: Effect | str) -> Effect:
    """An :class:`~painmodalities.Effect` field's converter."""
    return value if isinstance(value, Effect) else _EFFECT.convert(value)


def to_exercise_form(value: ExerciseForm | str) -> ExerciseForm:
    """An :class:`~painmodalities.ExerciseForm` field's converter."""
    return value if isinstance(value, ExerciseForm) else _EXERCISE_FORM.convert(value)


def to_horizon(value: Horizon | str) -> Horizon:
    """A :class:`~painmodalities.Horizon` field's converter."""
    return value if isinstance(value, Horizon) else _HORIZON.convert(value)


def to_massage_technique(value: MassageTechnique | str) -> MassageTechnique:
    """A :class:`~painmodalities.MassageTechnique` field's converter."""
    return value if isinstance(value, MassageTechnique) else _MASSAGE_TECHNIQUE.convert(value)


def to_measure(value: Measure | str) -> Measure:
    """A :class:`~painmodalities.Measure` field's converter."""
    return value if isinstance(value, Measure) else _MEASURE.convert(value)


def to_outcome(value: Outcome | str) -> Outcome:
    """An :class:`~painmodalities.Outcome` field's converter."""
    return value if isinstance(value, Outcome) else _OUTCOME.convert(value)


def to_phase(value: Phase | str) -> Phase:
    """A :class:`~painmodalities.Phase` field's converter."""
    return value if isinstance(value, Phase) else _PHASE.convert(value)


def to_precautions(value: Members[Precaution]) -> frozenset[Precaution]:
    """A set-of-:class:`~painmodalities.Precaution` field's converter."""
    return _PRECAUTION.convert_set(value)


def to_strength(value: Strength | str) -> Strength:
    """A :class:`~painmodalities.Strength` field's converter."""
    return value if isinstance(value, Strength) else _STRENGTH.convert(value)


def as_tuple(value: object) -> object:
    """Convert a list to a tuple so callers may pass either; other values pass through."""
    return tuple(value) if isinstance(value, list) else value


def as_frozenset(value: object) -> object:
    """Convert a list, tuple or set to a frozenset; other values pass through.

    A list or tuple holding an unhashable item passes through too, for the rule to refuse.
    """
    if not isinstance(value, list | tuple | set):
        return value
    try:
        return frozenset(value)
    except TypeError:
        return value


# -- the public boundary: a function's arguments checked by the records' own rules ----------


def argument(name: str, value: T, rule: Rule) -> T:
    """``value``, when ``rule`` accepts it as the public function's argument ``name``.

    The one argument check of the public API: the rule a record's field uses, its error
    at ``$.name`` (``$.without[0]`` for an item), worded for a Python caller (with the
    value's type, :class:`ArgumentProblem`).

    Raises:
        ValidationError: the rule's own error class, when ``rule`` refuses ``value``.
    """
    found = rule.find(None, value)
    if found is None:
        return value
    at = found.at(f"$.{name}")
    raise rule.error(ArgumentProblem(at.path, at.expected, at.value, at.rule))


def argument_of(name: str, value: object, kind: type[T], noun: str | None = None) -> T:
    """``value``, when it is a ``kind`` (``noun`` words it: ``a Ranking`` by default).

    Raises:
        ValidationError: at ``$.name`` (rule ``type``), for a value of another type.
    """
    if isinstance(value, kind):
        return value
    expected = noun or f"a {kind.__name__}"
    raise ValidationError(ArgumentProblem(f"$.{name}", expected, value, "type"))


def rules_of(kind: type) -> Iterable[tuple["attrs.Attribute[Any]", Rule]]:
    """The init fields of the attrs class ``kind`` that have a rule, with their rule."""
    for field in attrs.fields(kind):
        if field.init and isinstance(field.validator, Rule):
            yield field, field.validator


# -- pickling records with derived state --------------------------------------------------


def rebuild(kind: type[Any], fields: dict[str, Any]) -> Any:
    """Make ``kind(**fields)`` again: how records with derived indexes are unpickled."""
    return kind(**fields)


def reduce_by_init_fields(record: Any) -> tuple[Any, ...]:
    """Pickle ``record`` by its init fields only, so derived indexes and caches are rebuilt.

    Records with a derived index (a mapping proxy) or a private cache cannot be pickled
    slot by slot; rebuilding them also runs their validators again.
    """
    fields = {
        field.alias: getattr(record, field.name)
        for field in attrs.fields(type(record))
        if field.init
    }
    return (rebuild, (type(record), fields))
