"""The population measures, and the one function that reads one patient for them.

A patient's resources (their Patient, Conditions, Procedures and ServiceRequests) are put in a
Bundle and read by :func:`painmodalities.fhir.read_bundle`, the single-patient FHIR import,
and each pain type found is planned by :func:`painmodalities.plan`: the measures never read
FHIR or choose a plan's core themselves, so a change to either flows through unchanged.
"""

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, NamedTuple

import attrs

from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog
from painmodalities.errors import ValidationError, invalid
from painmodalities.evidence import PainType
from painmodalities.fhir import BundleImport, PriorCare, read_bundle
from painmodalities.fhir._imported import targets_concerning
from painmodalities.plans import plan
from painmodalities.vocabulary import Direction

__all__ = [
    "DEFAULT_LOOKBACK_MONTHS",
    "MEASURES",
    "Measure",
    "PatientResult",
    "PatientRow",
    "PatientSkip",
    "lookback_start",
    "read_patient",
]

#: The look-back window of the measures, in calendar months before the as-of date.
DEFAULT_LOOKBACK_MONTHS: Final = 12


@attrs.frozen(kw_only=True)
class Measure:
    """A population measure: for each pain type, among the patients with it, who meets it.

    Attributes:
        id: the measure's stable id, also its column in the rows.
        title: its name for people.
        definition: what a patient must show to be in its numerator.
        rests_on: the direction of the in-scope guideline recommendations it rests on (the
            dossier's ``recommendations.csv``, column ``direction``).
        why: the recommendation it rests on, in words.
    """

    id: str
    title: str
    definition: str
    rests_on: Direction
    why: str


#: The four measures, in report order. The denominator of each is every patient with the
#: pain type; care counts when recorded in the look-back window (undated care does not).
MEASURES: Final[tuple[Measure, ...]] = (
    Measure(
        id="active_care_recorded",
        title="Active care recorded",
        definition="a core choice of the patient's care plan (painmodalities.plan) done or "
        "referred to in the look-back window, approximate and family-level referrals included "
        "(the row marks them)",
        rests_on=Direction.FOR,
        why="the plan's core is the best-ranked active option that no in-scope guideline "
        "recommends against; the guidelines' recommendations for exercise carry it",
    ),
    Measure(
        id="passive_only",
        title="Passive care only",
        definition="non-drug care recorded in the look-back window, all of it passive",
        rests_on=Direction.ONLY_WITH_EXERCISE,
        why="NICE NG59 1.2.7: manual therapy and psychological therapy for low back pain only "
        "as part of a treatment package including exercise; passive options are adjuncts, "
        "never the whole plan",
    ),
    Measure(
        id="not_recommended_recorded",
        title="Not-recommended care recorded",
        definition="a modality recorded in the look-back window that an in-scope guideline "
        "recommends against (direction against: do not offer, recommended against)",
        rests_on=Direction.AGAINST,
        why="the in-scope recommendations against a modality, such as NICE NG59 on "
        "acupuncture and TENS for low back pain or ACR 2019 on TENS for knee osteoarthritis",
    ),
    Measure(
        id="no_nondrug_care_recorded",
        title="No non-drug care recorded",
        definition="no non-drug care (no Procedure or ServiceRequest the importer reads) "
        "recorded in the look-back window",
        rests_on=Direction.FOR,
        why="every in-scope guideline recommends non-drug care first for these pain types",
    ),
)


@attrs.frozen(kw_only=True)
class PatientRow:
    """One patient and one of their pain types: what was recorded, the plan, the measures.

    A row names a patient: the rows are personal data.

    Attributes:
        patient: the Patient's id.
        pain_type: the pain type, as ``read_bundle`` reads it (``low_back:chronic``).
        chronic_by_definition: whether the pain type was read as chronic by definition.
        recorded: what the record shows done or referred to in the look-back window, in the
            importer's words, by date, ``"; "``-separated (the same however the export's
            files split the resources).
        approximate: whether any of it is an approximate or family-level referral (a
            provider or a broad therapy, not the modality itself).
        core: the plan's core choices, ``;``-separated (empty: no active option has
            scored evidence).
        adjuncts: the plan's adjuncts, ``;``-separated.
        not_recommended: the recorded modalities an in-scope guideline recommends against,
            ``;``-separated.
        active_care_recorded: the measure :data:`MEASURES` of that id.
        active_care_approximate: whether the active care was recorded only through
            approximate or family-level referrals.
        passive_only: the measure of that id.
        not_recommended_recorded: the measure of that id.
        no_nondrug_care_recorded: the measure of that id.
    """

    patient: str
    pain_type: str
    chronic_by_definition: bool
    recorded: str
    approximate: bool
    core: str
    adjuncts: str
    not_recommended: str
    active_care_recorded: bool
    active_care_approximate: bool
    passive_only: bool
    not_recommended_recorded: bool
    no_nondrug_care_recorded: bool


