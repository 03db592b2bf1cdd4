"""JSON Schema (draft 2020-12) of every document type, generated from the attrs classes.

No maintained package turns attrs classes into JSON Schema, so this small generator does:
each record becomes an object with ``additionalProperties: false``, its required keys and
its fields' rules. A field's rule comes from the rule that validates it (each rule in
:mod:`painmodalities._rules` states its schema fragment from the same definition as its
check and message); a field without one gets the schema of its type. The keys a record's
JSON carries beyond its fields come from :data:`~painmodalities.serialization.DERIVED`.
Modality families are a ``oneOf`` told apart by their ``kind`` constant. Every document
also has ``schema_version``.

The schemas are shipped in the package as ``painmodalities/schemas/NAME.schema.json``
(``scripts/build_schemas.py`` writes them; a test checks they equal the generated ones).

>>> schema = json_schema("pain_type")
>>> schema["required"]
['schema_version', 'condition', 'phase']
>>> schema["properties"]["phase"]["enum"]
['acute', 'subacute', 'chronic']
"""

import types
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, Union, get_args, get_origin

import attrs
import orjson

from painmodalities import _rules as check
from painmodalities._builtin import package_data
from painmodalities.errors import invalid
from painmodalities.evidence import Assessment, Finding, PainType, Recommendation
from painmodalities.modalities import FAMILIES, Modality
from painmodalities.ranking import (
    Exclusion,
    Omission,
    Patient,
    RankedOption,
    Ranking,
    Reason,
    UnrankedOption,
)
from painmodalities.scoring import ScoringPolicy, Weights
from painmodalities.serialization import (
    _SUMMARY,
    _VALUE_FLOAT,
    DERIVED,
    DOCUMENT_TYPES,
    FRACTION_PATTERN,
    SCHEMA_VERSION,
    VERSION_PATTERN,
    converter,
)
from painmodalities.vocabulary import Activity, Criterion, RankedEnum

__all__ = ["DOCUMENT_TYPES", "DRAFT", "json_schema", "schema_text", "shipped_schema"]

#: The JSON Schema dialect of every generated schema.
DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"

_NULL: Final = {"type": "null"}
_SCALARS: Final[Mapping[type, Mapping[str, Any]]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    Fraction: {"type": "string", "pattern": FRACTION_PATTERN},
    Decimal: {"type": "string", "pattern": check.json_pattern(check.DECIMAL_PATTERN)},
}


def _summary(kind: type) -> str:
    doc = kind.__doc__ or kind.__name__
    return doc.strip().split("\n", 1)[0]


