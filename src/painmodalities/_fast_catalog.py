"""The fast reader of catalog documents, the hot path of loading a catalog from JSON.

It checks every value of a parsed document against exactly the rules the records'
validators (and a modality's own checks of its findings) state, inline, with dict
lookups and on the raw strings, and then builds the records without running those
checks a second time. On the first value it is not sure of it gives up and returns
``None``; the detailed reader then reads the document again and reports every problem
with its path. So errors never come from here. Property tests check that on any
document both readers agree, and that every record built here passes its validators.

Its input must come from ``orjson.loads``: exact ``dict``, ``list``, ``str``, ``int``,
``float``, ``bool`` and ``None``, and strings that are valid UTF-8 (orjson refuses lone
surrogates), which is what the text validators check beyond the type.

Records are built by setting their slots directly (a frozen record refuses
``setattr``); the setters are taken from each record's attrs fields at import, which
fails if a field is added that this module does not read.
"""

import operator
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

Setter = Callable[[Any, Any], None]


class _UnsureError(Exception):
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
#: One shared pain type per condition and phase.
_PAIN_TYPES: Final = {
    condition.value: {phase.value: PainType(condition, phase) for phase in Phase}
    for condition in Condition
}
_new = object.__new__


def _as_json(default: object) -> object:
    """A field's default as the JSON value that reads back as it."""
    if isinstance(default, RankedEnum):
        return default.value
    if isinstance(default, tuple | frozenset) and not default:
        return []
    if default is None or type(default) in (str, bool, int):
        return default
    raise TypeError(f"the fast reader cannot write the default {default!r} as JSON")


class _Layout:
    """How a record's JSON object maps onto its slots.

    ``values`` gives an object's values in field order (a ``KeyError`` if one is
    missing), once :meth:`complete` has filled in the defaults of absent optional keys;
    ``setters`` set the slots in the same order.
    """

    def __init__(self, record: type, names: tuple[str, ...], *, tag: str | None = None) -> None:
        fields = attrs.fields(record)
        declared = tuple(field.name for field in fields)
        if declared != names:  # a new or renamed field must be read here too
            raise TypeError(f"{record.__name__} has fields {declared}, not {names}")
        given = [field for field in fields if field.init]
        self.record = record
        self.setters: tuple[Setter, ...] = tuple(getattr(record, name).__set__ for name in names)
        keys = [field.alias for field in given]
        self.values = operator.itemgetter(*([tag, *keys] if tag else keys))
        self.size = len(keys) + bool(tag)
        self.allowed = frozenset([*keys, tag] if tag else keys)
        self.defaults = {
            field.alias: _as_json(field.default)
            for field in given
            if field.default is not attrs.NOTHING
        }
        self.cached_hash: Setter | None = (
            getattr(record, "_attrs_cached_hash").__set__  # noqa: B009 (a slot, by name)
            if hasattr(record, "_attrs_cached_hash")
            else None
        )

    def complete(self, item: dict[str, Any]) -> dict[str, Any]:
        """``item`` with every key: an object that leaves out optional keys gets defaults."""
        if len(item) == self.size:
            return item
        if not item.keys() <= self.allowed:
            raise _UnsureError
        return {**self.defaults, **item}

    def build(self, values: tuple[Any, ...]) -> Any:
        """The record with these slot values, in field order, validators not run."""
        record: Any = _new(self.record)
        for put, value in zip(self.setters, values, strict=True):
            put(record, value)
        if self.cached_hash is not None:
            self.cached_hash(record, None)
        return record


