"""Reading a patient's FHIR R4/R4B Bundle: their pain types, and what they already tried."""

import calendar
import datetime
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from painmodalities._json_text import is_json_text, read_json
from painmodalities.errors import MISSING, Problem, ValidationError
from painmodalities.evidence import PainType
from painmodalities.fhir import _models
from painmodalities.fhir._codes import (
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    SNOMED_VERIFIED,
    SnomedConcept,
    icd10cm_condition,
)
from painmodalities.vocabulary import Condition, Phase

__all__ = ["BundleImport", "ImportedCondition", "ImportedProcedure", "Skipped", "read_bundle"]

#: The version whose models check the resources the importer reads (R4 reads as R4B).
_READ_AS: Final = "R4B"
#: The resources the importer reads; every other entry is left alone.
_READ: Final = frozenset({"Condition", "Procedure", "ServiceRequest"})

_CLINICAL_GONE: Final = frozenset({"inactive", "resolved", "remission"})
_VERIFICATION_GONE: Final = frozenset({"refuted", "entered-in-error"})
_NOT_TRIED: Final[Mapping[str, frozenset[str]]] = {
    "Procedure": frozenset({"preparation", "not-done", "entered-in-error"}),
    "ServiceRequest": frozenset({"draft", "revoked", "entered-in-error"}),
}
#: ServiceRequest intents that only suggest: not a referral (our own exports propose).
_SUGGESTED: Final = frozenset({"proposal", "option"})
_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
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
        phase_from: ``"onset"`` (weeks from onset to the "as of" date) or ``"code"`` (a
            SNOMED CT concept that fixes the phase, such as chronic low back pain).
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
class Skipped:
    """A resource the importer read but did not use, and why.

    Attributes:
        path: JSON path of the resource in the bundle (``$`` for the bundle itself).
        resource_type: its type.
        label: its text, for people.
        rule: a short stable code: ``inactive``, ``refuted``, ``uncoded``, ``ambiguous``,
            ``undated``, ``imprecise_onset``, ``future``, ``abated``, ``unmapped``,
            ``generic``, ``not_tried``, ``no_entries`` or ``no_pain_condition``.
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
        tried: ids of the modalities already tried or referred to, sorted, each once.
        conditions: each Condition that gave a pain type, in bundle order.
        procedures: each Procedure or ServiceRequest that gave a modality, in bundle order.
        skipped: each Condition, Procedure or ServiceRequest that was not used, with why.
        notes: remarks on resources that were used (such as an onset that disagrees with
            the coded phase).
        subject: a reference to the bundle's patient (``Patient/{id}``) when it holds
            exactly one Patient with an id, for :func:`export_ranking`; else ``None``.
    """

    as_of: datetime.date
    pain_types: tuple[PainType, ...]
    tried: tuple[str, ...]
    conditions: tuple[ImportedCondition, ...] = ()
    procedures: tuple[ImportedProcedure, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    subject: str | None = None

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
    if isinstance(bundle, Mapping):
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
    if not isinstance(document, Mapping):
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


def _check_resource(path: str, resource: object) -> Mapping[str, Any] | None:
    """The resource if the importer reads it, ``None`` if not; errors if it is malformed."""
    if not isinstance(resource, Mapping):
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
    problems = _models.validate(_READ_AS, resource, "R4/R4B")
    if problems:
        other = _wrong_version(name, resource)
        if other is not None:
            raise _fail(path, f"a FHIR R4/R4B {name}", f"a FHIR {other} {name}", "fhir_version")
        raise ValidationError(problem.at(path) for problem in problems)
    return resource


# -- reading values ----------------------------------------------------------------------


def _codings(concept: object) -> list[Mapping[str, Any]]:
    if not isinstance(concept, Mapping):
        return []
    codings = concept.get("coding")
    if not isinstance(codings, list):  # absent, or null (which fhir.resources lets through)
        return []
    return [coding for coding in codings if isinstance(coding, Mapping)]


def _codes(concept: object) -> set[str]:
    return {str(coding.get("code")) for coding in _codings(concept) if coding.get("code")}


def _label(resource: Mapping[str, Any], field: str) -> str:
    concept = resource.get(field)
    if isinstance(concept, Mapping) and isinstance(concept.get("text"), str):
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
    if isinstance(period, Mapping):
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


def _read_condition(
    path: str, resource: Mapping[str, Any], as_of: datetime.date
) -> ImportedCondition:
    _check_status(resource)
    system, code, condition, fixed = _condition_code(resource)
    onset, onset_phase, unread = _onset(resource, as_of)
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
    """The one specific verified modality concept coding a procedure; skips otherwise."""
    concepts = [
        SNOMED_VERIFIED[str(coding.get("code"))]
        for coding in _codings(resource.get("code"))
        if coding.get("system") == SNOMED_SYSTEM
        and str(coding.get("code")) in SNOMED_VERIFIED
        and SNOMED_VERIFIED[str(coding.get("code"))].is_modality
    ]
    if not concepts:
        raise _SkipError(
            "unmapped",
            "no coding in the verified SNOMED CT table of modalities "
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


def _read_procedure(
    path: str, resource: Mapping[str, Any], as_of: datetime.date
) -> ImportedProcedure:
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
    return ImportedProcedure(
        modality_id=concept.target,
        path=path,
        resource_type=name,
        code=concept.code,
        display=_label(resource, "code"),
        date=None if when is None else when[0],
    )


def _read(
    path: str, resource: Mapping[str, Any], as_of: datetime.date
) -> ImportedCondition | ImportedProcedure | Skipped:
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


def read_bundle(
    bundle: str | bytes | os.PathLike[str] | Mapping[str, Any], *, as_of: datetime.date
) -> BundleImport:
    """Read a patient's FHIR R4/R4B Bundle: their pain types as of a date, and what was tried.

    Conditions coded with a verified SNOMED CT concept or a verified ICD-10-CM category
    give pain types; the phase comes from the weeks between onset (``onsetDateTime`` or
    ``onsetPeriod.start``) and ``as_of``, unless the concept fixes it (``278860009``
    Chronic low back pain). Procedures and ServiceRequests coded with a verified SNOMED CT
    modality concept give the modalities tried or referred to. Nothing is guessed: every
    Condition, Procedure or ServiceRequest not used is listed in ``problems`` with why.

    Args:
        bundle: JSON text (a ``str`` starting with ``{``, or ``bytes``), a path to a JSON
            file (any other ``str``, or a path object), or the parsed JSON object.
        as_of: the date to measure durations to (a ``datetime`` counts by its date).

    Returns:
        The pain types, the modality ids tried, and the reasons for what was skipped.

    Raises:
        ValidationError: for input that is not a readable FHIR R4/R4B Bundle, or a
            Condition, Procedure or ServiceRequest that is not valid FHIR R4/R4B (the error
            carries its JSON path, such as ``$.entry[3].resource.code``).
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
    conditions: list[ImportedCondition] = []
    procedures: list[ImportedProcedure] = []
    skipped: list[Skipped] = []
    patients: list[str] = []
    for index, entry in enumerate(entries):
        at = f"$.entry[{index}]"
        if not isinstance(entry, Mapping):
            raise _fail(at, "a Bundle entry (a JSON object)", entry, "type")
        if "resource" not in entry:
            continue
        resource = _check_resource(f"{at}.resource", entry["resource"])
        if resource is None:
            patient = entry["resource"]
            if patient.get("resourceType") == "Patient":
                patients.append(str(patient.get("id", "")))
            continue
        read = _read(f"{at}.resource", resource, day)
        if isinstance(read, Skipped):
            skipped.append(read)
        elif isinstance(read, ImportedCondition):
            conditions.append(read)
        else:
            procedures.append(read)
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
    return BundleImport(
        as_of=day,
        pain_types=tuple(sorted({found.pain_type for found in conditions})),
        tried=tuple(sorted({found.modality_id for found in procedures})),
        conditions=tuple(conditions),
        procedures=tuple(procedures),
        skipped=tuple(skipped),
        notes=tuple(found.note for found in conditions if found.note),
        subject=(
            f"Patient/{patients[0]}"
            if len(patients) == 1 and _FHIR_ID.fullmatch(patients[0])
            else None
        ),
    )
