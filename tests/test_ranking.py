"""Rankings: what a ranking holds, check_ranking, and the eleven invariants.

Sections: what a ranking holds (hand-computed rankings on the built-in catalog), then
check_ranking and the invariants it notices when broken, then the eleven ranking invariants
of docs/scoring.md, each one a property over generated input. The caches are tested in
test_rank_cache.py.
"""

import math
from collections.abc import Mapping
from fractions import Fraction
from fractions import Fraction as F
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from painmodalities import (
    Activity,
    Catalog,
    Certainty,
    Comparator,
    Condition,
    Direction,
    Effect,
    Exclusion,
    ExclusionReason,
    Finding,
    Horizon,
    Massage,
    Modality,
    NotRankedError,
    OptionIndexError,
    Outcome,
    PainType,
    Patient,
    Phase,
    PhysicalTherapy,
    Precaution,
    RankedOption,
    Ranking,
    ScoringPolicy,
    UnknownModalityError,
    ValidationError,
    Weights,
    check_ranking,
    check_score,
    default_catalog,
    from_json,
    rank,
    to_json,
)
from painmodalities.ranking import order_key

from .strategies import (
    ANY_CATALOG,
    FEW_PAINS,
    catalogs,
    default_rankings,
    modalities,
    patients,
    policies,
    ranked_rankings,
    rankings,
    weights,
)

# == What a ranking holds: ranked options, unranked options, exclusions, guidelines ======
#
# Hand-computed rankings on the built-in catalog under the default weights and policy.
# Default weight shares: function 2/5, durability 1/4, activity 1/4, pain 1/10. Effect: none 0,
# small 1/3, moderate 2/3, large 1. Certainty: very_low 1/4, low 1/2, moderate 3/4, high 1.
# Horizon: immediate 1/4, short 1/2, intermediate 3/4, long 1. Only findings of low certainty
# or above, compared with an inactive control, are scored.

CATALOG = default_catalog()
MASSAGES = sorted(m.id for m in CATALOG if isinstance(m, Massage))


def ranked(ranking: Ranking) -> list[tuple[str, int, F]]:
    return [(o.modality.id, o.rank, o.score.value) for o in ranking.options]


def unranked_ids(ranking: Ranking) -> set[str]:
    return {u.modality.id for u in ranking.unranked}


def test_chronic_low_back_by_hand() -> None:
    """Exercise and the programme share rank 1; acupuncture ranks with NICE's warning beside
    it; options without scored evidence of benefit are unranked.
    """
    ranking = rank("low_back:chronic")
    assert ranked(ranking) == [
        # exercise: function max(small*low 1/6 at short, moderate*low 1/3 at long) = 1/3,
        # durability long 1, active 1, pain moderate*moderate 1/2 (Cochrane 2021, short):
        # 2/5*1/3 + 1/4 + 1/4 + 1/10*1/2 = (8 + 15 + 15 + 3)/60 = 41/60
        ("exercise.therapeutic", 1, F(41, 60)),
        # the programme's scored findings are exercise's (structural massage's are very low)
        ("physical_therapy.programme", 1, F(41, 60)),
        # mindfulness: function small*moderate 1/4 at long, pain moderate*moderate 1/2:
        # 2/5*1/4 + 1/4 + 1/4 + 1/10*1/2 = 1/10 + 1/2 + 1/20 = 13/20
        ("psychological.mindfulness", 3, F(13, 20)),
        # rehabilitation: function small*moderate 1/4 at long (Kamper 2014), pain
        # max(moderate*low 1/3 (Jenkins 2025), small*moderate 1/4) = 1/3:
        # 1/10 + 1/4 + 1/4 + 1/30 = 19/30
        ("rehabilitation.multidisciplinary", 4, F(19, 30)),
        # CBT: function small*moderate 1/4 up to long, pain 1/4: 1/10 + 1/2 + 1/40 = 5/8
        ("psychological.cbt", 5, F(5, 8)),
        # yoga: function small*low 1/6 at short (1/2), pain 1/6:
        # 1/15 + 1/8 + 1/4 + 1/60 = (8 + 15 + 30 + 2)/120 = 11/24
        ("exercise.yoga", 6, F(11, 24)),
        # acupuncture: function small*moderate 1/4 at long, passive, no pain finding:
        # 2/5*1/4 + 1/4*1 = 7/20
        ("acupuncture", 7, F(7, 20)),
    ]
    # every massage finding for chronic low back pain is very low certainty; TENS shows no
    # effect; heat, tai chi and spinal manipulation have no finding for it at all
    # advice and weight management have recommendations and no finding: never scored
    assert unranked_ids(ranking) == {
        *MASSAGES,
        "exercise.tai_chi",
        "lifestyle.weight_management",
        "manual.spinal_manipulation",
        "physical_agent.heat",
        "physical_agent.tens",
        "self_management.advice",
    }
    assert ranking.excluded == ()
    assert all(u.score.value == 0 and not u.score.has_benefit for u in ranking.unranked)
    acupuncture = ranking.option("acupuncture")
    assert acupuncture.warnings == (
        "NICE NG59 for low back pain: do not offer acupuncture (strong)",
    )
    assert "NICE NG59 for low back pain: do not offer acupuncture (strong)" in ranking.explain()