def _when_kind(family: type[Modality], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` for objects of the family's ``kind``; anything else fails at once.

    A plain ``oneOf`` of the families would validate every object against every family;
    testing the ``kind`` first keeps validation to the one family that applies.
    """
    return {
        "if": {"properties": {"kind": {"const": family.kind}}, "required": ["kind"]},
        "then": schema,
        "else": False,
    }


def _closed(description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """An object schema with exactly these keys."""
    return {
        "description": description,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


class _Generator:
    """Builds schemas, collecting the ``$defs`` that they refer to."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def ref(self, kind: type) -> dict[str, Any]:
        if kind is Modality:
            if "Modality" not in self.defs:
                self.defs["Modality"] = {
                    "description": "A modality of any family, told apart by its kind.",
                    "oneOf": [_when_kind(family, self.ref(family)) for family in FAMILIES],
                }
            return {"$ref": "#/$defs/Modality"}
        if kind.__name__ not in self.defs:
            self.defs[kind.__name__] = {}  # placeholder: records may refer to themselves
            self.defs[kind.__name__] = self.record(kind)
        return {"$ref": f"#/$defs/{kind.__name__}"}

    def of_type(self, kind: Any) -> dict[str, Any]:
        origin = get_origin(kind)
        if origin in (Union, types.UnionType):
            options = [self.of_type(arg) for arg in get_args(kind) if arg is not type(None)]
            return {"anyOf": [*options, dict(_NULL)]}
        if origin is tuple:
            return {"type": "array", "items": self.of_type(get_args(kind)[0])}
        if origin is frozenset:
            items = self.of_type(get_args(kind)[0])
            return {"type": "array", "items": items, "uniqueItems": True}
        if isinstance(kind, type) and issubclass(kind, RankedEnum):
            schema = check.member_of(kind).schema
            return dict(schema) if schema is not None else {}
        if kind in _SCALARS:
            return dict(_SCALARS[kind])
        if isinstance(kind, type) and attrs.has(kind):
            return self.ref(kind)
        raise TypeError(f"no JSON Schema for {kind!r}")

    def field(self, field: "attrs.Attribute[Any]") -> dict[str, Any]:
        rule = field.validator if isinstance(field.validator, check.Rule) else None
        stated = None if rule is None else rule.schema
        schema = dict(stated) if stated is not None else self.of_type(field.type)
        if field.default is not attrs.NOTHING and not isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            schema["default"] = converter().unstructure(field.default)
        return schema

    def record(self, kind: type) -> dict[str, Any]:
        if kind is Ranking:
            return self.ranking()
        properties: dict[str, Any] = {}
        required: list[str] = []
        family = getattr(kind, "kind", "") if issubclass(kind, Modality) else ""
        if family:
            properties["kind"] = {"const": family}
            required.append("kind")
        for field in attrs.fields(kind):
            if not field.init:
                continue
            properties[field.name] = self.field(field)
            fixed = kind.fixed_activity if issubclass(kind, Modality) else None
            if field.name == "activity" and fixed is not None:
                properties["activity"] = {"const": fixed[0].value}
            if field.default is attrs.NOTHING:
                required.append(field.name)
        properties.update({key.name: dict(key.schema) for key in DERIVED.get(kind, ())})
        return {
            "description": _summary(kind),
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    def ranking(self) -> dict[str, Any]:
        """A ranking's reference form: modalities by id, each finding and recommendation once."""
        index = {"type": "integer", "minimum": 0}
        finding_row = self.record(Finding)
        finding_row["properties"].pop("pain_type")
        finding_row["required"].remove("pain_type")
        finding_row["description"] = (
            "A finding used by the ranking; its pain type is the ranking's."
        )
        self.defs["FindingRow"] = finding_row
        self.defs["ModalityRef"] = _closed(
            "A modality of the catalog the ranking was computed on, by id.",
            {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "activity": dict(check.member_of(Activity).schema or {}),
            },
            ["id", "name", "activity"],
        )
        findings = {
            "type": "array",
            "items": index,
            "description": "indexes into the document's findings",
        }
        self.defs["ContributionRef"] = _closed(
            "One criterion's contribution; its share is the weights' share.",
            {
                "raw": dict(_SCALARS[Fraction]),
                "value": dict(_SCALARS[Fraction]),
                "findings": findings,
            },
            ["raw", "value"],
        )
        contribution = {"$ref": "#/$defs/ContributionRef"}
        self.defs["ScoreRef"] = _closed(
            "A score of the entry's modality, for the ranking's pain type and policy.",
            {
                "value": dict(_SCALARS[Fraction]),
                "value_float": dict(_VALUE_FLOAT.schema),
                "has_benefit": {"type": "boolean"},
                "contributions": _closed(
                    "Each criterion's contribution, in criterion order.",
                    {criterion.value: contribution for criterion in Criterion},
                    [criterion.value for criterion in Criterion],
                ),
                "unscored": findings,
            },
            ["value", "has_benefit", "contributions"],
        )
        advice = {
            "type": "array",
            "items": index,
            "description": "indexes into the document's recommendations",
        }
        modality, score = {"$ref": "#/$defs/ModalityRef"}, {"$ref": "#/$defs/ScoreRef"}
        without = self.of_type(tuple[Omission, ...])
        explanation = {"type": "string", "description": "ignored on load"}
        entries: dict[str, tuple[type, dict[str, Any], dict[str, Any]]] = {
            "RankedOptionRef": (
                RankedOption,
                {"rank": {"type": "integer", "minimum": 1}, "modality": modality, "score": score},
                {"recommendations": advice, "without": without},
            ),
            "UnrankedOptionRef": (
                UnrankedOption,
                {"modality": modality, "score": score},
                {"recommendations": advice, "without": without},
            ),
            "ExclusionRef": (
                Exclusion,
                {"modality": modality, "reasons": self.of_type(tuple[Reason, ...])},
                {"recommendations": advice},
            ),
        }
        for name, (kind, required, optional) in entries.items():
            self.defs[name] = _closed(
                _summary(kind),
                {**required, **optional, "explanation": explanation},
                list(required),
            )
        catalog = _closed(
            "The catalog the ranking was computed on.",
            {
                "digest": {
                    "type": "string",
                    "pattern": "^sha256:[0-9a-f]{64}$",
                    "description": "sha256 of the catalog's canonical JSON (to_json(catalog))",
                },
                "modalities": {"type": "integer", "minimum": 0},
                "sources": {"type": "integer", "minimum": 0},
            },
            ["digest"],
        )
        properties = {
            "pain_type": self.ref(PainType),
            "summary": dict(_SUMMARY.schema),
            "catalog": catalog,
            "patient": self.ref(Patient),
            "weights": self.ref(Weights),
            "policy": self.ref(ScoringPolicy),
            "findings": {"type": "array", "items": {"$ref": "#/$defs/FindingRow"}},
            "recommendations": {"type": "array", "items": self.ref(Recommendation)},
            "assessments": {"type": "array", "items": self.ref(Assessment)},
            "options": {"type": "array", "items": {"$ref": "#/$defs/RankedOptionRef"}},
            "unranked": {"type": "array", "items": {"$ref": "#/$defs/UnrankedOptionRef"}},
            "excluded": {"type": "array", "items": {"$ref": "#/$defs/ExclusionRef"}},
        }
        return _closed(
            _summary(Ranking) + " Modalities by id in the catalog named by its digest.",
            properties,
            ["pain_type", "catalog", "findings", "recommendations", "options"],
        )

    def document(self, kind: type) -> dict[str, Any]:
        if kind is Modality:
            return {"oneOf": [_when_kind(family, self.document(family)) for family in FAMILIES]}
        body = self.record(kind)
        version = {
            "type": "string",
            "pattern": VERSION_PATTERN,
            "description": f"format version; this library writes {SCHEMA_VERSION}",
        }
        return {
            **body,
            "properties": {"schema_version": version, **body["properties"]},
            "required": ["schema_version", *body["required"]],
        }


def _resolve(kind: type | str) -> tuple[str, type]:
    if isinstance(kind, str):
        if kind not in DOCUMENT_TYPES:
            raise invalid("$", "a document type: " + ", ".join(DOCUMENT_TYPES), kind, "enum")
        return kind, DOCUMENT_TYPES[kind]
    for name, known in DOCUMENT_TYPES.items():
        if kind is known:
            return name, known
    if isinstance(kind, type) and issubclass(kind, Modality) and kind in FAMILIES:
        return kind.kind, kind
    raise invalid("$", "a document type of the library", getattr(kind, "__name__", kind), "enum")


def json_schema(kind: type | str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a document of ``kind``.

    Args:
        kind: a record class (``Catalog``, ``Ranking``, a modality family...) or a document
            type name from :data:`DOCUMENT_TYPES` (``"catalog"``, ``"ranking"``...).

    Returns:
        A new dict: ``$schema``, ``$id``, ``title``, the document's own rules and the
        ``$defs`` it refers to, sorted by name.

    Raises:
        ValidationError: for a name or class that is not a document type.
    """
    name, found = _resolve(kind)
    generator = _Generator()
    body = generator.document(found)
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"urn:painmodalities:schema:{name}:{SCHEMA_VERSION}",
        "title": f"painmodalities {name} document, format {SCHEMA_VERSION}",
        **body,
    }
    if generator.defs:
        schema["$defs"] = dict(sorted(generator.defs.items()))
    return schema


def schema_text(kind: type | str) -> str:
    """:func:`json_schema` as the text of the shipped file: indented, newline at the end."""
    return orjson.dumps(json_schema(kind), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"


def shipped_schema(name: str) -> dict[str, Any]:
    """The schema file shipped in the package for the document type ``name``."""
    _resolve(name)
    loaded: dict[str, Any] = orjson.loads(package_data(f"schemas/{name}.schema.json"))
    return loaded
