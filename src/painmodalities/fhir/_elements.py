"""The lighter validation level: only the elements the importer reads, with the same errors.

:func:`~painmodalities.fhir.read_bundle` checks every element of each Condition, Procedure
and ServiceRequest with the ``fhir.resources`` models by default (``validate="resources"``).
That is most of the cost of reading a patient, and a FHIR Bulk Data export comes from a
health system's own FHIR server, which validated its resources. ``validate="elements"``
checks instead only the elements the importer reads (:data:`READ_ELEMENTS`): their types,
codes, references, dates and statuses, with the datatypes' own ``fhir.resources`` checks,
at the same JSON paths and with the same rules as the full check; and that the resource and
the datatypes read have no element their model lacks (so that an R5 or STU3 resource is
still named as such). A bad value in an element read is never accepted; the value of an
element the importer does not read is not looked at.
"""

import functools
import typing
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs
import orjson

from painmodalities.errors import MISSING, Problem
from painmodalities.fhir import _models

__all__ = ["LEVELS", "READ_ELEMENTS", "check_elements"]

#: The validation levels of :func:`~painmodalities.fhir.read_bundle`.
LEVELS: Final = ("resources", "elements")

#: The elements the importer reads of each resource type, by their JSON names (the
#: resource's ``resourceType`` and ``id`` are read of every one).
READ_ELEMENTS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "Condition": (
            "id",
            "clinicalStatus",
            "verificationStatus",
            "code",
            "subject",
            "onsetDateTime",
            "onsetPeriod",
            "abatementDateTime",
            "abatementPeriod",
        ),
        "Procedure": ("id", "status", "code", "subject", "performedDateTime", "performedPeriod"),
        "ServiceRequest": (
            "id",
            "status",
            "intent",
            "doNotPerform",
            "code",
            "subject",
            "occurrenceDateTime",
            "occurrencePeriod",
            "authoredOn",
        ),
    }
)
#: The elements the importer reads inside each datatype it reads (``coding``: a list).
_INSIDE: Final[Mapping[str, Mapping[str, str]]] = {
    "CodeableConcept": {"coding": "Coding", "text": ""},
    "Coding": {"system": "", "code": "", "display": ""},
    "Reference": {"reference": ""},
    "Period": {"start": "", "end": ""},
}
#: The choice elements (``onset[x]``) the importer reads: only one of each may be given.
_CHOICES: Final = ("onset", "abatement", "performed", "occurrence")


@attrs.frozen
class _Shape:
    """What is checked of a resource type or datatype, made once from its model.

    Attributes:
        known: every JSON name the model has (another key is an extra, refused).
        elements: each element read: its name, its datatype (``None``: a primitive) and
            the pydantic check of a primitive (from its ``fhir.resources`` field).
        required: the required complex elements read (absent: ``Field required``).
        required_values: the required primitives read (with no value: required).
        choices: each choice element read (``onset[x]``), as all its JSON names.
    """

    known: frozenset[str]
    elements: tuple[tuple[str, str | None, Any], ...]
    required: tuple[str, ...]
    required_values: tuple[str, ...]
    choices: tuple[tuple[str, ...], ...]


def _datatype(annotation: object) -> str | None:
    """The complex datatype a field holds (``CodeableConcept``), ``None`` for a primitive."""
    given = [found for found in typing.get_args(annotation) if found is not type(None)]
    kind = (
        given[0] if len(given) == 1 and typing.get_origin(annotation) is not None else annotation
    )
    name = str(getattr(kind, "__name__", "")).removesuffix("Type")
    return name if name in _INSIDE else None


@functools.cache
def _shape(version: str, name: str) -> _Shape:
    """The shape of resource type or datatype ``name`` (made once: the models do not change)."""
    from pydantic import TypeAdapter  # noqa: PLC0415 (lazy on purpose)

    fields = {
        field.alias or key: field
        for key, field in _models.model(version, name).model_fields.items()
    }
    read = READ_ELEMENTS.get(name) or tuple(_INSIDE[name])

    def extra(element: str) -> Mapping[str, Any]:
        found = fields[element].json_schema_extra
        return found if isinstance(found, dict) else {}

    elements = []
    for element in read:
        annotation = fields[element].annotation
        datatype = _INSIDE[name][element] or None if name in _INSIDE else _datatype(annotation)
        check = None if datatype or annotation is None else TypeAdapter(annotation).validate_python
        elements.append((element, datatype, check))
    return _Shape(
        known=frozenset(fields) | ({"resourceType"} if name in READ_ELEMENTS else set()),
        elements=tuple(elements),
        required=tuple(element for element in read if fields[element].is_required()),
        required_values=tuple(
            element for element in read if extra(element).get("element_required")
        ),
        choices=tuple(
            tuple(key for key in fields if extra(key).get("one_of_many") == prefix)
            for prefix in _CHOICES
            if any(extra(key).get("one_of_many") == prefix for key in read)
        ),
    )


#: The JSON values a primitive element's check is remembered for (hashable, and compared
#: by type too: ``True`` is not ``1``).
_REMEMBERED: Final = frozenset({str, int, float, bool})


@functools.lru_cache(maxsize=1 << 14, typed=True)
def _passes(check: Any, value: object) -> bool:
    """Whether ``value`` passes ``check`` (a pure check).

    Remembered: the same codes, systems, statuses and dates come again and again in a
    population of records.
    """
    try:
        check(value)
    except ValueError:
        return False
    return True