def test_acute_low_back_by_hand() -> None:
    """Superficial heat is the only ranked option; spinal manipulation is unranked and shows
    its two mixed-comparator findings as not scored.
    """
    ranking = rank("low_back:acute")
    # heat: function small*moderate 1/4 at immediate (1/4), pain 1/4, passive:
    # 2/5*1/4 + 1/4*1/4 + 1/10*1/4 = 8/80 + 5/80 + 2/80 = 3/16
    assert ranked(ranking) == [("physical_agent.heat", 1, F(3, 16))]
    manipulation = next(
        u for u in ranking.unranked if u.modality.id == "manual.spinal_manipulation"
    )
    assert manipulation.score.value == 0
    assert len(manipulation.score.unscored) == 2
    assert {f.comparator for f in manipulation.score.unscored} == {Comparator.MIXED}
    assert {f.source for f in manipulation.score.unscored} == {"paige-2017"}
    text = manipulation.explain()
    assert "Not scored, compared with active treatments too: small effect on function" in text
    assert "paige-2017" in text


def test_chronic_neck_by_hand() -> None:
    """The programme leads on a pain finding of its structural-massage component; the five
    massage techniques share rank 4.
    """
    ranking = rank("neck:chronic")
    massage = F(9, 40)
    assert ranked(ranking) == [
        # programme: exercise's function small*low 1/6 up to long (1), active, and structural
        # massage's pain moderate*low 1/3: 1/15 + 1/4 + 1/4 + 1/30 = 3/5
        ("physical_therapy.programme", 1, F(3, 5)),
        # exercise: function small*low 1/6 at long, active, no pain benefit: 17/30
        ("exercise.therapeutic", 2, F(17, 30)),
        # acupuncture: function small*low 1/6 up to intermediate (3/4), passive, no pain
        # benefit: 1/15 + 3/16 = 61/240
        ("acupuncture", 3, F(61, 240)),
        # every massage: function small*low 1/6 at short (1/2), pain moderate*low 1/3,
        # passive: 1/15 + 1/8 + 1/30 = 9/40; five-way tie, by id
        *[(massage_id, 4, massage) for massage_id in MASSAGES],
    ]


def test_chronic_neck_with_a_blood_clot_launders_nothing() -> None:
    """With a blood clot every massage is excluded, and the programme is ranked without its
    structural-massage component: it ties with exercise alone instead of leading on the
    massage's pain finding.
    """
    patient = Patient(precautions=frozenset({Precaution.BLOOD_CLOT}))
    ranking = rank("neck:chronic", patient=patient)
    assert ranked(ranking) == [
        # exercise and the programme without structural massage: 17/30 each, tied; by id
        ("exercise.therapeutic", 1, F(17, 30)),
        ("physical_therapy.programme", 1, F(17, 30)),
        ("acupuncture", 3, F(61, 240)),
    ]
    assert sorted(e.modality.id for e in ranking.excluded) == MASSAGES
    programme = ranking.option("physical_therapy.programme")
    assert [(w.component, [r.detail for r in w.reasons]) for w in programme.without] == [
        ("massage.structural", ["precaution: blood clot (nccih-massage)"])
    ]
    used = {f.component for part in programme.score.contributions for f in part.findings} | {
        f.component for f in programme.score.unscored
    }
    assert "massage.structural" not in used
    assert "without structural massage (precaution: blood clot (nccih-massage))" in (
        programme.explain()
    )


