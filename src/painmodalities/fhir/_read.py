"""Reading a patient's FHIR R4/R4B Bundle: their pain types, and what they already tried.

One bundle is read for one patient: the resources of any other patient in it are left out
(and reported), and a bundle of several patients is read only for the one the caller names.
"""

import calendar
import datetime
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from painmodalities._builtin import default_catalog
from painmodalities._json_text import is_json_text, read_json
from painmodalities._words import CONDITION_WORDS, in_sentence
from painmodalities.catalog import Catalog
from painmodalities.errors import MISSING, Problem, ValidationError, invalid
from painmodalities.evidence import PainType
from painmodalities.fhir import _models
from painmodalities.fhir._codes import (
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    SNOMED_VERIFIED,
    SnomedConcept,
    icd10cm_condition,
)
from painmodalities.fhir._validated import ValidatedResources
from painmodalities.vocabulary import CHRONIC_BY_DEFINITION, Condition, Phase

__all__ = [
    "CHRONIC_BY_DEFINITION",
    "BundleImport",
    "ImportedCondition",
    "ImportedProcedure",
    "PriorCare",
    "Skipped",
    "prior_care_for",
    "read_bundle",
]


#: The version whose models check the resources the importer reads (R4 reads as R4B).
_READ_AS: Final = "R4B"
#: The resources the importer reads; every other entry is left alone.
_READ: Final = frozenset({"Condition", "Procedure", "ServiceRequest"})

_CLINICAL_GONE: Final = frozenset({"inactive", "resolved", "remission"})
_VERIFICATION_GONE: Final = frozenset({"refuted", "entered-in-error"})
#: What a JSON object may be: ``dict`` first, so that parsed JSON is recognised without
#: the slower abstract-class check (a resource's codings are checked a hundred times a call).
_OBJECT: Final = (dict, Mapping)
_NOT_TRIED: Final[Mapping[str, frozenset[str]]] = {
    "Procedure": frozenset({"preparation", "not-done", "entered-in-error"}),
    "ServiceRequest": frozenset({"draft", "revoked", "entered-in-error"}),
}
#: ServiceRequest intents that only suggest: not a referral (our own exports propose).
_SUGGESTED: Final = frozenset({"proposal", "option"})
_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@attrs.frozen(kw_only=True)
class ImportedCondition:
    """A Condition read as a pain type, with where it came from.

    Attributes:
        pain_type: the pain type it gives.
        path: JSON path of the resource in the bundle (``$.entry[1].resource``).
        resource_id: the resource's ``id``, if it has one.
        system: the code system of the coding that was mapped.
        code: that coding's code.
        display: the resource's text for the condition.
        onset: the earliest date the recorded onset allows, if an onset was read.
        phase_from: ``"onset"`` (weeks from onset to the "as of" date), ``"code"`` (a
            SNOMED CT concept that fixes the phase, such as chronic low back pain) or
            ``"definition"`` (a condition that is chronic by definition:
            :data:`CHRONIC_BY_DEFINITION`).
        note: a remark, such as an onset that disagrees with the coded phase.
    """

    pain_type: PainType
    path: str
    resource_id: str | None
    system: str
    code: str
    display: str
    onset: datetime.date | None
    phase_from: str
    note: str = ""


@attrs.frozen(kw_only=True)
class ImportedProcedure:
    """A Procedure or ServiceRequest read as a modality already tried or referred to.

    Only resources that name the modality itself are here (its own verified code, or a
    referral code that the dossier does not mark approximate); every one is also in
    :attr:`BundleImport.prior_care`, with its words.

    Attributes:
        modality_id: the catalog modality it codes.
        path: JSON path of the resource in the bundle.
        resource_type: ``Procedure`` or ``ServiceRequest``.
        code: the verified SNOMED CT code that was mapped.
        display: the resource's text for the procedure.
        date: when it was performed or requested, if recorded (earliest date allowed).
    """

    modality_id: str
    path: str
    resource_type: str
    code: str
    display: str
    date: datetime.date | None


