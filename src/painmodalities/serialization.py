"""JSON in and out: one strict cattrs converter, and :func:`to_json` / :func:`from_json`.

Wire rules:

- Every document is a JSON object with ``schema_version`` (``"MAJOR.MINOR"``) first.
  A document of a newer major version than :data:`SCHEMA_VERSION` is refused.
- Enums are written as their string values; records as objects whose keys are the attrs
  field names; tuples as arrays; frozensets as arrays sorted by rank, without duplicates.
- Modality families are told apart by a ``kind`` tag (``"massage"``, ``"exercise"``, ...).
- Nothing is coerced: ``"1"`` is not ``1``, ``1`` is not ``true``, a string is not a list.
  NaN and infinity are refused, and so are unknown keys and missing required keys.
- Every error is a :class:`~painmodalities.errors.ValidationError` listing each problem
  with the JSON path to the bad value, such as ``$.modalities[3].findings[0].certainty``.

>>> from painmodalities import PainType
>>> text = to_json(PainType.parse("neck:chronic"))
>>> text
'{"schema_version":"1.0","condition":"neck","phase":"chronic"}'
>>> from_json(text, PainType) == PainType.parse("neck:chronic")
True
"""

import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs
import orjson
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)
from cattrs.preconf.orjson import make_converter

from painmodalities.errors import (
    MISSING,
    Problem,
    UnsupportedVersionError,
    ValidationError,
)
from painmodalities.modalities import FAMILIES, Modality
from painmodalities.vocabulary import RankedEnum

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "SCHEMA_VERSION",
    "converter",
    "from_json",
    "to_json",
]

T = TypeVar("T")

#: The format version this library writes. Documents of the same major version are read.
SCHEMA_VERSION: Final = "1.0"
#: Documents larger than this many bytes are refused before parsing.
MAX_DOCUMENT_BYTES: Final = 64 * 1024 * 1024
#: Documents nested deeper than this many arrays and objects are refused.
MAX_DEPTH: Final = 32

_VERSION = re.compile(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})")
_KINDS: Final = {family.kind: family for family in FAMILIES}


def _problem(expected: str, value: object, rule: str = "type") -> ValidationError:
    return ValidationError(Problem("$", expected, value, rule))


# -- strict scalar hooks -----------------------------------------------------------------


def _structure_str(value: object, _: type) -> str:
    if type(value) is not str:
        raise _problem("a string", value)
    return value


def _structure_int(value: object, _: type) -> int:
    if type(value) is not int:
        raise _problem("a whole number", value)
    return value


def _structure_float(value: object, _: type) -> float:
    if type(value) not in (int, float):
        raise _problem("a number", value)
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise _problem("a finite number", value, "number")
    return number


def _structure_bool(value: object, _: type) -> bool:
    if type(value) is not bool:
        raise _problem("true or false", value)
    return value


def _enum_hook(enum_type: type[RankedEnum]) -> Callable[[object, type], RankedEnum]:
    members = {member.value: member for member in enum_type}
    expected = "one of " + ", ".join(f'"{value}"' for value in members)

    def structure(value: object, _: type) -> RankedEnum:
        member = members.get(value) if type(value) is str else None
        if member is None:
            raise _problem(expected, value, "enum")
        return member

    return structure


# -- containers --------------------------------------------------------------------------


def _tuple_hook(
    converter: cattrs.Converter, tuple_type: Any
) -> Callable[[object, type], tuple[Any, ...]]:
    item_type = get_args(tuple_type)[0]
    structure_item = converter.get_structure_hook(item_type)

    def structure(value: object, _: type) -> tuple[Any, ...]:
        if type(value) is not list:
            raise _problem("an array", value)
        items: list[Any] = []
        problems: list[Problem] = []
        for index, item in enumerate(value):
            try:
                items.append(structure_item(item, item_type))
            except ValidationError as error:
                problems += (problem.at(f"$[{index}]") for problem in error.problems)
        if problems:
            raise ValidationError(problems)
        return tuple(items)

    return structure


def _frozenset_hook(
    converter: cattrs.Converter, set_type: Any
) -> Callable[[object, type], frozenset[Any]]:
    item_type = get_args(set_type)[0]
    structure_item = converter.get_structure_hook(item_type)

    def structure(value: object, _: type) -> frozenset[Any]:
        if type(value) is not list:
            raise _problem("an array", value)
        items: set[Any] = set()
        for index, item in enumerate(value):
            try:
                member = structure_item(item, item_type)
            except ValidationError as error:
                raise error.at(f"$[{index}]") from None
            if member in items:
                raise ValidationError(
                    Problem(f"$[{index}]", "no repeated items", item, "duplicate")
                )
            items.add(member)
        return frozenset(items)

    return structure


