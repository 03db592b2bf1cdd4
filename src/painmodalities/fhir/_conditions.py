"""Reading a Condition as a pain type: its verified code, its status, its onset, its phase."""

import datetime
from collections.abc import Mapping
from typing import Any, Final

from painmodalities._words import CONDITION_WORDS
from painmodalities.evidence import PainType
from painmodalities.fhir._codes import (
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    SNOMED_VERIFIED,
    icd10cm_condition,
)
from painmodalities.fhir._imported import ImportedCondition
from painmodalities.fhir._values import (
    _codes,
    _codings,
    _first_date,
    _label,
    _shown_codes,
    _SkipError,
    _weeks,
)
from painmodalities.vocabulary import CHRONIC_BY_DEFINITION, Condition, Phase

__all__: list[str] = []

_CLINICAL_GONE: Final = frozenset({"inactive", "resolved", "remission"})
_VERIFICATION_GONE: Final = frozenset({"refuted", "entered-in-error"})


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
