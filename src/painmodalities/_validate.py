"""Field validators shared by the domain records.

Each one raises :class:`~painmodalities.errors.ValidationError` with the field's JSON path
(``$.field``), so that a loader can move the path under the document position it is at.
They are strict on purpose: no string is taken for an enum, no ``True`` for a number.

Each validator also states its rule as a JSON Schema fragment (:func:`schema_of`), so that
:mod:`painmodalities.schema` and the validators share one set of constants.
"""

import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import attrs

from painmodalities.errors import Problem, ValidationError
from painmodalities.vocabulary import RankedEnum

Validator = Callable[[Any, Any, Any], None]
V = TypeVar("V", bound=Callable[..., None])

_SCHEMA_ATTRIBUTE = "json_schema"

#: Modality ids are dotted lower-case slugs: ``massage.swedish``, ``acupuncture``.
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
#: Source keys are lower-case slugs with dashes: ``cochrane-massage-2015``.
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]*")

MAX_SESSION_MINUTES = 24 * 60
#: The years a source may have been published in.
MIN_YEAR, MAX_YEAR = 1900, 2100
#: JSON Schema pattern of text that is not blank (Python's ``str.strip`` whitespace).
NOT_BLANK_PATTERN = r"\S"


def stated(schema: Mapping[str, Any]) -> Callable[[V], V]:
    """Attach ``schema``, the JSON Schema fragment a validator enforces, to the validator.

    The fragment is read-only and costs nothing when the validator runs.
    """
    frozen = MappingProxyType(dict(schema))

    def attach(check: V) -> V:
        check.__dict__[_SCHEMA_ATTRIBUTE] = frozen
        return check

    return attach


def schema_of(check: object) -> Mapping[str, Any] | None:
    """The JSON Schema fragment ``check`` states, or ``None`` for a validator that states none."""
    found = getattr(check, _SCHEMA_ATTRIBUTE, None)
    return found if isinstance(found, Mapping) else None


def json_pattern(pattern: re.Pattern[str]) -> str:
    """``pattern``, which validators use with ``fullmatch``, anchored for JSON Schema."""
    return f"^(?:{pattern.pattern})$"


def enum_schema(enum_type: type[RankedEnum]) -> dict[str, Any]:
    """The JSON Schema of an enum's values, in rank order."""
    return {"enum": [member.value for member in enum_type]}


def fail(name: str, expected: str, value: object, rule: str = "invalid") -> ValidationError:
    """The error for field ``name`` holding ``value`` where ``expected`` was wanted."""
    return ValidationError(Problem(f"$.{name}", expected, value, rule))


def choices(enum_type: type[RankedEnum]) -> str:
    """``one of "a", "b"`` for an enum, in rank order."""
    return "one of " + ", ".join(f'"{member.value}"' for member in enum_type)


def member_of(enum_type: type[RankedEnum]) -> Validator:
    """Require a member of ``enum_type`` (its value string is not enough)."""

    @stated(enum_schema(enum_type))
    def check(_instance: object, attribute: Any, value: Any) -> None:
        if type(value) is not enum_type:
            raise fail(attribute.name, choices(enum_type), value, "enum")

    return check


def optional_member_of(enum_type: type[RankedEnum]) -> Validator:
    """Require ``None`` or a member of ``enum_type``."""
    inner = member_of(enum_type)

    @stated({"anyOf": [enum_schema(enum_type), {"type": "null"}]})
    def check(instance: object, attribute: Any, value: Any) -> None:
        if value is not None:
            inner(instance, attribute, value)

    return check


def instance_of(kind: type, description: str) -> Validator:
    """Require an instance of ``kind``."""

    def check(_instance: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, kind):
            raise fail(attribute.name, description, value, "type")

    return check


@stated({"type": "boolean"})
def boolean(_instance: object, attribute: Any, value: Any) -> None:
    """Require ``True`` or ``False`` (not 0, 1 or a string)."""
    if type(value) is not bool:
        raise fail(attribute.name, "true or false", value, "type")


