"""Records <-> JSON values: the one strict cattrs converter of the library.

Its hooks only map shapes: a string to its enum member, an array to a tuple or a set, an
object to a record, a ``kind`` tag to a modality family, a ``"13/20"`` string to an exact
number, a ``"-10.2"`` string to an exact decimal (as the source printed it).
Nothing is coerced (``"1"`` is not ``1``, ``1`` is not ``true``), and nothing the
records' validators check is checked again here: each record is validated once, when it is
built, and its problems (at ``$.field``) are moved under the position being read. Every
problem found in an object is reported, each with its JSON path.

Only the records of the core below scoring are imported here; scores and rankings are read
by the generic record hook, and :mod:`painmodalities.serialization` adds what their JSON
carries beyond their fields.
"""

import functools
import re
import types
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, TypeVar, Union, get_args, get_origin

import attrs
import cattrs

from painmodalities import _rules as check
from painmodalities.errors import MISSING, Problem, ValidationError, invalid
from painmodalities.evidence import PainType, shared_pain_type
from painmodalities.modalities import FAMILIES, Modality
from painmodalities.vocabulary import Condition, Phase, RankedEnum

__all__ = ["FRACTION_PATTERN", "MAX_FRACTION_DIGITS", "converter", "make_strict_converter"]

T = TypeVar("T")

#: Numerators and denominators of exact numbers have at most this many digits.
MAX_FRACTION_DIGITS: Final = 1000
_DIGITS = f"[1-9][0-9]{{0,{MAX_FRACTION_DIGITS - 1}}}"
# Compiled on first use (by the ``re`` module's cache): the built-in catalog has no fraction.
_FRACTION = rf"(0|{_DIGITS})(?:/({_DIGITS}))?"
#: The JSON Schema pattern of an exact number (a non-negative fraction).
FRACTION_PATTERN: Final = check.json_pattern(_FRACTION)
_KINDS: Final = {family.kind: family for family in FAMILIES}


def _problem(expected: str, value: object, rule: str = "type") -> ValidationError:
    return invalid("$", expected, value, rule)


# -- scalars: only the JSON type is checked here ------------------------------------------


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
    return value  # type: ignore[return-value] # an int stays exact; the record checks it


def _structure_bool(value: object, _: type) -> bool:
    if type(value) is not bool:
        raise _problem("true or false", value)
    return value


def _enum_hook(enum_type: type[RankedEnum]) -> Callable[[object, type], RankedEnum]:
    rule = check.member_of(enum_type)
    members = rule.members  # the rule's own table, read inline: the hot path of loading

    def structure(value: object, _: type) -> RankedEnum:
        member = members.get(value) if type(value) is str else None
        if member is None:
            raise _problem(rule.expected, value, rule.code)
        return member

    return structure


def _structure_fraction(value: object, _: type) -> Fraction:
    found = re.fullmatch(_FRACTION, value) if type(value) is str else None
    if found is None:
        raise _problem(
            'an exact number from 0 up as a string such as "13/20" or "1"', value, "fraction"
        )
    numerator, denominator = found.groups()
    return Fraction(int(numerator), 1 if denominator is None else int(denominator))


def _unstructure_fraction(value: Fraction) -> str:
    return str(value)


def _structure_decimal(value: object, _: type) -> Decimal:
    if type(value) is not str or check.DECIMAL_PATTERN.fullmatch(value) is None:
        raise _problem('an exact decimal as a string such as "-10.2"', value, "decimal")
    return Decimal(value)


def _unstructure_decimal(value: Decimal) -> str:
    return str(value)


# -- containers ---------------------------------------------------------------------------


def _is_optional(kind: Any) -> bool:
    return (
        get_origin(kind) in (Union, types.UnionType)
        and len(get_args(kind)) == 2
        and (type(None) in get_args(kind))
    )


def _optional_hook(
    converter: cattrs.Converter, optional_type: Any
) -> Callable[[object, type], Any]:
    """``None``, or the one other type of ``X | None`` by its hook (found once, not per value)."""
    item_type = next(arg for arg in get_args(optional_type) if arg is not type(None))
    structure_item = converter.get_structure_hook(item_type)

    def structure(value: object, _: type) -> Any:
        return None if value is None else structure_item(value, item_type)

    return structure