def test_programme_excluded_when_every_component_is_ruled_out() -> None:
    """A programme none of whose components the patient may have is excluded, with each
    component's reasons.
    """
    patient = Patient(
        precautions=frozenset({Precaution.FRACTURE}), exclude=frozenset({"exercise.therapeutic"})
    )
    ranking = rank("neck:chronic", patient=patient)
    exclusion = next(e for e in ranking.excluded if e.modality.id == "physical_therapy.programme")
    assert [(r.code, r.detail) for r in exclusion.reasons] == [
        (ExclusionReason.COMPONENT_RULED_OUT, "therapeutic exercise: excluded on request"),
        (
            ExclusionReason.COMPONENT_RULED_OUT,
            "structural massage: precaution: fracture (nccih-massage)",
        ),
    ]
    assert "physical_therapy.programme" not in ranking.ids


def test_acute_neck_has_no_ranked_option_and_says_so() -> None:
    """No finding for acute neck pain: nothing is ranked, everything is unranked, and the
    ranking says so in words.
    """
    ranking = rank("neck:acute")
    assert ranking.options == ()
    assert len(ranking) == 0
    assert unranked_ids(ranking) == set(CATALOG.ids)
    sentence = "No option has scored evidence of benefit for acute neck pain."
    assert ranking.summary == sentence
    assert ranking.explain().splitlines()[1] == sentence


def test_ties_share_a_rank_number() -> None:
    """Exact ties share the competition rank: 1, 1, 3, 4; five massages share 4th place."""
    assert [o.rank for o in rank("low_back:chronic").top(4)] == [1, 1, 3, 4]
    assert [o.rank for o in rank("neck:chronic")] == [1, 2, 3, 4, 4, 4, 4, 4]


@pytest.mark.parametrize(
    "pain_type", [PainType(condition, phase) for condition in Condition for phase in Phase]
)
def test_recommendations_beside_every_option(pain_type: PainType) -> None:
    """Every ranked option, unranked option and exclusion carries the recommendations whose
    scope covers the pain type, and an 'against' one shows as a warning on its option.
    """
    patient = Patient(precautions=frozenset({Precaution.FRACTURE}))
    ranking = rank(pain_type, patient=patient)
    entries = ranking.entries
    assert sorted(e.modality.id for e in entries) == sorted(CATALOG.ids)
    for entry in entries:
        in_scope = entry.modality.recommendations_for(pain_type)
        assert entry.recommendations == in_scope
        against = [r for r in in_scope if r.direction is Direction.AGAINST]
        assert len(entry.warnings) == len(against)
        for warning, advice in zip(entry.warnings, against, strict=True):
            assert advice.verb in warning  # the guideline's own verb, never "recommends"
            assert "recommends" not in warning
            assert warning in entry.explain()


def test_exclude_against_moves_exactly_those_options() -> None:
    """With exclude_against, an option with an in-scope 'against' recommendation is excluded,
    naming the guideline; nothing else moves and no score changes.
    """
    pain = PainType.parse("low_back:chronic")
    policy = ScoringPolicy(exclude_against=True)
    plain, strict = rank(pain), rank(pain, policy=policy)
    against = {
        m.id
        for m in CATALOG
        if any(r.direction is Direction.AGAINST for r in m.recommendations_for(pain))
    }
    assert against == {"acupuncture", "physical_agent.tens"}
    assert {e.modality.id for e in strict.excluded} == against
    for exclusion in strict.excluded:
        codes = {r.code for r in exclusion.reasons}
        assert codes == {ExclusionReason.GUIDELINE_AGAINST}
        assert any("NICE NG59" in r.detail for r in exclusion.reasons)
    kept = [(o.modality.id, o.score.value) for o in plain.options if o.modality.id not in against]
    assert [(o.modality.id, o.score.value) for o in strict.options] == kept


