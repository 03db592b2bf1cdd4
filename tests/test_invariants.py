"""The ten ranking invariants of docs/scoring.md, each one a property over generated input.

Catalogs, pain types, weights, policies and patients come from ``tests/strategies.py``;
the built-in catalog is only one of the catalogs these rules must hold for.
"""

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import attrs
from hypothesis import assume, given
from hypothesis import strategies as st

from painmodalities import (
    Activity,
    Catalog,
    Certainty,
    Effect,
    Exclusion,
    Finding,
    Horizon,
    Modality,
    Outcome,
    PainType,
    Patient,
    PhysicalTherapy,
    RankedOption,
    Ranking,
    ScoringPolicy,
    Weights,
    default_catalog,
    from_json,
    rank,
    to_json,
)
from painmodalities.ranking import order_key
from painmodalities.scoring import CERTAINTY_VALUES, EFFECT_VALUES, HORIZON_VALUES

from .strategies import catalogs, modalities, patients, policies, weights

# Most generated findings should be about the pain type being ranked, or every score is 0.
FEW_PAINS = st.sampled_from([PainType.parse("low_back:chronic"), PainType.parse("neck:acute")])
ANY_CATALOG = catalogs(pains=FEW_PAINS) | st.just(default_catalog())


def _pairs(ranking: Ranking) -> list[tuple[str, Fraction]]:
    return [(option.modality.id, option.score.value) for option in ranking]


def _position(ranking: Ranking, modality_id: str) -> int:
    return ranking.option(modality_id).rank


def _ruled_out_components(catalog: Catalog, patient: Patient) -> set[tuple[str, str]]:
    """(programme, component) pairs whose component the patient's precautions or explicit
    exclusions rule out.
    """
    return {
        (modality.id, component)
        for modality in catalog
        if isinstance(modality, PhysicalTherapy)
        for component in modality.components
        if component in patient.exclude or patient.precautions & catalog[component].precautions
    }


def _free_ids(catalog: Catalog) -> list[str]:
    """Ids no programme depends on: they can change or go without touching another option."""
    used = {c for m in catalog if isinstance(m, PhysicalTherapy) for c in m.components}
    return [m.id for m in catalog if m.id not in used and not isinstance(m, PhysicalTherapy)]


@given(ANY_CATALOG, FEW_PAINS, weights(), policies(), st.data())
def test_1_bounded_and_total(
    catalog: Catalog, pain: PainType, w: Weights, policy: ScoringPolicy, data: st.DataObject
) -> None:
    """Every score is a finite value in [0, 1]; an option's rank is 1 + the number of options
    with a strictly higher score; the order is total and the same on every call (inside a
    tie: active first, then id); options, unranked options and exclusions together are the
    catalog, each modality exactly once.
    """
    patient = data.draw(patients(catalog))
    ranking = rank(pain, catalog=catalog, patient=patient, weights=w, policy=policy)
    values = [option.score.value for option in ranking]
    assert [option.rank for option in ranking] == [
        1 + sum(other > value for other in values) for value in values
    ]
    for entry in ranking.available:
        assert 0 <= entry.score.value <= 1
        assert math.isfinite(float(entry.score))
        assert sum(entry.score.components.values()) == entry.score.value
    for entries in (ranking.options, ranking.unranked):
        keys = [order_key(entry.modality, entry.score) for entry in entries]
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)
    held = [entry.modality.id for entry in ranking.entries]
    assert sorted(held) == sorted(catalog.ids)
    assert rank(pain, catalog=catalog, patient=patient, weights=w, policy=policy) == ranking


@given(ANY_CATALOG, FEW_PAINS, weights(), st.randoms(use_true_random=False))
def test_2_permutation_invariance(
    catalog: Catalog,
    pain: PainType,
    w: Weights,
    random: "st.random.Random",  # type: ignore[name-defined]
) -> None:
    """The ranking does not depend on the order of the catalog."""
    shuffled = list(catalog.modalities)
    random.shuffle(shuffled)
    reordered = Catalog(modalities=tuple(shuffled), sources=tuple(reversed(catalog.sources)))
    before, after = (
        rank(pain, catalog=catalog, weights=w),
        rank(pain, catalog=reordered, weights=w),
    )
    assert _pairs(after) == _pairs(before)
    assert [o.rank for o in after] == [o.rank for o in before]
    assert [u.modality.id for u in after.unranked] == [u.modality.id for u in before.unranked]


