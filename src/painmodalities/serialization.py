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
- Exact numbers (:class:`fractions.Fraction`: scores and their contributions) are written as
  strings such as ``"13/20"``, ``"0"`` or ``"1"``, which round-trip exactly; a score also
  carries ``value_float`` (``0.65``) for readers without rationals, checked on load.
- A ranking's options and exclusions carry an ``explanation`` (the library's plain-language
  text). It is output for people: on load it must be a string and is otherwise ignored;
  the object recomputes it. Every score in a ranking is recomputed on load and must match.
- An object with a repeated key is refused (the JSON standard leaves it undefined, and
  parsers disagree on which value wins). Documents over :data:`MAX_DOCUMENT_BYTES` bytes or
  nested deeper than :data:`MAX_DEPTH` arrays and objects are refused. A catalog is first
  tried by a fast reader (:mod:`painmodalities._fast_catalog`) that accepts only a
  well-formed catalog; anything else is read in detail, with the same errors.

>>> from painmodalities import PainType
>>> text = to_json(PainType.parse("neck:chronic"))
>>> text
'{"schema_version":"1.0","condition":"neck","phase":"chronic"}'
>>> from_json(text, PainType) == PainType.parse("neck:chronic")
True
"""

import functools
import math
import os
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
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

from painmodalities._json_text import MAX_DEPTH, MAX_DOCUMENT_BYTES, parse_json
from painmodalities.catalog import Catalog
from painmodalities.errors import (
    MISSING,
    Problem,
    UnsupportedVersionError,
    ValidationError,
)
from painmodalities.evidence import Finding, PainType, Recommendation, Source
from painmodalities.modalities import FAMILIES, Coding, Modality
from painmodalities.ranking import (
    Exclusion,
    Patient,
    RankedOption,
    Ranking,
    Reason,
    order_key,
)
from painmodalities.scoring import Contribution, Score, ScoringPolicy, Weights, score
from painmodalities.vocabulary import (
    Criterion,
    RankedEnum,
)

__all__ = [
    "DOCUMENT_TYPES",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_FRACTION_DIGITS",
    "SCHEMA_VERSION",
    "converter",
    "from_json",
    "load_catalog",
    "parse_json",
    "to_json",
]

T = TypeVar("T")

#: The format version this library writes. Documents of the same major version are read.
SCHEMA_VERSION: Final = "1.0"

#: Numerators and denominators of exact numbers have at most this many digits.
MAX_FRACTION_DIGITS: Final = 1000

#: Every document type by name, as ``painmodalities schema TYPE`` and the schema files name it.
DOCUMENT_TYPES: Final[Mapping[str, type]] = MappingProxyType(
    {
        "catalog": Catalog,
        "modality": Modality,
        "source": Source,
        "finding": Finding,
        "recommendation": Recommendation,
        "coding": Coding,
        "pain_type": PainType,
        "patient": Patient,
        "weights": Weights,
        "policy": ScoringPolicy,
        "score": Score,
        "contribution": Contribution,
        "ranking": Ranking,
        "ranked_option": RankedOption,
        "exclusion": Exclusion,
        "reason": Reason,
    }
)

_VERSION = re.compile(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})")
#: A version string for the JSON Schema: any minor of this major.
VERSION_PATTERN: Final = "^" + SCHEMA_VERSION.split(".", 1)[0] + r"\.(0|[1-9][0-9]{0,3})$"
_DIGITS = f"[1-9][0-9]{{0,{MAX_FRACTION_DIGITS - 1}}}"
_FRACTION = re.compile(rf"(0|{_DIGITS})(?:/({_DIGITS}))?")
#: The JSON Schema pattern of an exact number (a non-negative fraction).
FRACTION_PATTERN: Final = f"^(?:{_FRACTION.pattern})$"
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


def _structure_fraction(value: object, _: type) -> Fraction:
    found = _FRACTION.fullmatch(value) if type(value) is str else None
    if found is None:
        raise _problem(
            'an exact number from 0 up as a string such as "13/20" or "1"', value, "fraction"
        )
    numerator, denominator = found.groups()
    return Fraction(int(numerator), 1 if denominator is None else int(denominator))


def _unstructure_fraction(value: Fraction) -> str:
    return str(value)


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
        problems: list[Problem] = []
        for index, item in enumerate(value):
            try:
                member = structure_item(item, item_type)
            except ValidationError as error:
                problems += (problem.at(f"$[{index}]") for problem in error.problems)
                continue
            if member in items:
                problems.append(Problem(f"$[{index}]", "no repeated items", item, "duplicate"))
            items.add(member)
        if problems:
            raise ValidationError(problems)
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
    converter.register_structure_hook(Fraction, _structure_fraction)
    converter.register_unstructure_hook(Fraction, _unstructure_fraction)
    _register_derived(converter)
    return converter


# -- scores and rankings: derived keys, checked on load ----------------------------------


def _without(
    value: object, key: str, check: Callable[[object], Problem | None]
) -> tuple[dict[str, Any], list[Problem]]:
    """``value`` (an object) without the derived ``key``, and the problems ``check`` finds."""
    if type(value) is not dict:
        raise _problem("an object", value)
    if not key or key not in value:
        return value, []
    found = check(value[key])
    return {name: item for name, item in value.items() if name != key}, (
        [] if found is None else [found]
    )


def _text_explanation(value: object) -> Problem | None:
    if type(value) is str:
        return None
    return Problem("$.explanation", "a string (the explanation is recomputed)", value, "type")


def _float_value(value: object) -> Problem | None:
    if type(value) in (int, float) and math.isfinite(value):  # type: ignore[arg-type]
        return None
    return Problem("$.value_float", "a finite number", value, "number")


def _derived_hook(
    converter: cattrs.Converter,
    record_type: type[T],
    key: str,
    check: Callable[[object], Problem | None],
    consistent: Callable[[T, dict[str, Any]], list[Problem]],
) -> Callable[[object, type], T]:
    """Structure ``record_type`` from an object that may carry the derived ``key``."""
    structure_record = _record_hook(converter, record_type)

    def structure(value: object, _: type) -> T:
        fields, problems = _without(value, key, check)
        try:
            record = structure_record(fields, record_type)
        except ValidationError as error:
            raise _error_class_of(error, problems)(problems + list(error.problems)) from None
        problems += consistent(record, value)  # type: ignore[arg-type]
        if problems:
            raise ValidationError(problems)
        return record

    return structure


def _error_class_of(error: ValidationError, extra: list[Problem]) -> type[ValidationError]:
    return type(error) if not extra else ValidationError


def _in_unit(path: str, value: Fraction) -> list[Problem]:
    if 0 <= value <= 1:
        return []
    return [Problem(path, "an exact number from 0 to 1", str(value), "range")]


def _contribution_problems(part: Contribution, _: object = None) -> list[Problem]:
    problems = _in_unit("$.raw", part.raw) + _in_unit("$.share", part.share)
    if part.value not in (part.share * part.raw, 0):
        problems.append(
            Problem(
                "$.value",
                f"share x raw ({part.share * part.raw}), or 0 when the evidence gate is closed",
                str(part.value),
                "contribution",
            )
        )
    return problems


def _score_problems(result: Score, document: Mapping[str, Any]) -> list[Problem]:
    problems = _in_unit("$.value", result.value)
    criteria = tuple(part.criterion for part in result.contributions)
    if criteria != tuple(Criterion):
        problems.append(
            Problem(
                "$.contributions",
                "one contribution per criterion, in the order "
                + ", ".join(criterion.value for criterion in Criterion),
                [criterion.value for criterion in criteria],
                "contributions",
            )
        )
    total = sum((part.value for part in result.contributions), Fraction(0))
    if total != result.value:
        problems.append(
            Problem("$.value", f"the sum of the contributions ({total})", str(result.value), "sum")
        )
    if not result.has_benefit and total != 0:
        problems.append(
            Problem(
                "$.has_benefit",
                "true, since the contributions are not all 0",
                result.has_benefit,
                "evidence_gate",
            )
        )
    given = document.get("value_float", float(result.value))
    if _float_value(given) is None and given != float(result.value):
        problems.append(
            Problem(
                "$.value_float",
                f"the float nearest to value {result.value} ({float(result.value)!r})",
                given,
                "value_float",
            )
        )
    return problems


def _option_problems(option: RankedOption, _: object = None) -> list[Problem]:
    problems: list[Problem] = []
    if option.rank < 1:
        problems.append(Problem("$.rank", "a rank of 1 or more", option.rank, "range"))
    if option.score.modality_id != option.modality.id:
        problems.append(
            Problem(
                "$.score.modality_id",
                f'the option\'s modality id "{option.modality.id}"',
                option.score.modality_id,
                "score",
            )
        )
    return problems


def _exclusion_problems(exclusion: Exclusion, _: object = None) -> list[Problem]:
    if exclusion.reasons:
        return []
    return [Problem("$.reasons", "at least one reason", [], "reasons")]


def _ranking_problems(ranking: Ranking, _: object = None) -> list[Problem]:
    """Check a loaded ranking against what :func:`~painmodalities.rank` computes."""
    problems: list[Problem] = []
    seen: set[str] = set()
    keys: list[tuple[bool, Any, bool, str] | None] = []
    for index, option in enumerate(ranking.options):
        at = f"$.options[{index}]"
        modality = option.modality
        if option.rank != index + 1:
            problems.append(
                Problem(f"{at}.rank", f"{index + 1} (ranks are 1, 2, 3... in order)", option.rank)
            )
        if modality.id in seen:
            problems.append(
                Problem(f"{at}.modality.id", "a unique id", modality.id, "duplicate_id")
            )
        seen.add(modality.id)
        if ranking.patient.reasons_against(modality):
            problems.append(
                Problem(
                    f"{at}.modality.id",
                    "an option the patient's constraints allow (it belongs in excluded)",
                    modality.id,
                    "excluded_option",
                )
            )
        expected = score(modality, ranking.pain_type, ranking.weights, ranking.policy)
        if option.score != expected:
            problems.append(
                Problem(
                    f"{at}.score",
                    f"the score the library computes for this modality ({expected.value})",
                    str(option.score.value),
                    "score",
                )
            )
            keys.append(None)
        else:
            keys.append(order_key(modality, expected))
    for index in range(1, len(keys)):
        before, current = keys[index - 1], keys[index]
        if before is not None and current is not None and current < before:
            problems.append(
                Problem(
                    f"$.options[{index}]",
                    "options in ranking order (evidence of benefit, score, active, id)",
                    ranking.options[index].modality.id,
                    "order",
                )
            )
    for index, exclusion in enumerate(ranking.excluded):
        at = f"$.excluded[{index}]"
        if exclusion.modality.id in seen:
            problems.append(
                Problem(f"{at}.modality.id", "a unique id", exclusion.modality.id, "duplicate_id")
            )
        seen.add(exclusion.modality.id)
        reasons = ranking.patient.reasons_against(exclusion.modality)
        if exclusion.reasons != reasons:
            problems.append(
                Problem(
                    f"{at}.reasons",
                    "the patient's reasons against this modality: "
                    + ("; ".join(reason.detail for reason in reasons) or "none"),
                    [reason.detail for reason in exclusion.reasons],
                    "reasons",
                )
            )
    named = ranking.patient.exclude | (ranking.patient.covered or frozenset())
    problems += [
        Problem(
            "$.patient",
            "ids of modalities in the ranking's options or exclusions",
            unknown,
            "unknown_modality",
        )
        for unknown in sorted(named - seen)
    ]
    return problems


def _with_explanation(
    converter: cattrs.Converter, record_type: type[RankedOption] | type[Exclusion]
) -> Callable[[Any], dict[str, Any]]:
    unstructure_record = cattrs.gen.make_dict_unstructure_fn(record_type, converter)

    def unstructure(record: RankedOption | Exclusion) -> dict[str, Any]:
        return {**unstructure_record(record), "explanation": record.explain()}

    return unstructure


def _score_unstructure(converter: cattrs.Converter) -> Callable[[Score], dict[str, Any]]:
    unstructure_record = cattrs.gen.make_dict_unstructure_fn(Score, converter)

    def unstructure(result: Score) -> dict[str, Any]:
        body = unstructure_record(result)
        return {
            "modality_id": body.pop("modality_id"),
            "pain_type": body.pop("pain_type"),
            "value": body.pop("value"),
            "value_float": float(result.value),
            **body,
        }

    return unstructure


def _exactly(record_type: type) -> Callable[[Any], bool]:
    return lambda kind: kind is record_type


def _always(hook: Callable[[object, type], Any]) -> Callable[[Any], Any]:
    return lambda _kind: hook


def _register_derived(converter: cattrs.Converter) -> None:
    """Hooks of the records with derived or checked-on-load fields (scores, rankings)."""
    derived: list[tuple[type[Any], str, Any, Any]] = [
        (Contribution, "", None, _contribution_problems),
        (Score, "value_float", _float_value, _score_problems),
        (RankedOption, "explanation", _text_explanation, _option_problems),
        (Exclusion, "explanation", _text_explanation, _exclusion_problems),
        (Ranking, "", None, _ranking_problems),
    ]
    for record_type, key, check, consistent in derived:
        hook = _derived_hook(converter, record_type, key, check or _text_explanation, consistent)
        converter.register_structure_hook_factory(_exactly(record_type), _always(hook))
    converter.register_unstructure_hook(Score, _score_unstructure(converter))
    for record_type in (RankedOption, Exclusion):
        converter.register_unstructure_hook(record_type, _with_explanation(converter, record_type))


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


def _read(source: str | bytes | os.PathLike[str]) -> str | bytes:
    if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        return source
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if not isinstance(source, str | os.PathLike):
        raise _problem("a path or JSON text", type(source).__name__)
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise _problem(f"a document of at most {MAX_DOCUMENT_BYTES} bytes", size, "size")
        return path.read_bytes()
    except OSError as error:
        raise _problem("a readable catalog file", f"{path}: {error.strerror}", "file") from None


def load_catalog(
    source: str | bytes | os.PathLike[str],
    *,
    base: Catalog | None = None,
    replace: bool = False,
) -> Catalog:
    """Load a catalog document from a file or from JSON text, optionally on top of ``base``.

    ``source`` is JSON text when it is ``bytes`` or a ``str`` starting with ``{`` (after
    white space), and otherwise a path to a file.

    Without ``base`` the document must be a whole catalog: every cited source and every
    component in it. With ``base`` (usually :func:`~painmodalities.default_catalog`) it
    may be partial: it may cite the base's sources and use the base's modalities as
    components, and the result is ``base.extend(...)`` (see :meth:`Catalog.extend`):
    a modality whose id the base uses is an error unless ``replace`` is true; a source
    whose key the base uses must be equal to the base's; programmes are re-assembled.
    A programme in a partial document may leave out its findings; they come from its
    components.

    >>> from painmodalities import default_catalog
    >>> mine = (
    ...     '{"schema_version": "1.0", "modalities": [{"kind": "acupuncture",'
    ...     ' "id": "acupuncture.electro", "name": "Electroacupuncture", "activity": "passive"}]}'
    ... )
    >>> load_catalog(mine, base=default_catalog()).ids[-2:]
    ('physical_agent.tens', 'acupuncture.electro')

    Raises:
        ValidationError: listing every problem found, each with its JSON path: malformed
            JSON, bad fields, clashing ids or sources, dangling references.
        UnsupportedVersionError: for a document of a newer major version.
    """
    text = _read(source)
    if base is None:
        return from_json(text, Catalog)
    if not isinstance(base, Catalog):
        raise ValidationError(Problem("$.base", "a Catalog", type(base).__name__, "type"))
    document = parse_json(text)
    if type(document) is not dict:
        raise _problem("a JSON object", document)
    _check_version(document)
    problems = [
        Problem(f"$.{key}", 'only the keys "modalities" and "sources"', key, "extra_key")
        for key in document
        if key not in ("schema_version", "modalities", "sources")
    ]
    parts: dict[str, tuple[Any, ...]] = {}
    for key, kind in (("modalities", tuple[Modality, ...]), ("sources", tuple[Source, ...])):
        try:
            parts[key] = converter().structure(document.get(key, []), kind)
        except ValidationError as error:
            problems += (problem.at(f"$.{key}") for problem in error.problems)
    if problems:
        raise ValidationError(problems)
    return base.extend(parts["modalities"], sources=parts["sources"], replace=replace)