def _encodable(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@stated({"type": "string", "minLength": 1, "pattern": NOT_BLANK_PATTERN})
def text(_instance: object, attribute: Any, value: Any) -> None:
    """Require a string that is not blank (and has no lone surrogates: it must be UTF-8)."""
    if not isinstance(value, str) or not value.strip() or not _encodable(value):
        raise fail(attribute.name, "a non-empty UTF-8 string", value, "text")


@stated({"type": "string"})
def any_text(_instance: object, attribute: Any, value: Any) -> None:
    """Require a string, possibly empty, without lone surrogates (it must be UTF-8)."""
    if not isinstance(value, str) or not _encodable(value):
        raise fail(attribute.name, "a UTF-8 string", value, "text")


def matches(pattern: re.Pattern[str], description: str) -> Validator:
    """Require a string that matches ``pattern`` in full."""

    @stated({"type": "string", "pattern": json_pattern(pattern)})
    def check(_instance: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            raise fail(attribute.name, description, value, "pattern")

    return check


#: Require a modality id: a dotted lower-case slug such as ``massage.swedish``.
modality_id: Validator = matches(ID_PATTERN, 'a dotted lower-case id such as "massage.swedish"')
#: Require a source key: a lower-case slug such as ``cochrane-massage-2015``.
source_key: Validator = matches(KEY_PATTERN, 'a lower-case source key such as "acp-2017"')
#: The JSON Schema of a modality id.
MODALITY_ID_SCHEMA: Mapping[str, Any] = MappingProxyType(
    {"type": "string", "pattern": json_pattern(ID_PATTERN)}
)


@stated({"anyOf": [dict(MODALITY_ID_SCHEMA), {"type": "null"}]})
def optional_modality_id(instance: object, attribute: Any, value: Any) -> None:
    """Require ``None`` or a modality id."""
    if value is not None:
        modality_id(instance, attribute, value)


@stated({"anyOf": [{"type": "string", "pattern": json_pattern(KEY_PATTERN)}, {"type": "null"}]})
def optional_source_key(instance: object, attribute: Any, value: Any) -> None:
    """Require ``None`` or a source key."""
    if value is not None:
        source_key(instance, attribute, value)


def optional_int_in(low: int, high: int) -> Validator:
    """Require ``None`` or an ``int`` (not a bool) from ``low`` to ``high``."""

    @stated({"anyOf": [{"type": "integer", "minimum": low, "maximum": high}, {"type": "null"}]})
    def check(_instance: object, attribute: Any, value: Any) -> None:
        if value is None:
            return
        if type(value) is not int or not low <= value <= high:
            raise fail(attribute.name, f"a whole number from {low} to {high}", value, "range")

    return check


@stated({"anyOf": [{"type": "number"}, {"type": "null"}]})
def optional_finite(_instance: object, attribute: Any, value: Any) -> None:
    """Require ``None`` or a finite real number (not a bool)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise fail(attribute.name, "a finite number", value, "number")


def tuple_of(kind: type, description: str) -> Validator:
    """Require a tuple whose items are all instances of ``kind``."""

    def check(_instance: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, tuple):
            raise fail(attribute.name, f"a tuple of {description}", value, "type")
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise ValidationError(
                    Problem(f"$.{attribute.name}[{index}]", description, item, "type")
                )

    return check


def frozenset_of(enum_type: type[RankedEnum]) -> Validator:
    """Require a frozenset of ``enum_type`` members."""

    @stated({"type": "array", "items": enum_schema(enum_type), "uniqueItems": True})
    def check(_instance: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, frozenset):
            raise fail(attribute.name, f"a frozenset of {enum_type.__name__}", value, "type")
        for item in value:
            if type(item) is not enum_type:
                raise fail(attribute.name, f"members {choices(enum_type)}", item, "enum")

    return check


@stated({"type": "array", "items": dict(MODALITY_ID_SCHEMA), "uniqueItems": True})
def frozenset_of_ids(_instance: object, attribute: Any, value: Any) -> None:
    """Require a frozenset of modality ids."""
    if not isinstance(value, frozenset):
        raise fail(attribute.name, "a frozenset of modality ids", value, "type")
    for item in value:
        if not isinstance(item, str) or ID_PATTERN.fullmatch(item) is None:
            raise fail(attribute.name, 'modality ids such as "massage.swedish"', item, "pattern")


def as_tuple(value: object) -> object:
    """Convert a list to a tuple so callers may pass either; other values pass through."""
    return tuple(value) if isinstance(value, list) else value


def as_frozenset(value: object) -> object:
    """Convert a list, tuple or set to a frozenset; other values pass through."""
    return frozenset(value) if isinstance(value, list | tuple | set) else value


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