def _sort_key(item: object) -> tuple[int, str]:
    return (item.rank, "") if isinstance(item, RankedEnum) else (0, str(item))


def _unstructure_frozenset(value: frozenset[Any]) -> list[Any]:
    return [
        item.value if isinstance(item, RankedEnum) else item
        for item in sorted(value, key=_sort_key)
    ]


# -- records -----------------------------------------------------------------------------


def _translate(error: BaseException, path: str) -> list[Problem]:
    """Flatten a cattrs error tree into problems with JSON paths."""
    if isinstance(error, ValidationError):
        return [problem.at(path) for problem in error.problems]
    if isinstance(error, ForbiddenExtraKeysError):
        return [
            Problem(f"{path}.{key}", "only the keys the record defines", key, "extra_key")
            for key in sorted(error.extra_fields)
        ]
    if isinstance(error, cattrs.BaseValidationError):
        problems: list[Problem] = []
        for inner in error.exceptions:
            inner_path = path
            for note in getattr(inner, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    inner_path = f"{path}.{note.name}"
                elif isinstance(note, IterableValidationNote):
                    inner_path = f"{path}[{note.index}]"
            if isinstance(inner, KeyError) and not isinstance(inner, ValidationError):
                problems.append(Problem(inner_path, "a value (required)", MISSING, "required"))
            else:
                problems += _translate(inner, inner_path)
        return problems
    return [Problem(path, "a valid value", f"{type(error).__name__}: {error}", "invalid")]


def _error_class(error: BaseException) -> type[ValidationError]:
    """The most specific library error class shared by every leaf of a cattrs error tree."""
    leaves: set[type[ValidationError]] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if isinstance(current, ValidationError):
            leaves.add(type(current))
        elif isinstance(current, cattrs.BaseValidationError):
            pending.extend(current.exceptions)
        else:
            return ValidationError
    return leaves.pop() if len(leaves) == 1 else ValidationError


def _record_hook(converter: cattrs.Converter, record_type: type[T]) -> Callable[[object, type], T]:
    generated = cattrs.gen.make_dict_structure_fn(
        record_type,
        converter,
        _cattrs_forbid_extra_keys=True,
        _cattrs_detailed_validation=True,
    )

    def structure(value: object, _: type) -> T:
        if type(value) is not dict:
            raise _problem("an object", value)
        try:
            return generated(value, record_type)
        except ValidationError:
            raise
        except (cattrs.BaseValidationError, ForbiddenExtraKeysError) as error:
            raise _error_class(error)(_translate(error, "$")) from None

    return structure


def _family_hook(
    converter: cattrs.Converter, family: type[Modality]
) -> Callable[[object, type], Modality]:
    """Structure one family, requiring its own ``kind`` tag."""
    record = _record_hook(converter, family)

    def structure(value: object, _: type) -> Modality:
        if type(value) is not dict:
            raise _problem("an object", value)
        kind = value.get("kind", MISSING)
        if kind != family.kind:
            rule = "required" if kind is MISSING else "enum"
            raise ValidationError(Problem("$.kind", f'"{family.kind}"', kind, rule))
        return record({key: item for key, item in value.items() if key != "kind"}, family)

    return structure


def _modality_hook(converter: cattrs.Converter) -> Callable[[object, type], Modality]:
    """Structure any family, chosen by the ``kind`` tag."""
    expected = "one of " + ", ".join(f'"{kind}"' for kind in _KINDS)

    def structure(value: object, _: type) -> Modality:
        if type(value) is not dict:
            raise _problem("an object", value)
        kind = value.get("kind", MISSING)
        family = _KINDS.get(kind) if type(kind) is str else None
        if family is None:
            rule = "required" if kind is MISSING else "enum"
            raise ValidationError(Problem("$.kind", expected, kind, rule))
        return converter.structure(value, family)

    return structure


def _modality_unstructure(converter: cattrs.Converter) -> Callable[[Modality], dict[str, Any]]:
    by_family = {
        family: cattrs.gen.make_dict_unstructure_fn(family, converter) for family in FAMILIES
    }

    def unstructure(modality: Modality) -> dict[str, Any]:
        family = type(modality)
        if family not in by_family:
            by_family[family] = cattrs.gen.make_dict_unstructure_fn(family, converter)
        return {"kind": modality.kind, **by_family[family](modality)}

    return unstructure


def _origin(kind: Any) -> Any:
    return get_origin(kind)


def _is_modality(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Modality)


def _is_record(kind: Any) -> bool:
    return attrs.has(kind) and not _is_modality(kind)


def make_strict_converter() -> cattrs.Converter:
    """Build the library's converter: strict scalars, tagged modalities, paths on errors."""
    converter = make_converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook_factory(
        lambda kind: isinstance(kind, type) and issubclass(kind, RankedEnum), _enum_hook
    )
    converter.register_structure_hook_factory(
        lambda kind: _origin(kind) is tuple, lambda kind: _tuple_hook(converter, kind)
    )
    converter.register_structure_hook_factory(
        lambda kind: _origin(kind) is frozenset, lambda kind: _frozenset_hook(converter, kind)
    )
    converter.register_unstructure_hook_factory(
        lambda kind: _origin(kind) is frozenset, lambda _kind: _unstructure_frozenset
    )
    converter.register_structure_hook_factory(
        lambda kind: kind is Modality, lambda _kind: _modality_hook(converter)
    )
    converter.register_structure_hook_factory(
        lambda kind: _is_modality(kind) and kind is not Modality,
        lambda kind: _family_hook(converter, kind),
    )
    converter.register_structure_hook_factory(
        _is_record, lambda kind: _record_hook(converter, kind)
    )
    family_unstructure = _modality_unstructure(converter)
    converter.register_unstructure_hook_func(_is_modality, family_unstructure)
    return converter


@functools.cache
def converter() -> cattrs.Converter:
    """The library's shared converter (built on first use; hooks never change after)."""
    return make_strict_converter()


# -- documents ---------------------------------------------------------------------------


def to_json(obj: object, *, indent: bool = False) -> str:
    """Write an attrs record of the library as a versioned JSON document.

    Output is deterministic: the same object gives the same text in every process.
    """
    if not attrs.has(type(obj)):
        raise TypeError(f"to_json writes the library's records, not {type(obj).__name__}")
    body = converter().unstructure(obj)
    document = {"schema_version": SCHEMA_VERSION, **body}
    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(document, option=option).decode("utf-8")


def _check_version(document: Mapping[str, Any]) -> None:
    version = document.get("schema_version", MISSING)
    if version is MISSING:
        raise ValidationError(
            Problem(
                "$.schema_version", f'a version such as "{SCHEMA_VERSION}"', MISSING, "required"
            )
        )
    found = _VERSION.fullmatch(version) if type(version) is str else None
    if found is None:
        raise ValidationError(
            Problem("$.schema_version", '"MAJOR.MINOR", such as "1.0"', version, "version")
        )
    supported = int(SCHEMA_VERSION.split(".", 1)[0])
    if int(found.group(1)) != supported:
        raise UnsupportedVersionError(
            Problem(
                "$.schema_version",
                f"major version {supported} (this library reads {SCHEMA_VERSION}; "
                "upgrade painmodalities to read newer documents)",
                version,
                "version",
            )
        )


def parse_json(text: str | bytes) -> object:
    """Parse JSON text within the size limit, as a :class:`ValidationError` on failure."""
    if not isinstance(text, str | bytes | bytearray | memoryview):
        raise _problem("JSON text (str or bytes)", type(text).__name__)
    if len(text) > MAX_DOCUMENT_BYTES:
        raise _problem(f"a document of at most {MAX_DOCUMENT_BYTES} bytes", len(text), "size")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise _problem("valid JSON", str(error), "json") from None


def structure_document(document: object, kind: type[T]) -> T:
    """Read a parsed JSON document (with its ``schema_version``) into ``kind``."""
    if type(document) is not dict:
        raise _problem("a JSON object", document)
    _check_version(document)
    body = {key: value for key, value in document.items() if key != "schema_version"}
    return converter().structure(body, kind)


def from_json(text: str | bytes, kind: type[T]) -> T:
    """Read a versioned JSON document into ``kind`` (``Catalog``, ``Modality``, ...).

    Raises:
        ValidationError: with the path and value of every problem, for malformed JSON,
            a wrong type, an unknown enum value or key, a missing key, NaN, or a value
            that breaks a rule of ``kind``.
        UnsupportedVersionError: for a document of a newer major version.
    """
    return structure_document(parse_json(text), kind)