@given(ANY_CATALOG, FEW_PAINS, weights(), policies(), st.data())
def test_3_independence_of_irrelevant_alternatives(
    catalog: Catalog, pain: PainType, w: Weights, policy: ScoringPolicy, data: st.DataObject
) -> None:
    """Adding or removing a modality never changes the relative order of the others."""
    free = _free_ids(catalog)
    assume(free)
    gone = data.draw(st.sampled_from(free))
    smaller = Catalog(
        modalities=tuple(m for m in catalog if m.id != gone), sources=catalog.sources
    )
    full_order = [
        m for m in rank(pain, catalog=catalog, weights=w, policy=policy).ids if m != gone
    ]
    assert list(rank(pain, catalog=smaller, weights=w, policy=policy).ids) == full_order


def _improvements(modality: Modality, pain: PainType) -> list[Modality]:
    """Every one-step improvement of one input of ``modality`` for ``pain``."""
    better: list[Modality] = []
    if modality.activity is Activity.PASSIVE:
        better.append(attrs.evolve(modality, activity=Activity.ACTIVE))
    for index, finding in enumerate(modality.findings):
        for field, scale in (("effect", Effect), ("certainty", Certainty), ("horizon", Horizon)):
            value = getattr(finding, field)
            if value.rank + 1 < len(scale):
                raised = attrs.evolve(finding, **{field: list(scale)[value.rank + 1]})
                others = [f.key for i, f in enumerate(modality.findings) if i != index]
                if raised.key not in others:
                    found = list(modality.findings)
                    found[index] = raised
                    better.append(attrs.evolve(modality, findings=tuple(found)))
    supportive = Finding(
        pain_type=pain,
        outcome=Outcome.FUNCTION,
        horizon=Horizon.LONG,
        effect=Effect.LARGE,
        certainty=Certainty.HIGH,
        source=modality.findings[0].source if modality.findings else "none",
        note="added",
    )
    if modality.findings and supportive.key not in {f.key for f in modality.findings}:
        better.append(attrs.evolve(modality, findings=(*modality.findings, supportive)))
    return better


@given(ANY_CATALOG, FEW_PAINS, weights(), policies(), st.data())
def test_4_monotonicity(
    catalog: Catalog, pain: PainType, w: Weights, policy: ScoringPolicy, data: st.DataObject
) -> None:
    """Improving one input of a modality (a finding's effect, certainty or horizon; passive
    to active; adding a supportive finding) never lowers its score or its rank.
    """
    free = _free_ids(catalog)
    assume(free)
    chosen = catalog[data.draw(st.sampled_from(free))]
    options = _improvements(chosen, pain)
    assume(options)
    improved = data.draw(st.sampled_from(options))
    better_catalog = Catalog(
        modalities=tuple(improved if m.id == chosen.id else m for m in catalog),
        sources=catalog.sources,
    )
    before = rank(pain, catalog=catalog, weights=w, policy=policy).entry(chosen.id)
    after = rank(pain, catalog=better_catalog, weights=w, policy=policy).entry(chosen.id)
    # a guideline's "against" rules it out either way
    assume(not isinstance(before, Exclusion))
    assert not isinstance(before, Exclusion)
    assert not isinstance(after, Exclusion)
    assert after.score.value >= before.score.value
    if isinstance(before, RankedOption):
        assert isinstance(after, RankedOption)  # never moved from the options to the unranked
        assert after.rank <= before.rank


def _dominates(a: Mapping[Any, Fraction], b: Mapping[Any, Fraction]) -> bool:
    return all(a[k] >= b[k] for k in a) and any(a[k] > b[k] for k in a)


