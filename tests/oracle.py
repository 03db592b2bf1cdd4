"""The reference ranking: :func:`painmodalities.rank` computed afresh, with no cache.

The ranking caches and the integer sort keys of :mod:`painmodalities.ranking` are tested
against it: it scores every modality with :func:`painmodalities.score` and sorts on
:func:`painmodalities.ranking.order_key`, the plain statement of the ranking order.
"""

from painmodalities import (
    Catalog,
    Exclusion,
    Modality,
    PainType,
    Patient,
    RankedOption,
    Ranking,
    Score,
    ScoringPolicy,
    UnknownModalityError,
    Weights,
    default_catalog,
    score,
)
from painmodalities.ranking import order_key


def rank_uncached(
    pain_type: PainType | str,
    *,
    catalog: Catalog | None = None,
    patient: Patient | None = None,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
) -> Ranking:
    """What :func:`painmodalities.rank` returns for valid arguments, computed afresh."""
    found_pain_type = PainType.parse(pain_type) if isinstance(pain_type, str) else pain_type
    catalog = default_catalog() if catalog is None else catalog
    patient = Patient() if patient is None else patient
    weights = Weights() if weights is None else weights
    policy = ScoringPolicy() if policy is None else policy
    named = sorted(patient.exclude | (patient.covered or frozenset()))
    unknown = [modality_id for modality_id in named if modality_id not in catalog]
    if unknown:
        raise UnknownModalityError.for_id(unknown[0], catalog.ids)
    kept: list[tuple[Modality, Score]] = []
    excluded: list[Exclusion] = []
    for modality in catalog:
        reasons = patient.reasons_against(modality)
        if reasons:
            excluded.append(Exclusion(modality=modality, reasons=reasons))
        else:
            kept.append((modality, score(modality, found_pain_type, weights, policy)))
    kept.sort(key=lambda entry: order_key(*entry))
    return Ranking(
        pain_type=found_pain_type,
        options=tuple(
            RankedOption(rank=position, modality=modality, score=result)
            for position, (modality, result) in enumerate(kept, start=1)
        ),
        excluded=tuple(excluded),
        patient=patient,
        weights=weights,
        policy=policy,
    )
