"""The controlled vocabulary: dossier string values, rank ordering, phases from weeks."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from painmodalities import (
    Activity,
    Certainty,
    Condition,
    Coverage,
    Criterion,
    Direction,
    Effect,
    ExerciseForm,
    Horizon,
    InvalidDurationError,
    MassageTechnique,
    Outcome,
    PainModalitiesError,
    Phase,
    Precaution,
    Strength,
    ValidationError,
)
from painmodalities.vocabulary import RankedEnum

# Every value, in rank order, exactly as the dossier and the architecture spell it.
VALUES: list[tuple[type[RankedEnum], list[str]]] = [
    (Activity, ["passive", "active"]),
    (
        Condition,
        [
            "low_back",
            "neck",
            "knee_osteoarthritis",
            "hip_osteoarthritis",
            "fibromyalgia",
            "tension_headache",
        ],
    ),
    (Phase, ["acute", "subacute", "chronic"]),
    (Outcome, ["pain", "function"]),
    (Horizon, ["immediate", "short", "intermediate", "long"]),
    (Effect, ["none", "small", "moderate", "large"]),
    (Certainty, ["insufficient", "very_low", "low", "moderate", "high"]),
    (
        Precaution,
        [
            "blood_clot",
            "bleeding_risk",
            "fracture",
            "weakened_bones",
            "open_wound",
            "skin_infection",
            "recent_surgery",
        ],
    ),
    (Coverage, ["unknown", "rarely", "sometimes", "likely"]),
    (MassageTechnique, ["swedish", "deep_tissue", "structural", "targeted"]),
    (ExerciseForm, ["strengthening_and_conditioning", "yoga", "tai_chi"]),
    (Direction, ["against", "only_with_exercise", "for"]),
    (Strength, ["weak", "strong"]),
    (Criterion, ["function", "durability", "activity", "pain"]),
]


@pytest.mark.parametrize(("enum_type", "values"), VALUES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_value_in_rank_order(enum_type: type[RankedEnum], values: list[str]) -> None:
    """Each enum holds exactly the dossier's values, ranked in declaration order."""
    assert [member.value for member in enum_type] == values
    members = list(enum_type)
    assert [member.rank for member in members] == list(range(len(values)))
    backwards = members[::-1]
    assert sorted(backwards) == members


def test_order_is_by_rank_not_by_string() -> None:
    """Ordered enums compare by clinical rank: 'high' > 'low' though 'h' < 'l'."""
    assert Certainty.HIGH > Certainty.LOW
    assert Effect.NONE < Effect.SMALL < Effect.MODERATE < Effect.LARGE
    assert Horizon.LONG > Horizon.SHORT
    assert max(Certainty) is Certainty.HIGH
    assert Phase.ACUTE <= Phase.ACUTE
    assert Phase.CHRONIC >= Phase.SUBACUTE


def test_comparing_different_enums_is_a_type_error() -> None:
    """Ranks of different scales are not comparable."""
    with pytest.raises(TypeError):
        _ = Certainty.LOW < Effect.SMALL


@pytest.mark.parametrize(
    ("weeks", "phase"),
    [
        (0, Phase.ACUTE),
        (3.99, Phase.ACUTE),
        (4, Phase.SUBACUTE),
        (12, Phase.SUBACUTE),
        (12.01, Phase.CHRONIC),
        (520, Phase.CHRONIC),
    ],
)
def test_phase_from_weeks(weeks: float, phase: Phase) -> None:
    """Acute is under 4 weeks, subacute 4 to 12, chronic over 12 (ACP 2017)."""
    assert Phase.from_weeks(weeks) is phase


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        (-1, "a finite, non-negative number of weeks"),
        (-0.5, "a finite, non-negative number of weeks"),
        (math.nan, "a finite, non-negative number of weeks"),
        (math.inf, "a finite, non-negative number of weeks"),
        ("6", "a number of weeks"),
        (True, "a number of weeks"),
        (None, "a number of weeks"),
    ],
)
def test_error_phase_from_bad_weeks(weeks: object, expected: str) -> None:
    """A duration that is negative, not finite or not a number is refused, never guessed."""
    with pytest.raises(InvalidDurationError) as caught:
        Phase.from_weeks(weeks)  # type: ignore[arg-type]
    error = caught.value
    assert isinstance(error, ValidationError)
    assert isinstance(error, ValueError)
    assert isinstance(error, PainModalitiesError)
    assert error.path == "$"
    assert error.expected == expected
    assert error.value is weeks
    assert error.rule == "duration"


_TOO_LARGE = "a finite, non-negative number of weeks a float can hold"


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        (10**400, _TOO_LARGE),
        (-(10**400), _TOO_LARGE),
        (10**5000, _TOO_LARGE),  # past Python's digit limit for str(): still shown
        (Fraction(10**400, 3), _TOO_LARGE),
        (Decimal("1e400"), "a number of weeks"),
        (Decimal("-1e400"), "a number of weeks"),
    ],
    ids=["10**400", "-10**400", "10**5000", "Fraction", "Decimal", "-Decimal"],
)
def test_error_phase_from_huge_weeks(weeks: object, expected: str) -> None:
    """Huge ints, Fractions and Decimals are the library's InvalidDurationError, never an
    OverflowError, and the error prints.
    """
    with pytest.raises(InvalidDurationError) as caught:
        Phase.from_weeks(weeks)  # type: ignore[arg-type]
    assert (caught.value.path, caught.value.expected, caught.value.rule) == (
        "$",
        expected,
        "duration",
    )
    assert str(caught.value).startswith(f"$: expected {expected}, got ")


def test_phase_from_large_exact_weeks() -> None:
    """Exact numbers a float can hold still map by their exact value."""
    assert Phase.from_weeks(10**300) is Phase.CHRONIC
    assert Phase.from_weeks(Fraction(10**400, 10**399)) is Phase.SUBACUTE
    assert Phase.from_weeks(Fraction(12 * 10**400 + 1, 10**400)) is Phase.CHRONIC


class _Declared(RankedEnum):
    """A ranked enum declared outside vocabulary.py, with an alias."""

    THIRD = "c"
    FIRST = "a"
    SECOND = "b"
    ALSO_FIRST = "a"


def test_an_enum_declared_anywhere_ranks_by_declaration() -> None:
    """Members get their rank when their class is created, in any module; aliases add none."""
    assert [member.rank for member in _Declared] == [0, 1, 2]
    assert _Declared("a") is _Declared.FIRST
    assert len(_Declared.__members__) == 4
    assert sorted([_Declared.SECOND, _Declared.FIRST, _Declared.THIRD]) == list(_Declared)
    assert _Declared.THIRD < _Declared.SECOND
    assert max(_Declared) is _Declared.SECOND


def test_library_enums_outside_vocabulary_rank_too() -> None:
    """The ranking module's own enum compares by declaration order, like the vocabulary's."""
    from painmodalities import ExclusionReason

    members = list(ExclusionReason)
    assert [member.rank for member in members] == list(range(len(members)))
    backwards = members[::-1]
    assert sorted(backwards) == members