@given(ANY_CATALOG, FEW_PAINS, weights(positive=True), policies())
def test_5_dominance(catalog: Catalog, pain: PainType, w: Weights, policy: ScoringPolicy) -> None:
    """With every weight positive, an option at least as good as another on every criterion
    and better on one ranks above it.
    """
    ranking = list(rank(pain, catalog=catalog, weights=w, policy=policy))
    for a in ranking:
        for b in ranking:
            if _dominates(a.score.criteria, b.score.criteria):
                assert a.rank < b.rank


@given(
    modalities(pains=FEW_PAINS),
    FEW_PAINS,
    st.sampled_from([Horizon.IMMEDIATE, Horizon.SHORT, Horizon.INTERMEDIATE]),
    st.sampled_from([Effect.SMALL, Effect.MODERATE, Effect.LARGE]),
    st.sampled_from([Certainty.LOW, Certainty.MODERATE, Certainty.HIGH]),
    weights(positive=True),
)
def test_6_active_over_passive_long_over_short(
    base: Modality,
    pain: PainType,
    short: Horizon,
    effect: Effect,
    certainty: Certainty,
    w: Weights,
) -> None:
    """All else equal, the active option ranks above the passive one, and the option whose
    benefit lasts longer ranks above the one whose benefit is shorter.
    """
    finding = Finding(
        pain_type=pain,
        outcome=Outcome.FUNCTION,
        horizon=short,
        effect=effect,
        certainty=certainty,
        source="s",
    )
    lasting = attrs.evolve(finding, horizon=list(Horizon)[short.rank + 1])
    # ids chosen so that the id tie-break would favour the option that must lose
    passive = attrs.evolve(
        base,
        id="a.passive",
        activity=Activity.PASSIVE,
        findings=(finding,),
        recommendations=(),
        precautions_source=None,
    )
    active = attrs.evolve(passive, id="z.active", activity=Activity.ACTIVE)
    brief = attrs.evolve(passive, id="a.brief")
    durable = attrs.evolve(passive, id="z.durable", findings=(lasting,))
    sources = (attrs.evolve(default_catalog().sources[0], key="s"),)
    catalog = Catalog(modalities=(passive, active, brief, durable), sources=sources)
    ranking = rank(pain, catalog=catalog, weights=w)
    assert _position(ranking, "z.active") < _position(ranking, "a.passive")
    assert _position(ranking, "z.durable") < _position(ranking, "a.brief")


@given(ANY_CATALOG, FEW_PAINS, weights(), policies(), st.data())
def test_7_evidence_gate(
    catalog: Catalog, pain: PainType, w: Weights, policy: ScoringPolicy, data: st.DataObject
) -> None:
    """A modality with no scored finding of benefit for the pain type is never ranked: it
    is listed in unranked, with score 0; every ranked option has such a finding.
    """
    patient = data.draw(patients(catalog))
    ranking = rank(pain, catalog=catalog, patient=patient, weights=w, policy=policy)
    ruled = _ruled_out_components(catalog, patient)
    for entry in ranking.available:
        shown = any(
            f.shows_benefit and policy.counts(f)
            for f in entry.modality.findings_for(pain)
            if (entry.modality.id, f.component) not in ruled
        )
        assert entry.score.has_benefit is shown
        assert isinstance(entry, RankedOption) is shown
        if not shown:
            assert entry.score.value == 0


@given(
    ANY_CATALOG,
    FEW_PAINS,
    st.tuples(*[st.integers(0, 20)] * 4).filter(any),
    st.integers(1, 1000),
    policies(),
)
def test_8_weight_scale_invariance(
    catalog: Catalog,
    pain: PainType,
    raw: tuple[int, int, int, int],
    factor: int,
    policy: ScoringPolicy,
) -> None:
    """Multiplying every weight by the same c > 0 changes no rank and no score."""
    w = Weights(function=raw[0], durability=raw[1], activity=raw[2], pain=raw[3])
    scaled = Weights(**{k: v * factor for k, v in attrs.asdict(w).items()})
    assert _pairs(rank(pain, catalog=catalog, weights=scaled, policy=policy)) == _pairs(
        rank(pain, catalog=catalog, weights=w, policy=policy)
    )


