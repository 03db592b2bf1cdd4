"""The fast reader of catalog documents, the hot path of loading a catalog from JSON.

It checks every value of a parsed document against exactly the rules the records'
validators state, inline and with dict lookups, and then builds findings and
recommendations (most of a catalog) without running those validators a second time.
On the first value it is not sure of it gives up and returns ``None``; the detailed
reader then reads the document again and reports every problem with its path. So
errors never come from here, and a property test checks that on any document both
readers give equal catalogs, and that every record built here passes its validators.

Its input must come from ``orjson.loads``: exact ``dict``, ``list``, ``str``, ``int``,
``float``, ``bool`` and ``None``, and strings that are valid UTF-8 (orjson refuses lone
surrogates), which is what the text validators check beyond the type.
"""

from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from painmodalities import _validate as check
from painmodalities.catalog import Catalog
from painmodalities.errors import ValidationError
from painmodalities.evidence import Finding, PainType, Recommendation, Source
from painmodalities.modalities import (
    FAMILIES,
    Coding,
    Exercise,
    Massage,
    Modality,
    PhysicalTherapy,
)
from painmodalities.vocabulary import (
    Activity,
    Certainty,
    Condition,
    Coverage,
    Direction,
    Effect,
    ExerciseForm,
    Horizon,
    MassageTechnique,
    Outcome,
    Phase,
    Precaution,
    RankedEnum,
    Strength,
)

__all__ = ["read_catalog"]


class _Unsure(Exception):
    """A value the fast reader does not vouch for: the detailed reader takes over."""


def _members(enum_type: type[RankedEnum]) -> Mapping[str, Any]:
    return {member.value: member for member in enum_type}


_OUTCOMES: Final = _members(Outcome)
_HORIZONS: Final = _members(Horizon)
_EFFECTS: Final = _members(Effect)
_CERTAINTIES: Final = _members(Certainty)
_CONDITIONS: Final = _members(Condition)
_PHASES: Final = _members(Phase)
_DIRECTIONS: Final = _members(Direction)
_STRENGTHS: Final = _members(Strength)
_ACTIVITIES: Final = _members(Activity)
_COVERAGES: Final = _members(Coverage)
_PRECAUTIONS: Final = _members(Precaution)
_TECHNIQUES: Final = _members(MassageTechnique)
_FORMS: Final = _members(ExerciseForm)
_PAIN_TYPES: Final = {
    (condition.value, phase.value): PainType(condition, phase)
    for condition in Condition
    for phase in Phase
}
_KINDS: Final = {family.kind: family for family in FAMILIES}


def _keys(record: type, *, extra: tuple[str, ...] = ()) -> tuple[frozenset[str], frozenset[str]]:
    """The keys a record's JSON object must have, and the keys it may have."""
    fields = [field for field in attrs.fields(record) if field.init]
    required = {field.alias for field in fields if field.default is attrs.NOTHING}
    allowed = {field.alias for field in fields}
    return frozenset(required | set(extra)), frozenset(allowed | set(extra))


_FINDING_REQUIRED, _FINDING_ALLOWED = _keys(Finding)
_FINDING_SIZE: Final = len(_FINDING_REQUIRED)
if {"note", "component"} != _FINDING_ALLOWED - _FINDING_REQUIRED:  # pragma: no cover
    raise TypeError("Finding's optional fields changed: update _Reader.finding")
_RECOMMENDATION_REQUIRED, _RECOMMENDATION_ALLOWED = _keys(Recommendation)
_SOURCE_REQUIRED, _SOURCE_ALLOWED = _keys(Source)
_CODING_REQUIRED, _CODING_ALLOWED = _keys(Coding)
_FAMILY_KEYS: Final = {family: _keys(family, extra=("kind",)) for family in FAMILIES}
_CATALOG_ALLOWED: Final = frozenset({"modalities", "sources"})