@attrs.frozen(kw_only=True)
class PriorCare:
    """What the record says was already done or referred to, in the dossier's words.

    A referral code names a referral, not the treatment: ``Referral to chiropractor`` is
    worded "referred to a chiropractor on 2023-01-31", never "had spinal manipulation", and
    the dossier marks it ``approximate`` (a provider or a broad therapy, not the modality
    itself). A Procedure coded with a modality's own verified code means that modality
    ("had acupuncture on 2023-05-01"); a ServiceRequest with it, a referral for it.

    Attributes:
        target: what it points to: a modality id (``manual.spinal_manipulation``) or a whole
            family (``family:psychological``, the family's ``kind``).
        kind: ``"procedure"`` (the modality was done) or ``"referral"`` (a referral code,
            or a ServiceRequest: the patient was referred).
        approximate: whether the code names a provider or a broad therapy rather than the
            target itself (see :data:`~painmodalities.fhir.SNOMED_VERIFIED`).
        date: when it was performed or requested, if recorded (earliest date allowed).
        words: the record's statement for people, with its date.
        path: JSON path of the resource in the bundle.
        resource_type: ``Procedure`` or ``ServiceRequest``.
        code: the verified SNOMED CT code that was read.
        display: the resource's text for it.
    """

    target: str
    kind: Literal["procedure", "referral"]
    approximate: bool
    date: datetime.date | None
    words: str
    path: str
    resource_type: str
    code: str
    display: str

    @property
    def modality_id(self) -> str | None:
        """The modality id it points to, or ``None`` when it points to a whole family."""
        return None if self.target.startswith("family:") else self.target

    @property
    def family(self) -> str | None:
        """The family (a modality ``kind``) it points to, or ``None`` for one modality."""
        return self.target.removeprefix("family:") if self.modality_id is None else None

    def __str__(self) -> str:
        return self.words


@attrs.frozen(kw_only=True)
class Skipped:
    """A resource the importer read but did not use, and why.

    Attributes:
        path: JSON path of the resource in the bundle (``$`` for the bundle itself).
        resource_type: its type.
        label: its text, for people.
        rule: a short stable code: ``inactive``, ``refuted``, ``uncoded``, ``ambiguous``,
            ``undated``, ``imprecise_onset``, ``future``, ``abated``, ``unmapped``,
            ``generic``, ``not_tried``, ``other_patient``, ``no_entries`` or
            ``no_pain_condition``.
        detail: the reason in plain words.
    """

    path: str
    resource_type: str
    label: str
    rule: str
    detail: str

    def __str__(self) -> str:
        label = f" {self.label!r}" if self.label else ""
        return f"{self.path} ({self.resource_type}{label}): {self.detail}"