def test_only_with_exercise_is_a_condition_on_its_option() -> None:
    """NICE NG59 allows massage and manipulation for low back pain only in a package with
    exercise: the option says so, in NICE's words, about massage in general.
    """
    ranking = rank("low_back:chronic")
    swedish = next(u for u in ranking.unranked if u.modality.id == "massage.swedish")
    assert (
        "NICE NG59 (massage in general) for low back pain: consider massage, only as part of"
        " a treatment package including exercise (weak)"
    ) in swedish.explain()


def test_activity_and_ids_order_a_tie() -> None:
    """Inside a tie, active options come first, then ids alphabetically."""
    ranking = rank("neck:chronic")
    tied = [o for o in ranking.options if o.rank == 4]
    assert all(o.modality.activity is Activity.PASSIVE for o in tied)
    assert [o.modality.id for o in tied] == MASSAGES


def test_error_option_of_an_unranked_modality_says_so() -> None:
    """Asking for the option of an unranked modality says it is not ranked, and why."""
    ranking = rank("low_back:chronic")
    with pytest.raises(NotRankedError) as caught:
        ranking.option("massage.swedish")
    assert str(caught.value) == (
        "'massage.swedish' is not ranked: no scored finding shows benefit for chronic low "
        "back pain"
    )
    assert isinstance(caught.value, KeyError)
    assert ranking.score_of("massage.swedish").value == 0


def test_error_option_of_an_excluded_modality_gives_the_reasons() -> None:
    """Asking for an excluded modality's option or score names every reason it is out."""
    ranking = rank("neck:chronic", patient=Patient(precautions=frozenset({Precaution.FRACTURE})))
    for ask in (ranking.option, ranking.score_of):
        with pytest.raises(NotRankedError) as caught:
            ask("manual.spinal_manipulation")
        assert (
            str(caught.value) == "'manual.spinal_manipulation' is excluded: precaution: fracture "
            "(natural-standard-smt)"
        )


def test_error_option_not_in_the_catalog() -> None:
    """An id the catalog does not hold is an UnknownModalityError, with suggestions."""
    with pytest.raises(UnknownModalityError) as caught:
        rank("neck:chronic").option("massage.swede")
    assert "did you mean massage.swedish" in str(caught.value)