def _setters(record: type, names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    """The slot setters of ``record``'s fields, in the order of ``names``."""
    declared = tuple(field.name for field in attrs.fields(record))
    if declared != names:  # a new or renamed field must be read here too
        raise TypeError(f"{record.__name__} has fields {declared}, not {names}")
    return tuple(getattr(record, name).__set__ for name in names)


_new = object.__new__
(
    _set_pain_type,
    _set_outcome,
    _set_horizon,
    _set_effect,
    _set_certainty,
    _set_finding_source,
    _set_finding_note,
    _set_component,
) = _setters(
    Finding,
    ("pain_type", "outcome", "horizon", "effect", "certainty", "source", "note", "component"),
)
(
    _set_condition,
    _set_phase,
    _set_direction,
    _set_strength,
    _set_recommendation_certainty,
    _set_recommendation_source,
    _set_recommendation_note,
) = _setters(
    Recommendation,
    ("condition", "phase", "direction", "strength", "certainty", "source", "note"),
)


class _Reader:
    """One document's reading: remembers the ids and keys it has already checked."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.ids: set[str] = set()

    def key(self, value: object) -> str:
        if value in self.keys:
            return value  # type: ignore[return-value]
        if type(value) is not str or check.KEY_PATTERN.fullmatch(value) is None:
            raise _Unsure
        self.keys.add(value)
        return value

    def id(self, value: object) -> str:
        if value in self.ids:
            return value  # type: ignore[return-value]
        if type(value) is not str or check.ID_PATTERN.fullmatch(value) is None:
            raise _Unsure
        self.ids.add(value)
        return value

    def finding(self, value: object) -> Finding:
        if type(value) is not dict:
            raise _Unsure
        # The required keys are looked up below; no other key but the optional ones is allowed.
        if len(value) != _FINDING_SIZE + ("note" in value) + ("component" in value):
            raise _Unsure
        pain = value["pain_type"]
        if type(pain) is not dict or len(pain) != 2:
            raise _Unsure
        note = value.get("note", "")
        component = value.get("component")
        if type(note) is not str:
            raise _Unsure
        finding = _new(Finding)
        _set_pain_type(finding, _PAIN_TYPES[pain["condition"], pain["phase"]])
        _set_outcome(finding, _OUTCOMES[value["outcome"]])
        _set_horizon(finding, _HORIZONS[value["horizon"]])
        _set_effect(finding, _EFFECTS[value["effect"]])
        _set_certainty(finding, _CERTAINTIES[value["certainty"]])
        _set_finding_source(finding, self.key(value["source"]))
        _set_finding_note(finding, note)
        _set_component(finding, None if component is None else self.id(component))
        return finding

    def recommendation(self, value: object) -> Recommendation:
        if (
            type(value) is not dict
            or not _RECOMMENDATION_REQUIRED <= value.keys() <= _RECOMMENDATION_ALLOWED
        ):
            raise _Unsure
        condition, phase = value["condition"], value["phase"]
        certainty = value.get("certainty")
        note = value.get("note", "")
        if type(note) is not str:
            raise _Unsure
        recommendation = _new(Recommendation)
        _set_condition(recommendation, None if condition is None else _CONDITIONS[condition])
        _set_phase(recommendation, None if phase is None else _PHASES[phase])
        _set_direction(recommendation, _DIRECTIONS[value["direction"]])
        _set_strength(recommendation, _STRENGTHS[value["strength"]])
        _set_recommendation_certainty(
            recommendation, None if certainty is None else _CERTAINTIES[certainty]
        )
        _set_recommendation_source(recommendation, self.key(value["source"]))
        _set_recommendation_note(recommendation, note)
        return recommendation

    def source(self, value: object) -> Source:
        if type(value) is not dict or not _SOURCE_REQUIRED <= value.keys() <= _SOURCE_ALLOWED:
            raise _Unsure
        return Source(**value)

    def coding(self, value: object) -> Coding:
        if type(value) is not dict or not _CODING_REQUIRED <= value.keys() <= _CODING_ALLOWED:
            raise _Unsure
        return Coding(**value)

    def modality(self, value: object) -> Modality:
        if type(value) is not dict:
            raise _Unsure
        family = _KINDS[value["kind"]]
        required, allowed = _FAMILY_KEYS[family]
        if not required <= value.keys() <= allowed:
            raise _Unsure
        fields = dict(value)
        del fields["kind"]
        fields["activity"] = _ACTIVITIES[value["activity"]]
        if "coverage" in value:
            fields["coverage"] = _COVERAGES[value["coverage"]]
        if "precautions" in value:
            fields["precautions"] = self.precautions(value["precautions"])
        fields["findings"] = tuple(map(self.finding, _items(value, "findings")))
        fields["recommendations"] = tuple(
            map(self.recommendation, _items(value, "recommendations"))
        )
        fields["codings"] = tuple(map(self.coding, _items(value, "codings")))
        if family is Massage:
            fields["technique"] = _TECHNIQUES[value["technique"]]
        elif family is Exercise:
            fields["form"] = _FORMS[value["form"]]
        elif family is PhysicalTherapy:
            fields["components"] = tuple(_items(value, "components"))
        return family(**fields)

    @staticmethod
    def precautions(value: object) -> frozenset[Precaution]:
        if type(value) is not list:
            raise _Unsure
        members = [_PRECAUTIONS[item] for item in value]
        found = frozenset(members)
        if len(found) != len(members):
            raise _Unsure
        return found


def _items(record: dict[str, Any], key: str) -> list[Any] | tuple[()]:
    """The array at ``record[key]``, or no items when the key is absent."""
    if key not in record:
        return ()
    items = record[key]
    if type(items) is not list:
        raise _Unsure
    return items


def read_catalog(body: object) -> Catalog | None:
    """The catalog in ``body`` (a document without its version), or ``None`` when unsure.

    ``None`` means only that the detailed reader must decide, not that the document is bad.
    """
    try:
        if (
            type(body) is not dict
            or "modalities" not in body
            or not body.keys() <= _CATALOG_ALLOWED
        ):
            raise _Unsure
        reader = _Reader()
        sources = tuple(map(reader.source, _items(body, "sources")))
        modalities = tuple(map(reader.modality, _items(body, "modalities")))
        return Catalog(modalities=modalities, sources=sources)
    except (_Unsure, KeyError, TypeError, ValidationError):
        return None
