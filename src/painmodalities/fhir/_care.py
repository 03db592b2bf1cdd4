"""Reading a Procedure or ServiceRequest as care already tried or referred to, in words."""

import datetime
from collections.abc import Mapping
from typing import Any, Final, Literal

from painmodalities._builtin import default_catalog
from painmodalities._words import in_sentence
from painmodalities.catalog import Catalog
from painmodalities.errors import invalid
from painmodalities.fhir._codes import SNOMED_SYSTEM, SNOMED_VERIFIED, SnomedConcept
from painmodalities.fhir._imported import (
    BundleImport,
    ImportedProcedure,
    PriorCare,
    targets_concerning,
)
from painmodalities.fhir._values import (
    _codings,
    _date_range,
    _first_date,
    _label,
    _shown_codes,
    _SkipError,
)

__all__ = ["prior_care_for"]

_NOT_TRIED: Final[Mapping[str, frozenset[str]]] = {
    "Procedure": frozenset({"preparation", "not-done", "entered-in-error"}),
    "ServiceRequest": frozenset({"draft", "revoked", "entered-in-error"}),
}
#: ServiceRequest intents that only suggest: not a referral (our own exports propose).
_SUGGESTED: Final = frozenset({"proposal", "option"})


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
    >>> from painmodalities.fhir import read_bundle
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
    targets = targets_concerning((default_catalog() if catalog is None else catalog)[modality_id])
    return tuple(prior for prior in record.prior_care if prior.target in targets)
