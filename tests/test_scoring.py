"""Scoring and ranking by hand: the default rankings of low back pain, worked out exactly."""

import math
import pickle
from fractions import Fraction as F

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    Certainty,
    Comparator,
    Criterion,
    ExclusionReason,
    InvalidWeightsError,
    Modality,
    PainType,
    Patient,
    Precaution,
    Score,
    ScoringPolicy,
    UnknownModalityError,
    UnrankedOption,
    ValidationError,
    Weights,
    check_score,
    default_catalog,
    rank,
    score,
)
from tests.strategies import modalities, pain_types, policies, scores, weights


def test_components_sum_to_value_and_name_their_findings() -> None:
    """Contributions sum to the score; each names the findings that set it."""
    result = score(default_catalog()["exercise.therapeutic"], PainType.parse("low_back:chronic"))
    assert result.components == {
        Criterion.FUNCTION: F(2, 15),
        Criterion.DURABILITY: F(1, 4),
        Criterion.ACTIVITY: F(1, 4),
        Criterion.PAIN: F(1, 60),
    }
    assert sum(result.components.values()) == result.value == F(13, 20)
    assert result.criteria[Criterion.DURABILITY] == 1
    function = result.contribution(Criterion.FUNCTION)
    assert [(f.source, f.horizon.value) for f in function.findings] == [("jenkins-2025", "long")]
    assert result.contribution(Criterion.ACTIVITY).findings == ()
    assert float(result) == 0.65


def test_explain_massage_zero_for_acute_low_back() -> None:
    """The explanation says why massage scores 0 for acute low back pain, citing sources."""
    option = rank("low_back:acute").entry("massage.swedish")
    assert isinstance(option, UnrankedOption)
    text = option.explain()
    assert option.score.value == 0
    assert "score 0: no scored finding shows benefit for acute low back pain" in text
    assert "Not scored, below low certainty:" in text
    assert "very low certainty (cochrane-massage-2015)" in text
    assert text.startswith("Swedish (relaxation) massage (passive): not ranked: ")


def test_explain_names_findings_and_exclusions() -> None:
    """The ranking's explanation names the driving findings and every exclusion reason."""
    patient = Patient(precautions=frozenset({Precaution.BLEEDING_RISK}), max_session_minutes=30)
    text = rank("low_back:chronic", patient=patient).explain()
    assert text.splitlines()[0] == (
        "Ranking for chronic low back pain, best for long-term function first:"
    )
    assert "1. Therapeutic exercise (active): score 0.650 = function 0.133 from moderate " in text
    assert "(jenkins-2025)" in text
    assert (
        "- Deep tissue massage (massage.deep_tissue): excluded: precaution: bleeding risk; "
        "sessions of 45 minutes exceed the patient's 30" in text
    )


def test_policy_changes_what_counts() -> None:
    """Lowering the policy to very low lets the ungraded trials count."""
    chronic = PainType.parse("low_back:chronic")
    swedish = default_catalog()["massage.swedish"]
    assert score(swedish, chronic).value == 0
    loose = score(swedish, chronic, policy=ScoringPolicy(min_certainty=Certainty.VERY_LOW))
    # function: moderate*very_low = 1/6 (Cherkin, immediate) beats small*very_low 1/12;
    # durability: small benefit at long (Cherkin 52 weeks) = 1; passive; pain moderate*vl 1/6
    assert loose.value == F(2, 5) * F(1, 6) + F(1, 4) + F(1, 10) * F(1, 6)
    assert loose.unscored == ()


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
    ("weights", "path", "expected"),
    [
        ({"function": -0.1}, "$.function", "a finite, non-negative number"),
        ({"pain": math.nan}, "$.pain", "a finite, non-negative number"),
        ({"durability": math.inf}, "$.durability", "a finite, non-negative number"),
        ({"activity": "0.25"}, "$.activity", "a number"),
        ({"activity": True}, "$.activity", "a number"),
        (
            {"function": 0, "durability": 0, "activity": 0, "pain": 0},
            "$",
            "at least one positive weight",
        ),
    ],
)
def test_error_bad_weights(weights: dict[str, object], path: str, expected: str) -> None:
    """Weights must be finite, non-negative numbers, not all zero."""
    with pytest.raises(InvalidWeightsError) as caught:
        Weights(**weights)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert (caught.value.path, caught.value.expected) == (path, expected)


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


@given(modalities(), pain_types(), weights(), policies())
def test_score_is_the_plain_weighted_mean(
    modality: Modality, pain_type: PainType, weights_: Weights, policy: ScoringPolicy
) -> None:
    """The integer arithmetic behind score() gives exactly the plain fraction arithmetic.

    Each share is the weight read from its decimal form over their total; each
    contribution is share x raw (0 with the evidence gate closed); the value is their sum.
    """
    exact = [F(w) if isinstance(w, int) else F(repr(w)) for w in weights_.as_mapping().values()]
    shares = [part / sum(exact) for part in exact]
    assert list(weights_.shares().values()) == shares
    result = score(modality, pain_type, weights_, policy)
    for part, share in zip(result.contributions, shares, strict=True):
        assert part.share == share
        assert part.value == (share * part.raw if result.has_benefit else 0)
    assert result.value == sum((part.value for part in result.contributions), F(0))
    assert result == score(modality, pain_type, weights_, policy)