def _own_rules(patient: Patient, modality: Modality) -> int:
    """How many reasons the patient's own constraints give against ``modality``."""
    return (
        (modality.id in patient.exclude)
        + len(patient.precautions & modality.precautions)
        + (patient.covered is not None and modality.id not in patient.covered)
        + (
            patient.max_session_minutes is not None
            and modality.session_minutes is not None
            and modality.session_minutes > patient.max_session_minutes
        )
    )


@given(ANY_CATALOG, FEW_PAINS, st.data())
def test_9_exclusion(catalog: Catalog, pain: PainType, data: st.DataObject) -> None:
    """What the patient's constraints remove never appears among the options or the
    unranked, and appears in excluded with every reason (a programme all of whose components
    are ruled out gives each component's reasons).
    """
    patient: Patient = data.draw(patients(catalog))
    ranking = rank(pain, catalog=catalog, patient=patient)
    excluded = {exclusion.modality.id: exclusion for exclusion in ranking.excluded}
    kept = {entry.modality.id for entry in ranking.available}
    assert kept.isdisjoint(excluded)
    assert sorted([*kept, *excluded]) == sorted(catalog.ids)
    ruled = _ruled_out_components(catalog, patient)
    for modality in catalog:
        own = _own_rules(patient, modality)
        components = [
            c for m, c in ruled if m == modality.id
        ]  # ruled-out components of a programme
        every = isinstance(modality, PhysicalTherapy) and len(components) == len(
            modality.components
        )
        assert (modality.id in excluded) is bool(own or every)
        if modality.id in excluded:
            reasons = excluded[modality.id].reasons
            assert reasons[:own] == patient.reasons_against(modality)
            assert len(reasons) == own + (
                sum(
                    (c in patient.exclude) + len(patient.precautions & catalog[c].precautions)
                    for c in components
                )
                if every
                else 0
            )


@given(ANY_CATALOG, FEW_PAINS, weights(), policies(), st.data())
def test_10_round_trip(
    catalog: Catalog, pain: PainType, w: Weights, policy: ScoringPolicy, data: st.DataObject
) -> None:
    """The ranking computed from from_json(to_json(catalog)) equals the original."""
    patient = data.draw(patients(catalog))
    again = from_json(to_json(catalog), Catalog)
    assert again == catalog
    assert rank(pain, catalog=again, patient=patient, weights=w, policy=policy) == rank(
        pain, catalog=catalog, patient=patient, weights=w, policy=policy
    )


@given(catalogs(pains=FEW_PAINS, min_size=1), FEW_PAINS, weights(), policies(), st.data())
def test_11_no_laundering(
    catalog: Catalog, pain: PainType, w: Weights, policy: ScoringPolicy, data: st.DataObject
) -> None:
    """No option's score uses a finding of a modality or programme component that the
    patient's constraints rule out: a programme goes without such a component, and says so.
    """
    patient = data.draw(patients(catalog))
    ranking = rank(pain, catalog=catalog, patient=patient, weights=w, policy=policy)
    ruled = _ruled_out_components(catalog, patient)
    excluded = {exclusion.modality.id for exclusion in ranking.excluded}
    for entry in ranking.available:
        assert patient.reasons_against(entry.modality) == ()
        used = [f for part in entry.score.contributions for f in part.findings]
        for finding in (*used, *entry.score.unscored):
            assert (entry.modality.id, finding.component) not in ruled
        left_out = {omission.component for omission in entry.without}
        assert left_out == {c for m, c in ruled if m == entry.modality.id}
    reduced = {e.modality.id for e in ranking.available if e.without}
    for programme_id, _ in ruled:
        assert programme_id in excluded or programme_id in reduced


def test_strength_tables_are_strictly_increasing() -> None:
    """Effect, certainty and horizon map to [0, 1] by strictly increasing tables."""
    tables: list[Mapping[Any, Fraction]] = [EFFECT_VALUES, CERTAINTY_VALUES, HORIZON_VALUES]
    for table in tables:
        values = [table[member] for member in sorted(table)]
        assert values == sorted(set(values))
        assert values[0] >= 0
        assert values[-1] == 1