def _tuple_hook(
    converter: cattrs.Converter, tuple_type: Any
) -> Callable[[object, type], tuple[Any, ...]]:
    item_type = get_args(tuple_type)[0]
    structure_item = converter.get_structure_hook(item_type)

    def structure(value: object, _: type) -> tuple[Any, ...]:
        if type(value) is not list:
            raise _problem("an array", value)
        items: list[Any] = []
        problems: list[Problem] | None = None  # made on the first problem: most arrays are valid
        for index, item in enumerate(value):
            try:
                items.append(structure_item(item, item_type))
            except ValidationError as error:
                problems = problems or []
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


# -- records ------------------------------------------------------------------------------


def _error_class(error: Exception) -> type[ValidationError]:
    """The library error class ``error`` stands for (its own, if it is a library error)."""
    return type(error) if isinstance(error, ValidationError) else ValidationError


def _problems_at(path: str, error: Exception) -> list[Problem]:
    """The problems of ``error``, raised while reading the value at ``path``."""
    if isinstance(error, ValidationError):
        return [problem.at(path) for problem in error.problems]
    return [Problem(path, "a valid value", f"{type(error).__name__}: {error}", "invalid")]


#: How one init field of a record is read: its key in the object, its name (for paths), its
#: ``__init__`` argument, whether it is required, its type, and its type's structure hook
#: (a plain tuple: it is unpacked per field read).
_FieldReader = tuple[str, str, str, bool, Any, Callable[[Any, Any], Any]]


def _field_readers(
    converter: cattrs.Converter, record_type: type, renames: Mapping[str, str]
) -> tuple[_FieldReader, ...]:
    fields = attrs.fields(record_type)
    if any(isinstance(field.type, str) for field in fields if field.init):
        fields = attrs.fields(attrs.resolve_types(record_type))
    return tuple(
        (
            renames.get(field.name, field.name),
            field.name,
            field.alias,
            field.default is attrs.NOTHING,
            field.type,
            converter.get_structure_hook(field.type),
        )
        for field in fields
        if field.init
    )


def record_hook(
    converter: cattrs.Converter,
    record_type: type[T],
    *,
    renames: Mapping[str, str] | None = None,
) -> Callable[[object, type], T]:
    """Structure ``record_type`` from an object: its fields' hooks, then its validators.

    Every field is read (each problem kept, at ``$.field``, the field's name), keys the
    record does not define are refused, and the record is built once, so its validators
    check it. ``renames`` maps a field's name to its key in the object, where they differ
    (the CDS Hooks service reads camelCase wire names into snake_case fields this way).
    The fields are read in a loop over their readers rather than by code generated per
    record type: generating and compiling that code cost more than a program reading one
    catalog spends reading it.
    """
    readers = _field_readers(converter, record_type, renames or {})
    known = frozenset(key for key, *_ in readers)

    def structure(value: object, _: type) -> T:
        if type(value) is not dict:
            raise _problem("an object", value)
        arguments: dict[str, Any] = {}
        # (problems, their error class) for each field that failed; made on the first one,
        # as most objects are valid
        failed: list[tuple[list[Problem], type[ValidationError]]] | None = None
        for key, name, argument, required, kind, structure_field in readers:
            if key in value:
                try:
                    arguments[argument] = structure_field(value[key], kind)
                except Exception as error:  # every problem is reported, as cattrs does
                    failed = failed or []
                    kind_of = _error_class(error)
                    failed.append((_problems_at(f"$.{name}", error), kind_of))
            elif required:
                failed = failed or []
                problem = Problem(f"$.{name}", "a value (required)", MISSING, "required")
                failed.append(([problem], ValidationError))
        if not known.issuperset(value):
            failed = failed or []
            extra = [
                Problem(f"$.{key}", "only the keys the record defines", key, "extra_key")
                for key in sorted(value.keys() - known)
            ]
            failed.append((extra, ValidationError))
        if failed:
            problems = [problem for found, _ in failed for problem in found]
            kinds = {kind_of for _, kind_of in failed}
            # the most specific library error class every problem shares
            raise (kinds.pop() if len(kinds) == 1 else ValidationError)(problems)
        try:
            return record_type(**arguments)
        except ValidationError:
            raise
        except Exception as error:  # a record's own failure, as a problem
            raise ValidationError(_problems_at("$", error)) from None

    return structure


