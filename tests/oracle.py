"""The reference ranking: :func:`painmodalities.rank` computed afresh, with no cache.

The ranking caches and the integer sort keys of :mod:`painmodalities.ranking` are tested
against it: it scores every modality with :func:`painmodalities.score` and sorts on
:func:`painmodalities.ranking.order_key`, the plain statement of the ranking order.
"""

from fractions import Fraction

from painmodalities import (
    CHRONIC_BY_DEFINITION,
    Catalog,
    Exclusion,
    PainType,
    Patient,
    RankedOption,
    Ranking,
    ScoringPolicy,
    UnknownModalityError,
    UnrankedOption,
    Weights,
    default_catalog,
    score,
)
from painmodalities._constraints import exclusion_reasons, omissions
from painmodalities.ranking import order_key
from painmodalities.vocabulary import Phase


def rank_uncached(
    pain_type: PainType | str,
    *,
    catalog: Catalog | None = None,
    patient: Patient | None = None,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
) -> Ranking:
    """What :func:`painmodalities.rank` returns for valid arguments, computed afresh.

    Every modality is excluded (with every reason), ranked (a scored finding shows benefit;
    rank 1 + the number of options with a higher score) or unranked; a programme goes
    without the components the patient's constraints rule out.
    """
    found_pain_type = PainType.parse(pain_type) if isinstance(pain_type, str) else pain_type
    if found_pain_type.condition in CHRONIC_BY_DEFINITION:  # the dossier's rule, said again
        found_pain_type = PainType(found_pain_type.condition, Phase.CHRONIC)
    catalog = default_catalog() if catalog is None else catalog
    patient = Patient() if patient is None else patient
    weights = Weights() if weights is None else weights
    policy = ScoringPolicy() if policy is None else policy
    named = sorted(patient.exclude | (patient.covered or frozenset()))
    unknown = [modality_id for modality_id in named if modality_id not in catalog]
    if unknown:
        raise UnknownModalityError.for_id(unknown[0], catalog.ids)
    by_id = {modality.id: modality for modality in catalog}
    kept: list[UnrankedOption] = []
    excluded: list[Exclusion] = []
    for modality in catalog:
        advice = modality.recommendations_for(found_pain_type)
        reasons = exclusion_reasons(patient, modality, by_id, found_pain_type, policy)
        if reasons:
            excluded.append(Exclusion(modality=modality, reasons=reasons, recommendations=advice))
            continue
        without = omissions(patient, modality, by_id)
        result = score(
            modality,
            found_pain_type,
            weights,
            policy,
            without=frozenset(omission.component for omission in without),
        )
        kept.append(
            UnrankedOption(
                modality=modality, score=result, recommendations=advice, without=without
            )
        )
    kept.sort(key=lambda entry: order_key(entry.modality, entry.score))
    gated = [entry for entry in kept if entry.score.has_benefit]
    # Sorted by score, best first: an option's rank is the place of the first option with
    # its score, that is 1 + the number of options with a higher score.
    first_place: dict[Fraction, int] = {}
    for place, entry in enumerate(gated, start=1):
        first_place.setdefault(entry.score.value, place)
    return Ranking(
        pain_type=found_pain_type,
        options=tuple(
            RankedOption(
                rank=first_place[entry.score.value],
                modality=entry.modality,
                score=entry.score,
                recommendations=entry.recommendations,
                without=entry.without,
            )
            for entry in gated
        ),
        unranked=tuple(entry for entry in kept if not entry.score.has_benefit),
        excluded=tuple(excluded),
        patient=patient,
        weights=weights,
        policy=policy,
        assessments=tuple(
            found for found in catalog.assessments if found.applies_to(found_pain_type)
        ),
    )