@attrs.frozen(kw_only=True)
class BundleImport:
    """What a patient's Bundle says, as of a date: pain types, what was tried, what was not read.

    Attributes:
        as_of: the date durations were measured to.
        pain_types: the pain types found, sorted, each once.
        tried: ids of the modalities already tried or referred to, sorted, each once
            (never from an approximate referral code: see ``prior_care``).
        conditions: each Condition that gave a pain type, in bundle order.
        procedures: each Procedure or ServiceRequest that gave a modality, in bundle order.
        skipped: each Condition, Procedure or ServiceRequest that was not used, with why
            (those of another patient with the rule ``other_patient``).
        notes: remarks on resources that were used (such as an onset that disagrees with
            the coded phase, or a condition read as chronic by definition).
        subject: a reference to the patient read (``Patient/{id}``) when it is a Patient
            of the bundle with an id, for :func:`export_ranking`; else ``None``.
        prior_care: everything the record says was already done or referred to, in bundle
            order, approximate referrals included (:func:`prior_care_for` picks what
            concerns one modality).
    """

    as_of: datetime.date
    pain_types: tuple[PainType, ...]
    tried: tuple[str, ...]
    conditions: tuple[ImportedCondition, ...] = ()
    procedures: tuple[ImportedProcedure, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    subject: str | None = None
    prior_care: tuple[PriorCare, ...] = ()

    @property
    def problems(self) -> tuple[str, ...]:
        """Why each skipped resource was skipped, in plain words, in bundle order."""
        return tuple(str(skipped) for skipped in self.skipped)


def _fail(path: str, expected: str, value: object, rule: str) -> ValidationError:
    return ValidationError(Problem(path, expected, value, rule))


def _load(bundle: object) -> Mapping[str, Any]:
    """The bundle as a JSON object: a mapping as it is, else text or a file.

    Text and files are read within the library's limits, by its one text-input policy.
    """
    document: object
    if isinstance(bundle, _OBJECT):
        document = bundle
    else:
        try:
            document = read_json(
                bundle, unreadable=_unreadable, kinds="JSON text, a file path or a mapping"
            )
        except ValidationError as error:
            if error.rule != "json":
                raise
            if isinstance(bundle, str | bytes) and is_json_text(bundle):
                raise _fail("$", f"JSON text ({error.value})", _clip(bundle), "json") from error
            raise _fail(
                "$", f"a file of JSON text ({error.value})", str(bundle), "json"
            ) from error
    if not isinstance(document, _OBJECT):
        raise _fail("$", "a JSON object (a FHIR Bundle)", document, "type")
    return document


def _unreadable(path: str, why: str) -> Problem:
    return Problem("$", f"a readable FHIR Bundle file ({why})", path, "file")


def _clip(text: str | bytes) -> str:
    shown = text if isinstance(text, str) else text.decode("utf-8", "replace")
    return shown[:40]


def _check_as_of(as_of: object) -> datetime.date:
    if isinstance(as_of, datetime.datetime):
        return as_of.date()
    if not isinstance(as_of, datetime.date):
        raise _fail("$.as_of", "a datetime.date", as_of, "type")
    return as_of


def _entries(document: Mapping[str, Any]) -> Sequence[Any]:
    kind = document.get("resourceType")
    if kind != "Bundle":
        raise _fail("$.resourceType", '"Bundle"', kind, "not_a_bundle")
    entries = document.get("entry", [])
    if not isinstance(entries, list):
        raise _fail("$.entry", "a list of Bundle entries", entries, "type")
    return entries


def _wrong_version(name: str, resource: Mapping[str, Any]) -> str | None:
    """The other FHIR version ``resource`` is valid in, if it is not valid R4/R4B."""
    for version in ("R5", "STU3"):
        if _models.has_type(version, name) and not _models.validate(version, resource):
            return version
    return None


def _check_resource(
    path: str, resource: object, validated: ValidatedResources | None
) -> Mapping[str, Any] | None:
    """The resource if the importer reads it, ``None`` if not; errors if it is malformed."""
    if not isinstance(resource, _OBJECT):
        raise _fail(path, "a FHIR resource (a JSON object)", resource, "type")
    name = resource.get("resourceType", MISSING)
    if not isinstance(name, str) or not name:
        raise _fail(f"{path}.resourceType", "a FHIR resource type", name, "type")
    if not _models.has_type(_READ_AS, name):
        other = next((v for v in ("R5", "STU3") if _models.has_type(v, name)), None)
        expected = "a FHIR R4/R4B resource type"
        raise _fail(
            f"{path}.resourceType",
            expected + (f" ({name} is FHIR {other})" if other else ""),
            name,
            "fhir_version" if other else "fhir_type",
        )
    if name not in _READ:
        return None
    check = _models.validate if validated is None else validated.validate
    problems = check(_READ_AS, resource, "R4/R4B")
    if problems:
        other = _wrong_version(name, resource)
        if other is not None:
            raise _fail(path, f"a FHIR R4/R4B {name}", f"a FHIR {other} {name}", "fhir_version")
        raise ValidationError(problem.at(path) for problem in problems)
    return resource


# -- reading values ----------------------------------------------------------------------


def _codings(concept: object) -> list[Mapping[str, Any]]:
    if not isinstance(concept, _OBJECT):
        return []
    codings = concept.get("coding")
    if not isinstance(codings, list):  # absent, or null (which fhir.resources lets through)
        return []
    return [coding for coding in codings if isinstance(coding, _OBJECT)]


def _codes(concept: object) -> set[str]:
    return {str(coding.get("code")) for coding in _codings(concept) if coding.get("code")}


def _label(resource: Mapping[str, Any], field: str) -> str:
    concept = resource.get(field)
    if isinstance(concept, _OBJECT) and isinstance(concept.get("text"), str):
        return str(concept["text"])
    for coding in _codings(concept):
        if isinstance(coding.get("display"), str):
            return str(coding["display"])
    return str(resource.get("id", ""))


def _shown_codes(concept: object) -> str:
    shown = [
        f"{coding.get('system', 'no system')} {coding.get('code', 'no code')}"
        for coding in _codings(concept)
    ]
    return ", ".join(shown) if shown else "no coding"


def _date_range(value: object) -> tuple[datetime.date, datetime.date] | None:
    """The earliest and latest day a FHIR date or dateTime allows (``2017`` is a year)."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    if match is None:  # pragma: no cover (fhir.resources checked the format)
        return None
    year, month, day = match.groups()
    if day is not None:
        exact = datetime.date(int(year), int(month), int(day))
        return exact, exact
    if month is not None:
        days = calendar.monthrange(int(year), int(month))[1]
        return (
            datetime.date(int(year), int(month), 1),
            datetime.date(int(year), int(month), days),
        )
    return datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31)


def _first_date(
    resource: Mapping[str, Any], field: str, period_end: str = "start"
) -> tuple[tuple[datetime.date, datetime.date] | None, str | None]:
    """A ``field[x]`` choice as a date range, or the name of an unreadable choice found."""
    found = _date_range(resource.get(field + "DateTime"))
    if found is not None:
        return found, None
    period = resource.get(field + "Period")
    if isinstance(period, _OBJECT):
        for key in (period_end, "start", "end"):
            found = _date_range(period.get(key))
            if found is not None:
                return found, None
    other = sorted(key for key in resource if key.startswith(field) and key != field + "DateTime")
    return None, (other[0] if other else None)


def _weeks(days: int) -> float:
    return max(days, 0) / 7


# -- conditions --------------------------------------------------------------------------


def _mapped_condition(
    resource: Mapping[str, Any],
) -> tuple[list[tuple[str, str, Condition, Phase | None]], bool]:
    """Every verified coding of a condition, and whether a phase-only concept was seen."""
    mapped: list[tuple[str, str, Condition, Phase | None]] = []
    phase_only = False
    for coding in _codings(resource.get("code")):
        system, code = coding.get("system"), str(coding.get("code", ""))
        if system == SNOMED_SYSTEM and code in SNOMED_VERIFIED:
            concept = SNOMED_VERIFIED[code]
            if concept.condition is not None:
                mapped.append((SNOMED_SYSTEM, code, concept.condition, concept.phase))
            elif not concept.is_modality:
                phase_only = True
        elif system == ICD10CM_SYSTEM:
            found = icd10cm_condition(code)
            if found is not None:
                mapped.append((ICD10CM_SYSTEM, code, found[1], None))
    return mapped, phase_only


class _SkipError(Exception):
    """A resource is not used: ``rule`` and ``detail`` say why (caught by the reader)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


def _check_status(resource: Mapping[str, Any]) -> None:
    clinical = _codes(resource.get("clinicalStatus")) & _CLINICAL_GONE
    if clinical:
        raise _SkipError(
            "inactive", f"clinical status {sorted(clinical)[0]}: not a current condition"
        )
    verification = _codes(resource.get("verificationStatus")) & _VERIFICATION_GONE
    if verification:
        raise _SkipError("refuted", f"verification status {sorted(verification)[0]}")


def _condition_code(resource: Mapping[str, Any]) -> tuple[str, str, Condition, Phase | None]:
    """The mapped coding of a condition (a phase-fixing one first); skips if none or many."""
    mapped, phase_only = _mapped_condition(resource)
    if not mapped:
        why = "codes a phase of pain, not a condition" if phase_only else "no coding"
        raise _SkipError(
            "uncoded",
            f"{why} in the verified SNOMED CT or ICD-10-CM tables "
            f"({_shown_codes(resource.get('code'))})",
        )
    conditions = {condition for _, _, condition, _ in mapped}
    fixed = {phase for _, _, _, phase in mapped if phase is not None}
    if len(conditions) > 1 or len(fixed) > 1:
        raise _SkipError("ambiguous", f"codings disagree ({_shown_codes(resource.get('code'))})")
    return next((found for found in mapped if found[3] is not None), mapped[0])


def _onset(
    resource: Mapping[str, Any], as_of: datetime.date
) -> tuple[tuple[datetime.date, datetime.date] | None, Phase | None, str | None]:
    """The onset's date range, the phase it gives (``None`` if imprecise), an unread choice."""
    abated, _ = _first_date(resource, "abatement", period_end="end")
    if abated is not None and abated[1] < as_of:
        raise _SkipError(
            "abated", f"abated on {abated[1].isoformat()}, before {as_of.isoformat()}"
        )
    onset, unread = _first_date(resource, "onset")
    if onset is None:
        return None, None, unread
    if onset[0] > as_of:
        raise _SkipError("future", f"onset {onset[0].isoformat()} is after {as_of.isoformat()}")
    longest = Phase.from_weeks(_weeks((as_of - onset[0]).days))
    shortest = Phase.from_weeks(_weeks((as_of - min(onset[1], as_of)).days))
    return onset, (longest if longest is shortest else None), unread


def _phase(
    path: str,
    fixed: Phase | None,
    *,
    onset: tuple[datetime.date, datetime.date] | None,
    onset_phase: Phase | None,
    unread: str | None,
    as_of: datetime.date,
) -> tuple[Phase, str, str]:
    """The phase, where it came from (``code`` or ``onset``), and a note if they disagree.

    A concept that fixes the phase wins over the onset: the clinician coded it so. An onset
    that disagrees is noted, not hidden.
    """
    if fixed is not None:
        note = ""
        if onset is not None and onset_phase is not fixed:
            note = (
                f"{path}: the code says {fixed.value} but the onset "
                f"({onset[0].isoformat()}) gives "
                f"{onset_phase.value if onset_phase else 'an imprecise phase'} as of "
                f"{as_of.isoformat()}; the coded phase is used"
            )
        return fixed, "code", note
    if onset is None:
        why = f"its onset is given as {unread}, which is not read" if unread else "no onset"
        raise _SkipError("undated", f"{why}: the phase cannot be told")
    if onset_phase is None:
        raise _SkipError(
            "imprecise_onset",
            f"the onset is too imprecise to tell the phase as of {as_of.isoformat()}",
        )
    return onset_phase, "onset", ""


def _by_definition(
    path: str,
    condition: Condition,
    *,
    onset: tuple[datetime.date, datetime.date] | None,
    onset_phase: Phase | None,
    unread: str | None,
    as_of: datetime.date,
) -> tuple[Phase, str, str]:
    """Chronic, from the definition; a note when the onset alone would not have said so."""
    if onset_phase is Phase.CHRONIC:
        return Phase.CHRONIC, "definition", ""
    if onset is None:
        found = f"onset given as {unread}, not read" if unread else "no onset recorded"
    elif onset_phase is None:
        found = f"onset {onset[0].isoformat()} too imprecise to give a phase"
    else:
        found = (
            f"onset {onset[0].isoformat()} alone would give {onset_phase.value} "
            f"as of {as_of.isoformat()}"
        )
    note = (
        f"{path}: {CONDITION_WORDS[condition]} is chronic by definition, read as chronic "
        f"whatever its onset ({found})"
    )
    return Phase.CHRONIC, "definition", note


def _read_condition(
    path: str, resource: Mapping[str, Any], as_of: datetime.date
) -> ImportedCondition:
    _check_status(resource)
    system, code, condition, fixed = _condition_code(resource)
    onset, onset_phase, unread = _onset(resource, as_of)
    if fixed is None and condition in CHRONIC_BY_DEFINITION:
        phase, phase_from, note = _by_definition(
            path, condition, onset=onset, onset_phase=onset_phase, unread=unread, as_of=as_of
        )
    else:
        phase, phase_from, note = _phase(
            path, fixed, onset=onset, onset_phase=onset_phase, unread=unread, as_of=as_of
        )
    return ImportedCondition(
        pain_type=PainType(condition, phase),
        path=path,
        resource_id=resource.get("id"),
        system=system,
        code=code,
        display=_label(resource, "code"),
        onset=None if onset is None else onset[0],
        phase_from=phase_from,
        note=note,
    )


# -- procedures and referrals ------------------------------------------------------------


def _procedure_concept(resource: Mapping[str, Any]) -> SnomedConcept:
    """The one specific verified modality or referral concept coding a procedure.

    Skips the resource when there is none, only a generic one, or several that disagree.
    """
    concepts = [
        concept
        for coding in _codings(resource.get("code"))
        if coding.get("system") == SNOMED_SYSTEM
        for concept in (SNOMED_VERIFIED.get(str(coding.get("code"))),)
        if concept is not None and (concept.is_modality or concept.is_referral)
    ]
    if not concepts:
        raise _SkipError(
            "unmapped",
            "no coding in the verified SNOMED CT table of modalities and referrals "
            f"({_shown_codes(resource.get('code'))})",
        )
    specific = [concept for concept in concepts if not concept.generic]
    if not specific:
        raise _SkipError(
            "generic",
            f"{concepts[0].display} ({concepts[0].code}) is too broad to tell which modality",
        )
    if len({concept.target for concept in specific}) > 1:
        raise _SkipError("ambiguous", f"codings disagree ({_shown_codes(resource.get('code'))})")
    return specific[0]


def _modality_words(modality_id: str) -> str:
    """A built-in modality's name as it reads inside a sentence (``tai chi and qigong``)."""
    found = default_catalog().get(modality_id)
    name = modality_id if found is None else found.name
    return in_sentence(name)


def _prior_words(concept: SnomedConcept, kind: str, date: datetime.date | None) -> str:
    """What a prior procedure or referral says, in the dossier's words, with its date."""
    if concept.is_referral:
        words = concept.words
    elif kind == "procedure":
        words = f"had {_modality_words(concept.target)}"
    else:
        words = f"referred for {_modality_words(concept.target)}"
    return words + (f" on {date.isoformat()}" if date is not None else ", date not recorded")


def _read_procedure(path: str, resource: Mapping[str, Any], as_of: datetime.date) -> PriorCare:
    name = str(resource["resourceType"])
    status = resource.get("status")
    if status in _NOT_TRIED[name]:
        raise _SkipError("not_tried", f"status {status}: not tried or referred to")
    if resource.get("doNotPerform") is True:
        raise _SkipError("not_tried", "marked do-not-perform")
    intent = resource.get("intent")
    if name == "ServiceRequest" and intent in _SUGGESTED:
        raise _SkipError("not_tried", f"intent {intent}: suggested, not referred")
    concept = _procedure_concept(resource)
    when, _ = _first_date(resource, "performed" if name == "Procedure" else "occurrence")
    if when is None and name == "ServiceRequest":
        when = _date_range(resource.get("authoredOn"))
    if when is not None and when[0] > as_of:
        raise _SkipError("future", f"dated {when[0].isoformat()}, after {as_of.isoformat()}")
    date = None if when is None else when[0]
    kind: Literal["procedure", "referral"] = (
        "procedure" if name == "Procedure" and concept.is_modality else "referral"
    )
    return PriorCare(
        target=concept.refers_to or concept.target,
        kind=kind,
        approximate=concept.approximate,
        date=date,
        words=_prior_words(concept, kind, date),
        path=path,
        resource_type=name,
        code=concept.code,
        display=_label(resource, "code"),
    )


def _imported(prior: PriorCare) -> ImportedProcedure | None:
    """The prior care as a modality tried, when it names the modality itself."""
    if prior.approximate or prior.modality_id is None:
        return None
    return ImportedProcedure(
        modality_id=prior.modality_id,
        path=prior.path,
        resource_type=prior.resource_type,
        code=prior.code,
        display=prior.display,
        date=prior.date,
    )


def prior_care_for(
    record: BundleImport, modality_id: str, *, catalog: Catalog | None = None
) -> tuple[PriorCare, ...]:
    """What ``record`` says was already done or referred to that concerns ``modality_id``.

    That is the prior care pointing at the modality itself, or at its whole family (a
    referral for psychotherapy concerns every psychological therapy), in bundle order. Each
    keeps its words and its ``approximate`` mark: show them as the record says them.

    Args:
        record: what :func:`read_bundle` read.
        modality_id: a modality of ``catalog``.
        catalog: the catalog the modality is in (the built-in one by default); it tells
            the modality's family.

    Raises:
        UnknownModalityError: when ``catalog`` has no modality ``modality_id``.
        ValidationError: when ``record`` is not a :class:`BundleImport`.

    >>> from datetime import date
    >>> chiropractor = {
    ...     "resourceType": "Procedure",
    ...     "status": "completed",
    ...     "code": {"coding": [{"system": "http://snomed.info/sct", "code": "308449000"}]},
    ...     "subject": {"reference": "Patient/1"},
    ...     "performedDateTime": "2023-01-31",
    ... }
    >>> record = read_bundle(
    ...     {"resourceType": "Bundle", "entry": [{"resource": chiropractor}]},
    ...     as_of=date(2024, 1, 1),
    ... )
    >>> [str(prior) for prior in prior_care_for(record, "manual.spinal_manipulation")]
    ['referred to a chiropractor on 2023-01-31']
    >>> record.tried, prior_care_for(record, "acupuncture")
    ((), ())
    """
    if not isinstance(record, BundleImport):
        raise invalid("$.record", "a BundleImport (from read_bundle)", record, "type")
    modality = (default_catalog() if catalog is None else catalog)[modality_id]
    return tuple(
        prior
        for prior in record.prior_care
        if prior.modality_id == modality.id or prior.family == modality.kind
    )


def _read(
    path: str, resource: Mapping[str, Any], as_of: datetime.date
) -> ImportedCondition | PriorCare | Skipped:
    name = str(resource["resourceType"])
    try:
        if name == "Condition":
            return _read_condition(path, resource, as_of)
        return _read_procedure(path, resource, as_of)
    except _SkipError as skip:
        return Skipped(
            path=path,
            resource_type=name,
            label=_label(resource, "code"),
            rule=skip.rule,
            detail=skip.detail,
        )


# -- one patient ------------------------------------------------------------------------


@attrs.frozen
class _Patient:
    """A patient the bundle holds: a Patient entry, or a subject its resources name."""

    id: str | None
    full_url: str | None
    in_bundle: bool

    @property
    def reference(self) -> str:
        return f"Patient/{self.id}" if self.id is not None else str(self.full_url)

    def is_named(self, name: str) -> bool:
        """Whether ``name`` (``Patient/a``, ``a`` or the entry's ``fullUrl``) names it."""
        return name in (self.id, self.full_url) or (self.id is not None and name == self.reference)


def _subject(resource: Mapping[str, Any]) -> str | None:
    subject = resource.get("subject")
    reference = subject.get("reference") if isinstance(subject, _OBJECT) else None
    return reference if isinstance(reference, str) else None


def _patient_id(reference: str) -> str | None:
    """The Patient id a reference names (``Patient/a``, ``https://host/fhir/Patient/a``)."""
    bare = reference.split("/_history/", 1)[0]
    head, found, tail = bare.rpartition("Patient/")
    if found and (not head or head.endswith("/")) and _models.FHIR_ID.fullmatch(tail):
        return tail
    return None


def _references(reference: str | None, patient: _Patient | None) -> bool:
    if reference is None or patient is None:
        return False
    if patient.full_url is not None and reference == patient.full_url:
        return True
    return patient.id is not None and _patient_id(reference) == patient.id


def _bundle_patients(
    entries: Sequence[Any], read: list[tuple[str, Mapping[str, Any]]]
) -> list[_Patient]:
    """The bundle's Patients that a subject can reference, once each, in bundle order.

    Without one, the patients are the subjects its Conditions, Procedures and
    ServiceRequests reference.
    """
    found: dict[str, _Patient] = {}
    for entry in entries:
        resource = entry.get("resource")
        if not isinstance(resource, _OBJECT) or resource.get("resourceType") != "Patient":
            continue
        given, url = resource.get("id"), entry.get("fullUrl")
        patient = _Patient(
            given if isinstance(given, str) and given else None,
            url if isinstance(url, str) and url else None,
            in_bundle=True,
        )
        if patient.id is not None or patient.full_url is not None:
            found.setdefault(patient.reference, patient)
    if not found:
        for _, resource in read:
            reference = _subject(resource)
            named = None if reference is None else _patient_id(reference)
            if named is not None:
                found.setdefault(named, _Patient(named, None, in_bundle=False))
    return list(found.values())


def _chosen(patients: list[_Patient], patient: object) -> _Patient | None:
    """The patient to read: the one named, or the bundle's only one; errors otherwise."""
    shown = [found.reference for found in patients]
    if patient is None:
        if len(patients) > 1:
            # The references are listed in full in the words: a value is cut to 80
            # characters when shown, which can cut two long ids to one prefix.
            listed = ", ".join(f'"{reference}"' for reference in shown)
            raise invalid(
                "$.entry",
                f"the resources of one patient, or one of the Patients found named with "
                f"read_bundle(..., patient=...): {listed}",
                shown,
                "several_patients",
            )
        return patients[0] if patients else None
    if not isinstance(patient, str) or not patient:
        raise invalid(
            "$.patient", 'a Patient reference ("Patient/a") or id ("a")', patient, "type"
        )
    named = [found for found in patients if found.is_named(patient)]
    if not named:
        listed = ", ".join(f'"{reference}"' for reference in shown) or "none"
        raise invalid(
            "$.patient", f"a Patient of the bundle (found: {listed})", patient, "unknown_patient"
        )
    return named[0]


def _other_patient(path: str, resource: Mapping[str, Any], patient: _Patient | None) -> Skipped:
    reference = _subject(resource)
    whose = f"its subject {reference}" if reference else "its subject has no reference"
    read = f"the patient read, {patient.reference}" if patient else "a Patient"
    return Skipped(
        path=path,
        resource_type=str(resource["resourceType"]),
        label=_label(resource, "code"),
        rule="other_patient",
        detail=f"{whose}, not {read}: left out",
    )


def read_bundle(
    bundle: str | bytes | os.PathLike[str] | Mapping[str, Any],
    *,
    as_of: datetime.date,
    patient: str | None = None,
    validated: ValidatedResources | None = None,
) -> BundleImport:
    """Read a patient's FHIR R4/R4B Bundle: their pain types as of a date, and what was tried.

    Conditions coded with a verified SNOMED CT concept or a verified ICD-10-CM category
    give pain types; the phase comes from the weeks between onset (``onsetDateTime`` or
    ``onsetPeriod.start``) and ``as_of``, unless the concept fixes it (``278860009``
    Chronic low back pain) or the condition is chronic by definition (knee and hip
    osteoarthritis, fibromyalgia: :data:`CHRONIC_BY_DEFINITION`, noted when the onset
    alone would say otherwise). Procedures and ServiceRequests coded with a verified SNOMED
    CT modality or referral concept give :attr:`BundleImport.prior_care`, worded as the
    dossier says (a referral is never the modality), and the modalities tried. Nothing is
    guessed: every Condition, Procedure or ServiceRequest not used is listed in
    ``problems`` with why.

    One bundle is read for one patient. A bundle with several Patients (or, without a
    Patient, whose resources name several patients as ``subject``) is refused unless
    ``patient`` names one; resources whose ``subject`` does not reference the patient read
    are left out and reported (rule ``other_patient``).

    Args:
        bundle: JSON text (a ``str`` starting with ``{``, or ``bytes``), a path to a JSON
            file (any other ``str``, or a path object), or the parsed JSON object.
        as_of: the date to measure durations to (a ``datetime`` counts by its date).
        patient: the patient to read, as a reference (``"Patient/a"``) or an id (``"a"``);
            needed only when the bundle holds several.
        validated: a memory of resources already found valid, kept across calls by a
            caller that reads the same records again (the CDS Hooks service keeps one);
            ``None``: every resource is validated.

    Returns:
        The pain types, the modality ids tried, what was done or referred to, and the
        reasons for what was skipped.

    Raises:
        ValidationError: for input that is not a readable FHIR R4/R4B Bundle, or a
            Condition, Procedure or ServiceRequest that is not valid FHIR R4/R4B (the error
            carries its JSON path, such as ``$.entry[3].resource.code``); for a bundle of
            several patients without ``patient`` (rule ``several_patients``, listing them),
            or a ``patient`` the bundle does not hold (rule ``unknown_patient``).
        MissingExtraError: when the ``fhir`` extra is not installed.

    >>> from datetime import date
    >>> back = {
    ...     "resourceType": "Condition",
    ...     "code": {
    ...         "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.50"}]
    ...     },
    ...     "subject": {"reference": "Patient/1"},
    ...     "onsetDateTime": "2023-11-20",
    ... }
    >>> found = read_bundle(
    ...     {"resourceType": "Bundle", "entry": [{"resource": back}]}, as_of=date(2024, 1, 1)
    ... )
    >>> [str(pain_type) for pain_type in found.pain_types]
    ['low_back:subacute']
    """
    day = _check_as_of(as_of)
    entries = _entries(_load(bundle))
    read: list[tuple[str, Mapping[str, Any]]] = []
    for index, entry in enumerate(entries):
        at = f"$.entry[{index}]"
        if not isinstance(entry, _OBJECT):
            raise _fail(at, "a Bundle entry (a JSON object)", entry, "type")
        if "resource" not in entry:
            continue
        resource = _check_resource(f"{at}.resource", entry["resource"], validated)
        if resource is not None:
            read.append((f"{at}.resource", resource))
    chosen = _chosen(_bundle_patients(entries, read), patient)
    conditions: list[ImportedCondition] = []
    prior_care: list[PriorCare] = []
    skipped: list[Skipped] = []
    for path, resource in read:
        found = (
            _read(path, resource, day)
            if _references(_subject(resource), chosen)
            else _other_patient(path, resource, chosen)
        )
        if isinstance(found, Skipped):
            skipped.append(found)
        elif isinstance(found, ImportedCondition):
            conditions.append(found)
        else:
            prior_care.append(found)
    if not entries:
        skipped.append(
            Skipped(
                path="$",
                resource_type="Bundle",
                label="",
                rule="no_entries",
                detail="the bundle has no entries",
            )
        )
    if not conditions:
        skipped.append(
            Skipped(
                path="$",
                resource_type="Bundle",
                label="",
                rule="no_pain_condition",
                detail="no Condition maps to a current pain type the catalog covers",
            )
        )
    procedures = [found for found in map(_imported, prior_care) if found is not None]
    return BundleImport(
        as_of=day,
        pain_types=tuple(sorted({found.pain_type for found in conditions})),
        tried=tuple(sorted({found.modality_id for found in procedures})),
        conditions=tuple(conditions),
        procedures=tuple(procedures),
        skipped=tuple(skipped),
        notes=tuple(found.note for found in conditions if found.note),
        subject=(
            chosen.reference
            if chosen is not None
            and chosen.in_bundle
            and chosen.id is not None
            and _models.FHIR_ID.fullmatch(chosen.id)
            else None
        ),
        prior_care=tuple(prior_care),
    )