def test_weights_compare_by_their_exact_reading() -> None:
    """Weights equal as numbers and read alike are equal; read apart, they are not."""
    assert Weights(function=1, durability=0) == Weights(function=1.0, durability=0.0)
    assert hash(Weights(function=1)) == hash(Weights(function=1.0))
    assert Weights(function=2**60) != Weights(function=2.0**60)
    assert Weights(function=0.5) != Weights(function=0.25)
    assert Weights() != "weights"
    copied = pickle.loads(pickle.dumps(Weights(function=2**60)))  # noqa: S301 (our own bytes)
    assert copied == Weights(function=2**60)
    assert copied.shares() == Weights(function=2**60).shares()
    assert attrs.asdict(Weights()) == {
        "function": 0.4,
        "durability": 0.25,
        "activity": 0.25,
        "pain": 0.1,
    }


# -- check_score: what every result of score() satisfies ----------------------------------


@given(scores())
def test_check_score_passes_every_score(result: Score) -> None:
    """check_score finds nothing wrong with any result of score()."""
    assert check_score(result) == []


@given(scores(), st.data())
def test_check_score_reports_every_single_edit(result: Score, data: st.DataObject) -> None:
    """One edit of the value, of a contribution's value, of a contribution's number out of
    [0, 1], or of the criteria's order is always reported.
    """
    delta = data.draw(st.fractions(min_value=-1, max_value=1).filter(bool), label="delta")
    index = data.draw(st.integers(0, len(result.contributions) - 1), label="index")
    part = result.contributions[index]
    parts = list(result.contributions)
    edit = data.draw(st.sampled_from(["value", "part", "raw", "share", "order"]), label="edit")
    if edit == "value":
        edited = attrs.evolve(result, value=result.value + delta)
    elif edit == "order":
        parts[index], parts[index - 1] = parts[index - 1], parts[index]
        edited = attrs.evolve(result, contributions=tuple(parts))
    else:
        out = 2 if delta > 0 else -2  # a raw value or share outside [0, 1]
        parts[index] = {
            "part": attrs.evolve(part, value=part.value + delta),
            "raw": attrs.evolve(part, raw=part.raw + out),
            "share": attrs.evolve(part, share=part.share + out),
        }[edit]
        edited = attrs.evolve(result, contributions=tuple(parts))
    assert check_score(edited) != []


def test_mixed_comparator_findings_are_shown_not_scored() -> None:
    """Spinal manipulation's acute low back findings (paige-2017) compare it with active
    treatments too: by default they are unscored and say why; a policy may add them.
    """
    manipulation = default_catalog()["manual.spinal_manipulation"]
    acute = PainType.parse("low_back:acute")
    assert {f.comparator for f in manipulation.findings_for(acute)} == {Comparator.MIXED}
    default = score(manipulation, acute)
    assert default.value == 0
    assert not default.has_benefit
    assert set(default.unscored) == set(manipulation.findings_for(acute))
    assert {default.policy.why_unscored(f) for f in default.unscored} == {
        "compared with active treatments too"
    }
    both = ScoringPolicy(comparators=frozenset({Comparator.INACTIVE, Comparator.MIXED}))
    # the same grades as heat: 2/5*1/4 + 1/4*1/4 + 1/10*1/4 = 3/16
    assert score(manipulation, acute, policy=both).value == F(3, 16)
    assert both.why_unscored(manipulation.findings_for(acute)[0]) is None


def test_why_unscored_names_every_reason() -> None:
    """A finding below the floor and with a mixed comparator gives both reasons."""
    finding = attrs.evolve(
        default_catalog()["manual.spinal_manipulation"].findings[0],
        certainty=Certainty.VERY_LOW,
    )
    assert ScoringPolicy().why_unscored(finding) == (
        "below low certainty and compared with active treatments too"
    )


@pytest.mark.parametrize(
    ("comparators", "rule"),
    [(frozenset(), "range"), (frozenset({"Mixed"}), "enum"), ("inactive", "type")],
)
def test_error_policy_comparators(comparators: object, rule: str) -> None:
    """A policy scores at least one comparator, given as Comparator members or values."""
    with pytest.raises(ValidationError) as caught:
        ScoringPolicy(comparators=comparators)  # type: ignore[arg-type]
    assert (caught.value.path, caught.value.rule) == ("$.comparators", rule)


def test_error_policy_exclude_against_is_a_bool() -> None:
    """exclude_against takes True or False, not 1."""
    with pytest.raises(ValidationError) as caught:
        ScoringPolicy(exclude_against=1)  # type: ignore[arg-type]
    assert (caught.value.path, caught.value.rule) == ("$.exclude_against", "type")