_FINDING: Final = _Layout(
    Finding,
    ("pain_type", "outcome", "horizon", "effect", "certainty", "source", "note", "component"),
)
(
    _set_pain_type,
    _set_outcome,
    _set_horizon,
    _set_effect,
    _set_certainty,
    _set_finding_source,
    _set_note,
    _set_component,
) = _FINDING.setters
_RECOMMENDATION: Final = _Layout(
    Recommendation, ("condition", "phase", "direction", "strength", "certainty", "source", "note")
)
(
    _set_condition,
    _set_phase,
    _set_direction,
    _set_strength,
    _set_advice_certainty,
    _set_advice_source,
    _set_advice_note,
) = _RECOMMENDATION.setters
_SOURCE: Final = _Layout(
    Source, ("key", "title", "year", "url", "kind", "publisher", "read_confidence")
)
_CODING_KEYS: Final = frozenset(field.alias for field in attrs.fields(Coding))
_MODALITY_FIELDS: Final = (
    "id",
    "name",
    "activity",
    "summary",
    "session_minutes",
    "coverage",
    "precautions",
    "findings",
    "recommendations",
    "codings",
    "_by_pain_type",
)
#: Each family's own fields, after the common ones (read by ``_Reader.family_fields``).
_EXTRA: Final[Mapping[type[Modality], tuple[str, ...]]] = {
    Massage: ("technique", "mechanism_established"),
    Exercise: ("form",),
    PhysicalTherapy: ("components",),
}
_FAMILIES: Final = {
    family.kind: _Layout(family, _MODALITY_FIELDS + _EXTRA.get(family, ()), tag="kind")
    for family in FAMILIES
}
_NO_COMPONENT: Final = frozenset({None})
_CATALOG_KEYS: Final = frozenset({"modalities", "sources"})


def _array(value: object) -> list[Any]:
    if type(value) is not list:
        raise _UnsureError
    return value


def _text(value: object) -> str:
    """Text that is not blank (the ``text`` validator)."""
    if type(value) is not str or not value.strip():
        raise _UnsureError
    return value


def _strings(*values: object) -> None:
    """Strings, possibly empty (the ``any_text`` validator)."""
    for value in values:
        if type(value) is not str:
            raise _UnsureError


def _whole_number(value: object, low: int, high: int) -> int | None:
    """``None`` or an int (not a bool) from ``low`` to ``high``."""
    if value is not None and (type(value) is not int or not low <= value <= high):
        raise _UnsureError
    return value