def _pain_type_hook(converter: cattrs.Converter) -> Callable[[object, type], PainType]:
    """Structure a pain type: a valid one is shared (:func:`shared_pain_type`).

    A catalog names a few pain types hundreds of times; anything but an object with a
    known condition and phase is read by the record hook, which words its problems.
    """
    record = record_hook(converter, PainType)
    conditions = check.member_of(Condition).members
    phases = check.member_of(Phase).members

    def structure(value: object, _: type) -> PainType:
        if type(value) is dict and len(value) == 2:
            condition, phase = value.get("condition"), value.get("phase")
            if type(condition) is str and type(phase) is str:
                found_condition, found_phase = conditions.get(condition), phases.get(phase)
                if found_condition is not None and found_phase is not None:
                    return shared_pain_type(found_condition, found_phase)
        return record(value, PainType)

    return structure


def _family_hook(
    converter: cattrs.Converter, family: type[Modality]
) -> Callable[[object, type], Modality]:
    """Structure one family, requiring its own ``kind`` tag."""
    record = record_hook(converter, family)

    def structure(value: object, _: type) -> Modality:
        if type(value) is not dict:
            raise _problem("an object", value)
        kind = value.get("kind", MISSING)
        if kind != family.kind:
            rule = "required" if kind is MISSING else "enum"
            raise invalid("$.kind", f'"{family.kind}"', kind, rule)
        return record({key: item for key, item in value.items() if key != "kind"}, family)

    return structure


def _modality_hook(converter: cattrs.Converter) -> Callable[[object, type], Modality]:
    """Structure any family, chosen by the ``kind`` tag."""
    expected = check.choices(_KINDS)

    def structure(value: object, _: type) -> Modality:
        if type(value) is not dict:
            raise _problem("an object", value)
        kind = value.get("kind", MISSING)
        family = _KINDS.get(kind) if type(kind) is str else None
        if family is None:
            rule = "required" if kind is MISSING else "enum"
            raise invalid("$.kind", expected, kind, rule)
        return converter.structure(value, family)

    return structure


def _modality_unstructure(converter: cattrs.Converter) -> Callable[[Modality], dict[str, Any]]:
    @functools.cache  # one writer per family, made when a modality of it is first written
    def writer(family: type) -> Callable[[Modality], dict[str, Any]]:
        return cattrs.gen.make_dict_unstructure_fn(family, converter)

    def unstructure(modality: Modality) -> dict[str, Any]:
        family: type = type(modality)
        return {"kind": modality.kind, **writer(family)(modality)}

    return unstructure


def _origin(kind: Any) -> Any:
    return get_origin(kind)


def _is_modality(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Modality)


def _is_record(kind: Any) -> bool:
    return attrs.has(kind) and not _is_modality(kind)


def make_strict_converter() -> cattrs.Converter:
    """Build a converter: strict shapes, tagged modalities, every problem with its path."""
    converter = cattrs.Converter()
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook_factory(
        lambda kind: isinstance(kind, type) and issubclass(kind, RankedEnum), _enum_hook
    )
    converter.register_structure_hook_factory(
        _is_optional, lambda kind: _optional_hook(converter, kind)
    )
    converter.register_structure_hook_factory(
        lambda kind: _origin(kind) is tuple, lambda kind: _tuple_hook(converter, kind)
    )
    converter.register_structure_hook_factory(
        lambda kind: _origin(kind) is frozenset, lambda kind: _frozenset_hook(converter, kind)
    )
    converter.register_unstructure_hook_factory(
        lambda kind: kind is frozenset or _origin(kind) is frozenset,
        lambda _kind: _unstructure_frozenset,
    )
    converter.register_structure_hook_factory(
        lambda kind: kind is Modality, lambda _kind: _modality_hook(converter)
    )
    converter.register_structure_hook_factory(
        lambda kind: _is_modality(kind) and kind is not Modality,
        lambda kind: _family_hook(converter, kind),
    )
    converter.register_structure_hook_factory(
        _is_record, lambda kind: record_hook(converter, kind)
    )
    converter.register_structure_hook(PainType, _pain_type_hook(converter))
    converter.register_unstructure_hook_func(_is_modality, _modality_unstructure(converter))
    converter.register_structure_hook(Fraction, _structure_fraction)
    converter.register_unstructure_hook(Fraction, _unstructure_fraction)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(Decimal, _unstructure_decimal)
    # The enums made so far also by exact type: the first lookup of one then finds its hook
    # at once, where one found by predicate is first looked for by functools.singledispatch
    # (inside cattrs), which composes the enum's MRO.
    for enum_type in RankedEnum.__subclasses__():
        converter.register_structure_hook(enum_type, _enum_hook(enum_type))
    return converter


@functools.cache
def converter() -> cattrs.Converter:
    """The core's shared converter (built on first use; its hooks never change after)."""
    return make_strict_converter()
