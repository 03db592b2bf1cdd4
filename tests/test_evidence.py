"""Evidence records (pain types, recommendations, figures, assessments): their rules."""

from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    Assessment,
    AssessmentKind,
    Catalog,
    CatalogIntegrityError,
    Condition,
    Direction,
    Measure,
    PainType,
    Phase,
    Recommendation,
    Statistic,
    Strength,
    ValidationError,
    default_catalog,
    from_json,
    to_json,
)
from painmodalities.evidence import MAX_COUNT
from tests import strategies as s
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


# -- effect figures (Statistic) -----------------------------------------------------------


@given(figures=st.lists(s.decimals(), min_size=3, max_size=3, unique=True))
def test_an_estimate_outside_its_interval_is_refused_at_the_estimate(
    figures: list[Decimal],
) -> None:
    """An interval that does not contain its estimate is the library's error at
    ``$.estimate``; the same three figures in order are accepted.
    """
    low, middle, high = sorted(figures)
    assert Statistic(measure="md", estimate=middle, ci_low=low, ci_high=high).interval == (
        low,
        high,
    )
    for estimate, interval in ((low, (middle, high)), (high, (low, middle))):
        with pytest.raises(ValidationError) as caught:
            Statistic(measure="md", estimate=estimate, ci_low=interval[0], ci_high=interval[1])
        assert caught.value.path == "$.estimate"
        assert caught.value.problems[0].rule == "interval"


@given(count=st.integers(max_value=0) | st.integers(min_value=MAX_COUNT + 1))
def test_error_a_count_that_is_not_positive_is_refused(count: int) -> None:
    """Studies and participants are positive whole numbers; anything else names the field."""
    for field in ("studies", "participants"):
        with pytest.raises(ValidationError) as caught:
            Statistic(**{field: count})  # type: ignore[arg-type]
        assert caught.value.path == f"$.{field}"


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"measure": "md", "estimate": Decimal("NaN")}, "$.estimate"),
        ({"measure": "md", "estimate": Decimal("Infinity")}, "$.estimate"),
        ({"measure": "md", "estimate": 1.5}, "$.estimate"),
        ({"estimate": Decimal("1")}, "$.measure"),
        ({"measure": "md", "estimate": Decimal("1"), "ci_low": Decimal("0")}, "$.ci_high"),
        ({"measure": "md", "ci_low": Decimal("0"), "ci_high": Decimal("2")}, "$.estimate"),
        ({"measure": "hazard_ratio", "estimate": Decimal("1")}, "$.measure"),
        ({"scale": "0-100"}, "$"),
        ({"studies": True}, "$.studies"),
    ],
)
def test_error_statistic_fields(fields: dict[str, object], path: str) -> None:
    """Non-finite or inexact figures, a missing measure or interval end, an unknown measure
    and figures with nothing in them are refused at their path.
    """
    with pytest.raises(ValidationError) as caught:
        Statistic(**fields)  # type: ignore[arg-type]
    assert caught.value.path == path


@given(statistic=s.statistics())
def test_a_statistic_reads_back_exactly_from_json(statistic: Statistic) -> None:
    """Figures round-trip through JSON digit for digit ("-0.50" stays "-0.50")."""
    text = to_json(statistic)
    assert from_json(text, Statistic) == statistic
    for name in ("estimate", "ci_low", "ci_high"):
        value = getattr(statistic, name)
        assert orjson.loads(text)[name] == (None if value is None else str(value))


@pytest.mark.parametrize(
    ("value", "rule"), [(-0.5, "decimal"), ("1e3", "decimal"), ("-0.5.0", "decimal")]
)
def test_error_a_statistic_in_a_catalog_names_its_path(value: object, rule: str) -> None:
    """A bad figure in a catalog document is reported at its full JSON path."""
    document = orjson.loads(to_json(default_catalog()))
    findings = document["modalities"][5]["findings"]
    index = next(i for i, finding in enumerate(findings) if finding["statistic"])
    findings[index]["statistic"]["estimate"] = value
    with pytest.raises(ValidationError) as caught:
        from_json(orjson.dumps(document), Catalog)
    (problem,) = caught.value.problems
    assert problem.path == f"$.modalities[5].findings[{index}].statistic.estimate"
    assert problem.rule == rule


def test_figures_are_shown_as_the_dossier_prints_them() -> None:
    """Jenkins 2025's exercise row carries its mean difference and interval exactly."""
    (jenkins,) = [
        finding
        for finding in default_catalog()["exercise.therapeutic"].findings_for(CHRONIC_LBP)
        if finding.source == "jenkins-2025"
    ]
    assert jenkins.statistic == Statistic(
        measure=Measure.MD,
        scale="0-100",
        estimate=Decimal("-10.2"),
        ci_low=Decimal("-17.5"),
        ci_high=Decimal("-2.9"),
    )


# -- assessments --------------------------------------------------------------------------


def test_assessments_in_scope_for_low_back_pain() -> None:
    """Acute low back pain: alternative diagnoses first, risk stratification, no routine
    imaging, and the natural course (ACP 2017); chronic: the first three only.
    """
    catalog = default_catalog()
    acute = catalog.assessments_for("low_back:acute")
    assert [a.kind for a in acute] == [
        AssessmentKind.ALTERNATIVE_DIAGNOSES,
        AssessmentKind.RISK_STRATIFICATION,
        AssessmentKind.IMAGING,
        AssessmentKind.NATURAL_COURSE,
    ]
    assert acute[0].source == "nice-ng59"
    assert acute[2].direction is Direction.AGAINST
    assert len(catalog.assessments_for("low_back:chronic")) == 3
    assert catalog.assessments_for("neck:chronic") == ()


def test_error_an_assessment_citing_an_unknown_source_is_refused() -> None:
    """A catalog's assessments cite its sources, like findings and recommendations."""
    catalog = default_catalog()
    stray = Assessment(
        condition="neck", kind="imaging", direction="against", verb="do not", source="nope",
        note="x",
    )  # fmt: skip
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(modalities=catalog.modalities, sources=catalog.sources, assessments=(stray,))
    assert caught.value.path == "$.assessments[0].source"