@attrs.frozen(kw_only=True)
class PatientSkip:
    """Something of the export that was not used, counted and reported.

    Attributes:
        rule: a short stable code (``truncated_line``, ``no_subject``, ``no_patient`` ...).
        where: the file and line (``Condition.ndjson:12``), or the patient.
        detail: the reason in plain words.
    """

    rule: str
    where: str
    detail: str


@attrs.frozen(kw_only=True)
class PatientResult:
    """What :func:`read_patient` found: the patient's rows, and what it left out."""

    rows: tuple[PatientRow, ...] = ()
    skips: tuple[PatientSkip, ...] = ()


def lookback_start(as_of: datetime.date, months: int) -> datetime.date:
    """The first day of the look-back window: ``months`` calendar months before ``as_of``.

    >>> lookback_start(datetime.date(2024, 3, 31), 1)
    datetime.date(2024, 2, 29)
    """
    if type(months) is not int or months < 0:
        raise invalid("$.lookback", "a whole number of months, 0 or more", months, "range")
    total = as_of.year * 12 + as_of.month - 1 - months
    year, month = divmod(total, 12)
    if year < datetime.MINYEAR:
        raise invalid("$.lookback", "a window that starts after year 1", months, "range")
    day = min(as_of.day, calendar.monthrange(year, month + 1)[1])
    return datetime.date(year, month + 1, day)


class _Care(NamedTuple):
    """What a row takes from the plan of its pain type."""

    core: str
    adjuncts: str
    #: The prior-care targets that concern a core choice (as ``prior_care_for`` reads them).
    core_targets: frozenset[str]


class _Plans:
    """What is the same for every patient of a run, worked out once for each input.

    The plan of each pain type (``plan`` is pure), and what the catalog says of each
    prior-care target (active or passive) and of each target and pain type (recommended
    against). Keyed on values of the catalog's finite sets (pain types, the targets the
    importer reads), so it is bounded by them, not by the number of patients.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._found: dict[PainType, _Care] = {}
        self._activity: dict[str, bool | None] = {}
        self._against: dict[tuple[str, PainType], bool] = {}
        self._starts: dict[tuple[datetime.date, int], datetime.date] = {}

    def care(self, pain_type: PainType) -> _Care:
        """The plan of ``pain_type`` and what a row takes from it."""
        found = self._found.get(pain_type)
        if found is None:
            care = plan(pain_type, catalog=self.catalog)
            found = self._found[pain_type] = _Care(
                core=";".join(item.modality.id for item in care.core_choices),
                adjuncts=";".join(item.modality.id for item in care.adjuncts),
                core_targets=frozenset().union(
                    *(targets_concerning(item.modality) for item in care.core_choices)
                ),
            )
        return found

    def activity(self, prior: PriorCare) -> bool | None:
        """Whether what ``prior`` points to is active (``None``: the catalog cannot say)."""
        if prior.target not in self._activity:
            self._activity[prior.target] = _activity(prior, self.catalog)
        return self._activity[prior.target]

    def against(self, prior: PriorCare, pain_type: PainType) -> bool:
        """Whether an in-scope guideline recommends against the modality ``prior`` names."""
        key = (prior.target, pain_type)
        found = self._against.get(key)
        if found is None:
            named = prior.modality_id
            modality = None if named is None else self.catalog.get(named)
            found = self._against[key] = modality is not None and any(
                rec.direction is Direction.AGAINST
                for rec in modality.recommendations_for(pain_type)
            )
        return found

    def start(self, as_of: datetime.date, months: int) -> datetime.date:
        """:func:`lookback_start` of ``as_of`` and ``months``."""
        key = (as_of, months)
        found = self._starts.get(key)
        if found is None:
            found = self._starts[key] = lookback_start(as_of, months)
        return found


def _activity(prior: PriorCare, catalog: Catalog) -> bool | None:
    """Whether what ``prior`` points to is active (``None``: the catalog cannot say)."""
    if prior.modality_id is not None:
        modality = catalog.get(prior.modality_id)
        return None if modality is None else modality.is_active
    found = {modality.is_active for modality in catalog if modality.kind == prior.family}
    return found.pop() if len(found) == 1 else None


def _rows(
    patient: str, record: BundleImport, window: Sequence[PriorCare], plans: _Plans
) -> tuple[PatientRow, ...]:
    """The patient's row for each pain type ``record`` read."""
    recorded = "; ".join(prior.words for prior in window)
    approximate = any(prior.approximate for prior in window)
    passive_only = bool(window) and all(plans.activity(prior) is False for prior in window)
    by_definition = {
        found.pain_type for found in record.conditions if found.phase_from == "definition"
    }
    rows = []
    for pain_type in record.pain_types:
        care = plans.care(pain_type)
        core_care = [prior for prior in window if prior.target in care.core_targets]
        against = sorted({prior.target for prior in window if plans.against(prior, pain_type)})
        rows.append(
            PatientRow(
                patient=patient,
                pain_type=str(pain_type),
                chronic_by_definition=pain_type in by_definition,
                recorded=recorded,
                approximate=approximate,
                core=care.core,
                adjuncts=care.adjuncts,
                not_recommended=";".join(against),
                active_care_recorded=bool(core_care),
                active_care_approximate=bool(core_care)
                and all(prior.approximate for prior in core_care),
                passive_only=passive_only,
                not_recommended_recorded=bool(against),
                no_nondrug_care_recorded=not window,
            )
        )
    return tuple(rows)