class _Reader:
    """One document's reading: remembers the ids and keys it has already checked."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.ids: set[str] = set()

    def key(self, value: object) -> str:
        """A source key (``check.source_key``)."""
        if value not in self.keys:
            if type(value) is not str or check.KEY_PATTERN.fullmatch(value) is None:
                raise _UnsureError
            self.keys.add(value)
        return value

    def id(self, value: object) -> str:
        """A modality id (``check.modality_id``)."""
        if value not in self.ids:
            if type(value) is not str or check.ID_PATTERN.fullmatch(value) is None:
                raise _UnsureError
            self.ids.add(value)
        return value

    def findings(self, value: object, components: frozenset[str | None]) -> tuple[Finding, ...]:
        """A modality's findings, naming only ``components``, each key once.

        The hot loop of reading a catalog, kept in one frame. A finding's key (what
        :meth:`Modality._check_findings` requires unique) is checked on the raw strings,
        which hash at C speed.
        """
        keys, ids, complete = self.keys, self.ids, _FINDING.complete
        built: list[Finding] = []
        seen: set[tuple[Any, ...]] = set()
        for given in _array(value):
            if type(given) is not dict:
                raise _UnsureError
            item = given if len(given) == _FINDING.size else complete(given)
            pain, source, note, component = (
                item["pain_type"],
                item["source"],
                item["note"],
                item["component"],
            )
            if type(pain) is not dict or len(pain) != 2 or type(note) is not str:
                raise _UnsureError
            if source not in keys:
                self.key(source)
            if component is not None and component not in ids:
                self.id(component)
            if component not in components:
                raise _UnsureError
            condition, phase, outcome, horizon = (
                pain["condition"],
                pain["phase"],
                item["outcome"],
                item["horizon"],
            )
            seen.add((condition, phase, outcome, horizon, source, component))
            finding = _new(Finding)
            _set_pain_type(finding, _PAIN_TYPES[condition][phase])
            _set_outcome(finding, _OUTCOMES[outcome])
            _set_horizon(finding, _HORIZONS[horizon])
            _set_effect(finding, _EFFECTS[item["effect"]])
            _set_certainty(finding, _CERTAINTIES[item["certainty"]])
            _set_finding_source(finding, source)
            _set_note(finding, note)
            _set_component(finding, component)
            built.append(finding)
        if len(seen) != len(built):
            raise _UnsureError  # two findings with one key
        return tuple(built)

    def recommendation(self, item: object) -> Recommendation:
        if type(item) is not dict:
            raise _UnsureError
        if len(item) != _RECOMMENDATION.size:
            item = _RECOMMENDATION.complete(item)
        condition, phase, certainty, source, note = (
            item["condition"],
            item["phase"],
            item["certainty"],
            item["source"],
            item["note"],
        )
        if type(note) is not str:
            raise _UnsureError
        if source not in self.keys:
            self.key(source)
        recommendation = _new(Recommendation)
        _set_condition(recommendation, None if condition is None else _CONDITIONS[condition])
        _set_phase(recommendation, None if phase is None else _PHASES[phase])
        _set_direction(recommendation, _DIRECTIONS[item["direction"]])
        _set_strength(recommendation, _STRENGTHS[item["strength"]])
        _set_advice_certainty(
            recommendation, None if certainty is None else _CERTAINTIES[certainty]
        )
        _set_advice_source(recommendation, source)
        _set_advice_note(recommendation, note)
        return recommendation

    def source(self, item: object) -> Source:
        if type(item) is not dict:
            raise _UnsureError
        key, title, year, url, kind, publisher, confidence = _SOURCE.values(_SOURCE.complete(item))
        _strings(url, kind, publisher, confidence)
        return _SOURCE.build(  # type: ignore[no-any-return]
            (
                self.key(key),
                _text(title),
                _whole_number(year, check.MIN_YEAR, check.MAX_YEAR),
                url,
                kind,
                publisher,
                confidence,
            )
        )

    def modality(self, item: object) -> Modality:
        """A modality of any family, with the checks its ``__attrs_post_init__`` makes."""
        if type(item) is not dict:
            raise _UnsureError
        layout = _FAMILIES[item["kind"]]
        (
            _kind,
            modality_id,
            name,
            activity,
            summary,
            minutes,
            coverage,
            precautions,
            findings,
            recommendations,
            codings,
            *extra,
        ) = layout.values(layout.complete(item))
        _strings(summary)
        modality_id = self.id(modality_id)
        family = layout.record
        own = self.family_fields(family, modality_id, extra)
        components = frozenset(own[0]) if family is PhysicalTherapy else _NO_COMPONENT
        return layout.build(  # type: ignore[no-any-return]
            (
                modality_id,
                _text(name),
                _ACTIVITIES[activity],
                summary,
                _whole_number(minutes, 1, check.MAX_SESSION_MINUTES),
                _COVERAGES[coverage],
                self.precautions(precautions),
                self.findings(findings, components),
                tuple(map(self.recommendation, _array(recommendations))),
                tuple(map(self.coding, _array(codings))),
                None,  # the index by pain type, built on first use
                *own,
            )
        )

    def family_fields(
        self, family: type[Modality], modality_id: str, values: list[Any]
    ) -> tuple[Any, ...]:
        """The values of a family's own fields (see ``_EXTRA``), checked."""
        if family is Massage:
            technique, established = values
            if type(established) is not bool:
                raise _UnsureError
            return (_TECHNIQUES[technique], established)
        if family is Exercise:
            return (_FORMS[values[0]],)
        if family is PhysicalTherapy:
            components = tuple(map(self.id, _array(values[0])))
            if not components or modality_id in components:
                raise _UnsureError
            if len(set(components)) != len(components):
                raise _UnsureError
            return (components,)
        return ()

    @staticmethod
    def precautions(value: object) -> frozenset[Precaution]:
        members = [_PRECAUTIONS[item] for item in _array(value)]
        found = frozenset(members)
        if len(found) != len(members):
            raise _UnsureError
        return found

    @staticmethod
    def coding(item: object) -> Coding:
        # Rare in catalogs: built by its validating constructor.
        if type(item) is not dict or not item.keys() <= _CODING_KEYS:
            raise _UnsureError
        return Coding(**item)


def read_catalog(body: object) -> Catalog | None:
    """The catalog in ``body`` (a document without its version), or ``None`` when unsure.

    ``None`` means only that the detailed reader must decide, not that the document is bad.
    """
    if type(body) is not dict or "modalities" not in body or not body.keys() <= _CATALOG_KEYS:
        return None
    reader = _Reader()
    try:
        sources = tuple(map(reader.source, _array(body.get("sources", []))))
        modalities = tuple(map(reader.modality, _array(body["modalities"])))
        return Catalog(modalities=modalities, sources=sources)
    except (_UnsureError, KeyError, TypeError, ValueError, ValidationError):
        return None
