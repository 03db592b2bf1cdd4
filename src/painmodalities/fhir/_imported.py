"""What the FHIR import gives: a patient's pain types, their prior care, and what was skipped.

The result objects of :func:`~painmodalities.fhir.read_bundle`, immutable and with the JSON
path of every resource they came from.
"""

import datetime
from typing import Literal

import attrs

from painmodalities.evidence import PainType
from painmodalities.modalities import Modality

__all__ = [
    "BundleImport",
    "ImportedCondition",
    "ImportedProcedure",
    "PriorCare",
    "Skipped",
    "targets_concerning",
]


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


def targets_concerning(modality: Modality) -> frozenset[str]:
    """The :attr:`PriorCare.target` values that concern ``modality``: itself, or its family.

    A referral for a whole family (psychotherapy) concerns every modality of it.
    """
    return frozenset((modality.id, f"family:{modality.kind}"))


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
