"""Rankings: what a ranking holds, and check_ranking, which every result of rank() satisfies.

Sections: what a ranking holds (hand-computed rankings on the built-in catalog), then
check_ranking and the invariants it notices when broken.
"""

from fractions import Fraction as F

import attrs
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    Activity,
    Comparator,
    Condition,
    Direction,
    ExclusionReason,
    Massage,
    NotRankedError,
    OptionIndexError,
    PainType,
    Patient,
    Phase,
    Precaution,
    Ranking,
    ScoringPolicy,
    UnknownModalityError,
    check_ranking,
    check_score,
    default_catalog,
    from_json,
    rank,
    to_json,
)

from .strategies import catalogs, default_rankings, pain_types, policies, rankings, weights

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
    """Three active options tie at 13/20 and share rank 1; acupuncture ranks with NICE's
    warning beside it; options without scored evidence of benefit are unranked.
    """
    ranking = rank("low_back:chronic")
    assert ranked(ranking) == [
        # exercise: function max(small*low 1/6, moderate*low 1/3 at long) = 1/3, durability
        # long 1, active 1, pain small*low 1/6: 2/5*1/3 + 1/4 + 1/4 + 1/10*1/6 = 13/20
        ("exercise.therapeutic", 1, F(13, 20)),
        # the programme's scored findings are exercise's (structural massage's are very low)
        ("physical_therapy.programme", 1, F(13, 20)),
        # mindfulness: function small*moderate 1/4 at long, pain moderate*moderate 1/2:
        # 2/5*1/4 + 1/4 + 1/4 + 1/10*1/2 = 1/10 + 1/2 + 1/20 = 13/20
        ("psychological.mindfulness", 1, F(13, 20)),
        # CBT: function small*moderate 1/4 up to long, pain 1/4: 1/10 + 1/2 + 1/40 = 5/8
        ("psychological.cbt", 4, F(5, 8)),
        # yoga: function small*low 1/6 at short (1/2), pain 1/6:
        # 1/15 + 1/8 + 1/4 + 1/60 = (8 + 15 + 30 + 2)/120 = 11/24
        ("exercise.yoga", 5, F(11, 24)),
        # acupuncture: function small*moderate 1/4 at long, passive, no pain finding:
        # 2/5*1/4 + 1/4*1 = 7/20
        ("acupuncture", 6, F(7, 20)),
        # rehabilitation: only pain moderate*low 1/3, active: 1/4 + 1/10*1/3 = 17/60
        ("rehabilitation.multidisciplinary", 7, F(17, 60)),
    ]
    # every massage finding for chronic low back pain is very low certainty; TENS shows no
    # effect; heat, tai chi and spinal manipulation have no finding for it at all
    assert unranked_ids(ranking) == {
        *MASSAGES,
        "exercise.tai_chi",
        "manual.spinal_manipulation",
        "physical_agent.heat",
        "physical_agent.tens",
    }
    assert ranking.excluded == ()
    assert all(u.score.value == 0 and not u.score.has_benefit for u in ranking.unranked)
    acupuncture = ranking.option("acupuncture")
    assert acupuncture.warnings == ("NICE NG59 recommends against acupuncture for low back pain",)
    assert "NICE NG59 recommends against acupuncture for low back pain" in ranking.explain()


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
        ("massage.structural", ["precaution: blood clot"])
    ]
    used = {f.component for part in programme.score.contributions for f in part.findings} | {
        f.component for f in programme.score.unscored
    }
    assert "massage.structural" not in used
    assert "without structural massage (precaution: blood clot)" in programme.explain()


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
        (ExclusionReason.COMPONENT_RULED_OUT, "structural massage: precaution: fracture"),
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
    """Exact ties share the competition rank: 1, 1, 1, 4."""
    assert [o.rank for o in rank("low_back:chronic").top(4)] == [1, 1, 1, 4]


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
        for warning in entry.warnings:
            assert " recommends against " in warning
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
    exercise: the option says so.
    """
    ranking = rank("low_back:chronic")
    swedish = next(u for u in ranking.unranked if u.modality.id == "massage.swedish")
    assert "only as part of a package with exercise" in swedish.explain()


def test_precautions_source_or_none_recorded() -> None:
    """Precautions are shown with their source, and an empty list in the dossier's words."""
    from painmodalities._words import precautions_text

    assert precautions_text(CATALOG["physical_agent.heat"]) == (
        "no precautions recorded in the evidence dossier"
    )
    assert precautions_text(CATALOG["manual.spinal_manipulation"]) == (
        "bleeding risk, fracture, weakened bones (natural-standard-smt)"
    )


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
            str(caught.value) == "'manual.spinal_manipulation' is excluded: precaution: fracture"
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
    assert {(entry.modality.id, w.split(" recommends")[0]) for entry, w in warned} == {
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


# == check_ranking: what every result of rank() satisfies, and that it notices each edit ==


@st.composite
def ranked_rankings(draw: st.DrawFn) -> Ranking:
    """A ranking of a generated catalog whose findings are mostly about the pain type ranked,
    with no patient constraints: most such rankings rank several options.
    """
    pain = draw(pain_types())
    catalog = draw(catalogs(min_size=2, pains=st.just(pain)))
    return rank(pain, catalog=catalog, weights=draw(weights()), policy=draw(policies()))


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