@pytest.mark.parametrize(
    "pain_type", [PainType(condition, phase) for condition in Condition for phase in Phase]
)
def test_against_is_visible_in_every_output(
    pain_type: PainType, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each in-scope 'against' recommendation shows on its option in the API, the
    explanation, the CLI, the JSON and the FHIR output.
    """
    from painmodalities.cli import main
    from painmodalities.fhir import export_ranking

    ranking = rank(pain_type)
    warned = [(entry, warning) for entry in ranking.entries for warning in entry.warnings]
    expected = {
        (m.id, r.source)
        for m in CATALOG
        for r in m.recommendations_for(pain_type)
        if r.direction is Direction.AGAINST
    }
    assert {(entry.modality.id, w.split(" for ")[0].split(" (")[0]) for entry, w in warned} == {
        (modality_id, source.upper().replace("-", " ")) for modality_id, source in expected
    }
    assert main(["rank", pain_type.condition.value, pain_type.phase.value]) == 0
    table = " ".join(capsys.readouterr().out.split())  # lines wrapped to the terminal, joined
    loaded = from_json(to_json(ranking), Ranking)  # the document carries the recommendations
    explanations = {entry.modality.id: entry.explain() for entry in loaded.entries}
    fhir_text = orjson.dumps(export_ranking(ranking)).decode("utf-8")
    for entry, warning in warned:
        assert warning in entry.explain()
        assert f"- {entry.modality.id}: {warning}" in table
        assert warning in explanations[entry.modality.id]
        assert warning in fhir_text


def test_error_index_out_of_range_says_so() -> None:
    """Indexing past the ranked options says how many there are (and is an IndexError)."""
    ranking = rank("low_back:acute")
    assert ranking[0].modality.id == "physical_agent.heat"
    with pytest.raises(OptionIndexError) as caught:
        ranking[3]
    assert str(caught.value) == (
        "the ranking has 1 ranked option(s) (index 0 to 0); index 3 is out of range"
    )
    assert isinstance(caught.value, IndexError)
    with pytest.raises(OptionIndexError, match="has 0 ranked option"):
        rank("neck:acute")[0]


def test_excluded_keep_every_reason() -> None:
    """An exclusion lists every reason, not only the first."""
    patient = Patient(
        precautions=frozenset({Precaution.FRACTURE, Precaution.OPEN_WOUND}),
        covered=frozenset({"exercise.therapeutic"}),
        exclude=frozenset({"massage.swedish"}),
        max_session_minutes=40,
    )
    ranking = rank("low_back:chronic", patient=patient)
    assert ranking.ids == ("exercise.therapeutic",)
    swedish = next(e for e in ranking.excluded if e.modality.id == "massage.swedish")
    assert [reason.code for reason in swedish.reasons] == [
        ExclusionReason.EXCLUDED,
        ExclusionReason.PRECAUTION,
        ExclusionReason.PRECAUTION,
        ExclusionReason.NOT_COVERED,
        ExclusionReason.SESSION_TOO_LONG,
    ]
    assert len(ranking.excluded) == len(default_catalog()) - 1


def test_ranking_access() -> None:
    """A ranking is iterable, indexable, sized, and gives its top n."""
    ranking = rank("neck:chronic")
    assert len(ranking) == len(ranking.options) == 8
    assert ranking[0] is ranking.top(1)[0] is next(iter(ranking))
    assert ranking[:2] == ranking.top(2)
    assert ranking.top(0) == ()
    assert len(ranking.top(100)) == len(ranking)
    with pytest.raises(UnknownModalityError):
        ranking.option("nope")


@pytest.mark.parametrize(
    ("call", "path", "message"),
    [
        (lambda: rank("low_back"), "$", '"condition:phase"'),
        (lambda: rank(42), "$.pain_type", "a PainType"),  # type: ignore[arg-type]
        (lambda: rank("neck:chronic", weights={"pain": 1}), "$.weights", "a Weights"),  # type: ignore[arg-type]
        (lambda: rank("neck:chronic", policy="low"), "$.policy", "a ScoringPolicy"),  # type: ignore[arg-type]
        (
            lambda: Patient(max_session_minutes=-5),
            "$.max_session_minutes",
            "a whole number from 1 to 1440",
        ),
        (lambda: Patient(exclude=frozenset({"Not An Id"})), "$.exclude", "modality ids"),
        (
            lambda: Patient(precautions=frozenset({"Fracture"})),
            "$.precautions",
            'a Precaution or one of "blood_clot"',
        ),
        (lambda: rank("neck:chronic").top(-1), "$.n", "a whole number, 0 or more"),
    ],
)
def test_error_bad_ranking_input(call: object, path: str, message: str) -> None:
    """Bad arguments to rank() and Patient raise ValidationError with the path."""
    with pytest.raises(ValidationError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.path == path
    assert message in caught.value.expected


def test_error_patient_names_unknown_modality() -> None:
    """A patient naming an id the catalog lacks is an error, not silently ignored."""
    with pytest.raises(UnknownModalityError) as caught:
        rank("neck:chronic", patient=Patient(exclude=frozenset({"massage.swede"})))
    assert caught.value.modality_id == "massage.swede"


# == check_ranking: what every result of rank() satisfies, and that it notices each edit ==


@given(rankings() | default_rankings())
def test_check_ranking_passes_every_ranking(ranking: Ranking) -> None:
    """check_ranking finds nothing wrong with any result of rank(), nor check_score with
    any of its scores.
    """
    assert check_ranking(ranking) == []
    assert all(check_score(option.score) == [] for option in ranking.options)


@given(
    (ranked_rankings() | default_rankings()).filter(lambda ranking: len(ranking.options) >= 2),
    st.data(),
)
def test_check_ranking_reports_every_single_edit(ranking: Ranking, data: st.DataObject) -> None:
    """One edit of an option's place in the order, its rank, its score's value or one of
    its score's contributions is always reported.
    """
    options = list(ranking.options)
    index = data.draw(st.integers(0, len(options) - 1), label="index")
    option = options[index]
    edit = data.draw(st.sampled_from(["order", "rank", "value", "contribution"]), label="edit")
    delta = data.draw(st.fractions(min_value=-1, max_value=1).filter(bool), label="delta")
    if edit == "order":
        other = data.draw(st.integers(0, len(options) - 1).filter(lambda at: at != index))
        options[index], options[other] = options[other], options[index]
    elif edit == "rank":
        rank = data.draw(st.integers(-2, len(options) + 2).filter(lambda at: at != option.rank))
        options[index] = attrs.evolve(option, rank=rank)
    elif edit == "value":
        options[index] = attrs.evolve(
            option, score=attrs.evolve(option.score, value=option.score.value + delta)
        )
    else:
        parts = list(option.score.contributions)
        at = data.draw(st.integers(0, len(parts) - 1), label="contribution")
        parts[at] = attrs.evolve(parts[at], value=parts[at].value + delta)
        score = attrs.evolve(option.score, contributions=tuple(parts))
        options[index] = attrs.evolve(option, score=score)
    assert check_ranking(attrs.evolve(ranking, options=tuple(options))) != []


# == The eleven invariants of docs/scoring.md, each one a property over generated input ==
#
# Catalogs, pain types, weights, policies and patients come from tests/strategies.py; the
# built-in catalog is only one of the catalogs these rules must hold for.


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
    if modality.activity is Activity.PASSIVE and not isinstance(modality, Massage):
        better.append(attrs.evolve(modality, activity=Activity.ACTIVE))  # a massage is passive
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
    modalities(pains=FEW_PAINS).filter(lambda m: not isinstance(m, Massage)),  # never active
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
    unranked, and appears in excluded with every reason (a programme all of whose components,
    or all of whose active components, are ruled out gives each ruled-out component's reasons,
    and when some passive component is left, that it is not an exercise-led programme).
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
        left = [c for c in getattr(modality, "components", ()) if c not in components]
        gone = isinstance(modality, PhysicalTherapy) and bool(components)
        gone = gone and (
            not left or (modality.is_active and not any(catalog[c].is_active for c in left))
        )
        assert (modality.id in excluded) is bool(own or gone)
        if modality.id in excluded:
            reasons = excluded[modality.id].reasons
            assert reasons[:own] == patient.reasons_against(modality)
            assert len(reasons) == own + (
                sum(
                    (c in patient.exclude) + len(patient.precautions & catalog[c].precautions)
                    for c in components
                )
                + bool(left)
                if gone
                else 0
            )


def test_9_exclusion_passive_remainder() -> None:
    """A programme whose only active component is ruled out is excluded, though a passive
    component is left: the example seeds 11, 13, 15, 21 and 22 of the quick profile found.
    """
    catalog = default_catalog()
    programme = catalog["physical_therapy.programme"]
    assert isinstance(programme, PhysicalTherapy)
    active = [c for c in programme.components if catalog[c].is_active]
    passive = [c for c in programme.components if not catalog[c].is_active]
    assert programme.is_active
    assert active
    assert passive
    ranking = rank(
        PainType.parse("neck:acute"), catalog=catalog, patient=Patient(exclude=frozenset(active))
    )
    excluded = {exclusion.modality.id: exclusion for exclusion in ranking.excluded}
    codes = [reason.code for reason in excluded[programme.id].reasons]
    assert codes == [ExclusionReason.COMPONENT_RULED_OUT] * (len(active) + 1)
    assert programme.id not in {entry.modality.id for entry in ranking.available}


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
