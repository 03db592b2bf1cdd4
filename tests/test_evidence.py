"""Evidence records (pain types, recommendations): construction and their methods."""

import pytest

from painmodalities import (
    Condition,
    Direction,
    PainType,
    Phase,
    Recommendation,
    Strength,
    ValidationError,
)
from tests.samples import CHRONIC_LBP


def test_recommendation_scope() -> None:
    """A recommendation with no condition or phase covers any."""
    anything = Recommendation(
        condition=None,
        phase=Phase.CHRONIC,
        direction=Direction.FOR,
        strength=Strength.STRONG,
        source="nice-ng193",
    )
    assert anything.applies_to(CHRONIC_LBP)
    assert anything.applies_to(PainType(Condition.NECK, Phase.CHRONIC))
    assert not anything.applies_to(PainType(Condition.NECK, Phase.ACUTE))


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("low_back", "$", "low_back"),
        ("lowback:chronic", "$.condition", "lowback"),
        ("low_back:eternal", "$.phase", "eternal"),
    ],
)
def test_error_pain_type_parse(text: str, path: str, value: str) -> None:
    """PainType.parse names the part that is wrong."""
    with pytest.raises(ValidationError) as caught:
        PainType.parse(text)
    assert caught.value.path == path
    assert caught.value.value == value


def test_pain_type_text_round_trip() -> None:
    """str() and parse() are inverses, and the label reads as plain words."""
    for condition in Condition:
        for phase in Phase:
            pain = PainType(condition, phase)
            assert PainType.parse(str(pain)) == pain
    assert CHRONIC_LBP.label == "chronic low back pain"