def _primitive(check: Any, value: object, path: str, label: str) -> list[Problem]:
    """The problems of a primitive element, by its ``fhir.resources`` check."""
    if type(value) in _REMEMBERED and _passes(check, value):
        return []
    try:
        check(value)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        return _models.problems_of(error, path, label)
    return []


def _not_an_object(datatype: str, value: object, path: str, label: str) -> Problem:
    """A complex element that is not a JSON object, as the full check says it."""
    if isinstance(value, str):
        # The full check reads a string as JSON text: text that is an object is refused
        # here too (stricter), other JSON as the wrong type, the rest as not JSON.
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = None
        else:
            if not isinstance(parsed, dict):
                return Problem(
                    path,
                    f"valid FHIR {label} (Input should be a valid dictionary or instance of "
                    f"{datatype})",
                    value,
                    "fhir_model_type",
                )
        return Problem(
            path, f"valid FHIR {label} (an object, not a string)", value, "fhir_json_invalid"
        )
    return Problem(
        path,
        f"valid FHIR {label} (Value is expected from the instance of {datatype}, "
        f"but got type {type(value)})",
        value,
        "fhir_model_validation_format",
    )


def _extra(shape: _Shape, value: Mapping[str, Any], path: str, label: str) -> list[Problem]:
    """The keys the model does not have (an element of another version, a misspelling)."""
    if shape.known.issuperset(value):
        return []
    return [
        Problem(
            f"{path}.{key}",
            f"valid FHIR {label} (Extra inputs are not permitted)",
            value[key],
            "fhir_extra_forbidden",
        )
        for key in value
        if key not in shape.known
    ]


def _complex(version: str, datatype: str, value: object, path: str, label: str) -> list[Problem]:
    """The problems of a complex element: its keys, and the elements of it that are read."""
    if value is None:
        return []
    if not isinstance(value, dict):
        return [_not_an_object(datatype, value, path, label)]
    shape = _shape(version, datatype)
    problems = _extra(shape, value, path, label)
    for element, inner, check in shape.elements:
        if element not in value:
            continue
        found, at = value[element], f"{path}.{element}"
        if inner is None:
            problems += _primitive(check, found, at, label)
        elif found is not None:
            problems += _items(version, inner, found, at, label)
    return problems


def _items(version: str, datatype: str, value: object, path: str, label: str) -> list[Problem]:
    if not isinstance(value, list):
        return [
            Problem(
                path, f"valid FHIR {label} (Input should be a valid list)", value, "fhir_list_type"
            )
        ]
    if any(item is None for item in value):
        name = path.rsplit(".", 1)[-1]
        return [
            Problem(
                path,
                f"valid FHIR {label} (None is not allowed as an element of {name})",
                value,
                "fhir_list_type",
            )
        ]
    problems: list[Problem] = []
    for index, item in enumerate(value):
        problems += _complex(version, datatype, item, f"{path}[{index}]", label)
    return problems


def _missing(shape: _Shape, resource: Mapping[str, Any], label: str) -> list[Problem]:
    """The required complex elements read that are absent (checked with the other fields)."""
    return [
        Problem(f"$.{element}", f"valid FHIR {label} (Field required)", MISSING, "fhir_missing")
        for element in shape.required
        if element not in resource
    ]


def _required(shape: _Shape, resource: Mapping[str, Any], label: str) -> list[Problem]:
    """The required primitives read with no value (checked once the fields are valid)."""
    problems: list[Problem] = []
    for element in shape.required_values:
        if resource.get(element) is not None:
            continue
        extension = resource.get(f"_{element}")
        if isinstance(extension, dict) and extension.get("extension"):
            continue  # a primitive absent with an extension saying why: allowed
        problems.append(
            Problem(
                f"$.{element}",
                f"valid FHIR {label} (Value for the field '{element}' is required.)",
                resource.get(element, MISSING),
                "fhir_model_field_validation.missing",
            )
        )
    return problems


def _one_of_each(shape: _Shape, resource: Mapping[str, Any], label: str) -> list[Problem]:
    """A choice element read (``onset[x]``) given in several types, as the full check says."""
    for choices in shape.choices:
        if sum(1 for key in choices if resource.get(key) is not None) > 1:
            return [
                Problem(
                    "$",
                    f"valid FHIR {label} (Value error, Any of one field value is expected "
                    f"from this list {list(choices)}, but got multiple!)",
                    MISSING,
                    "fhir_value_error",
                )
            ]
    return []


def check_elements(version: str, resource: Mapping[str, Any], label: str = "") -> list[Problem]:
    """The problems of the elements the importer reads of ``resource`` (none if valid).

    ``resource`` is a Condition, Procedure or ServiceRequest. Paths are relative
    (``$.code.coding[0].code``), as :func:`painmodalities.fhir._models.validate` gives them.
    """
    label = label or version
    shape = _shape(version, str(resource.get("resourceType")))
    problems = _extra(shape, resource, "$", label) + _missing(shape, resource, label)
    for element, datatype, check in shape.elements:
        if element not in resource:
            continue
        value, path = resource[element], f"$.{element}"
        if datatype is None:
            problems += _primitive(check, value, path, label)
        else:
            problems += _complex(version, datatype, value, path, label)
    # As in the full check: the resource's own rules only once its fields are valid.
    return problems or _required(shape, resource, label) or _one_of_each(shape, resource, label)