def _bundle(resources: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in resources],
    }


def read_patient(
    patient: str,
    resources: Sequence[Mapping[str, Any]],
    *,
    as_of: datetime.date,
    lookback_months: int = DEFAULT_LOOKBACK_MONTHS,
    places: Sequence[str] | None = None,
    catalog: Catalog | None = None,
    plans: Any = None,
    validate: Literal["resources", "elements"] = "elements",
) -> PatientResult:
    """One patient's rows: the pure per-patient function the engines run.

    ``resources`` are the patient's Patient, Conditions, Procedures and ServiceRequests (a
    bulk export's lines for them). They are put in a Bundle, in this order, and read by
    :func:`~painmodalities.fhir.read_bundle` for ``patient`` as of ``as_of`` (with the
    validation level ``validate``); each pain type
    found gives one row, with the :func:`~painmodalities.plan` of that pain type and the
    :data:`MEASURES`. A patient whose resources are not valid FHIR R4/R4B, or who has no
    Patient resource, gives no row and a skip saying why (with the file and line, from
    ``places``, one per resource).

    Args:
        patient: the Patient's id.
        resources: the patient's resources, parsed.
        as_of: the date the measures are taken on.
        lookback_months: the look-back window, in calendar months.
        places: where each resource came from (``Condition.ndjson:12``), for the skips.
        catalog: the catalog to plan with (the built-in one by default).
        plans: what is the same for every patient of a run (the plans, with ``catalog``),
            kept across calls (internal).
        validate: how much of each resource ``read_bundle`` checks: ``"elements"`` (the
            default: the elements it reads, as for an export a FHIR server already
            validated) or ``"resources"`` (every element); see
            :func:`~painmodalities.fhir.read_bundle`.
    """
    catalog = default_catalog() if catalog is None else catalog
    plans = _Plans(catalog) if plans is None else plans
    start = plans.start(as_of, lookback_months)
    shown = (
        list(places) if places is not None else [f"resource {i}" for i in range(len(resources))]
    )
    if not any(resource.get("resourceType") == "Patient" for resource in resources):
        return PatientResult(
            skips=tuple(
                PatientSkip(
                    rule="no_patient",
                    where=where,
                    detail=f"its subject Patient/{patient} has no Patient resource in the export",
                )
                for where in shown
            )
        )
    try:
        record = read_bundle(_bundle(resources), as_of=as_of, patient=patient, validate=validate)
    except ValidationError as error:
        return PatientResult(skips=(_invalid(patient, error, shown),))
    window = sorted(
        (
            prior
            for prior in record.prior_care
            if prior.date is not None and start <= prior.date <= as_of
        ),
        key=lambda prior: (prior.date, prior.words),
    )
    return PatientResult(
        rows=_rows(patient, record, window, plans),
        skips=tuple(
            PatientSkip(
                rule=f"import.{skipped.rule}",
                where=_place(patient, skipped.path, shown),
                detail=skipped.detail,
            )
            for skipped in record.skipped
        ),
    )


def _place(patient: str, path: str, shown: Sequence[str]) -> str:
    """The file and line of the bundle entry at ``path``, or the patient for the bundle."""
    prefix = "$.entry["
    if path.startswith(prefix):
        index = path[len(prefix) :].split("]", 1)[0]
        if index.isdigit() and int(index) < len(shown):
            return shown[int(index)]
    return f"Patient/{patient}"


def _invalid(patient: str, error: ValidationError, shown: Sequence[str]) -> PatientSkip:
    """The skip of a patient with a resource that is not valid FHIR, at its file and line."""
    return PatientSkip(
        rule="invalid_resource",
        where=_place(patient, error.path, shown),
        detail=f"Patient/{patient} left out: {error}",
    )
