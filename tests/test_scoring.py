"""Scores: worked out by hand, weights and policies, check_score, and the strength tables."""

import math
import pickle
from collections.abc import Mapping
from fractions import Fraction
from fractions import Fraction as F
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    Certainty,
    Comparator,
    Criterion,
    InvalidWeightsError,
    Modality,
    PainType,
    Score,
    ScoringPolicy,
    ValidationError,
    Weights,
    check_score,
    default_catalog,
    score,
)
from painmodalities.scoring import CERTAINTY_VALUES, EFFECT_VALUES, HORIZON_VALUES
from tests.strategies import modalities, pain_types, policies, scores, weights


def test_components_sum_to_value_and_name_their_findings() -> None:
    """Contributions sum to the score; each names the findings that set it."""
    result = score(default_catalog()["exercise.therapeutic"], PainType.parse("low_back:chronic"))
    assert result.components == {
        Criterion.FUNCTION: F(2, 15),
        Criterion.DURABILITY: F(1, 4),
        Criterion.ACTIVITY: F(1, 4),
        Criterion.PAIN: F(1, 20),  # moderate*moderate 1/2 (Cochrane 2021, short) x 1/10
    }
    assert sum(result.components.values()) == result.value == F(41, 60)
    assert result.criteria[Criterion.DURABILITY] == 1
    function = result.contribution(Criterion.FUNCTION)
    assert [(f.source, f.horizon.value) for f in function.findings] == [("jenkins-2025", "long")]
    assert result.contribution(Criterion.ACTIVITY).findings == ()
    assert float(result) == float(F(41, 60))


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


def test_strength_tables_are_strictly_increasing() -> None:
    """Effect, certainty and horizon map to [0, 1] by strictly increasing tables."""
    tables: list[Mapping[Any, Fraction]] = [EFFECT_VALUES, CERTAINTY_VALUES, HORIZON_VALUES]
    for table in tables:
        values = [table[member] for member in sorted(table)]
        assert values == sorted(set(values))
        assert values[0] >= 0
        assert values[-1] == 1
