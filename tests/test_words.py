"""The plain words of the library, written once: precautions, findings and their figures."""

from decimal import Decimal

from hypothesis import given

from painmodalities import Effect, Finding, Horizon, Outcome, Statistic, default_catalog
from painmodalities._words import (
    NOT_REPORTED,
    describe,
    effect_with_figures,
    figures,
    precautions_text,
)
from tests.strategies import statistics

CATALOG = default_catalog()


def test_precautions_source_or_none_recorded() -> None:
    """Precautions are shown with their source, and an empty list in the dossier's words."""
    assert precautions_text(CATALOG["physical_agent.heat"]) == (
        "no precautions recorded in the evidence dossier"
    )
    assert precautions_text(CATALOG["manual.spinal_manipulation"]) == (
        "bleeding risk, fracture, weakened bones (natural-standard-smt)"
    )


# -- figures: one wording of a statistic, used by the CLI, the grid and FHIR ------------------


def _finding(modality_id: str, source: str, **fields: object) -> Finding:
    """The one finding of ``modality_id`` from ``source`` with the given fields."""
    (found,) = (
        finding
        for finding in CATALOG[modality_id].findings
        if finding.source == source
        and all(getattr(finding, name) == value for name, value in fields.items())
    )
    return found


def test_figures_as_the_source_printed_them() -> None:
    """Estimate, interval, scale and counts as printed; none of them invented."""
    jenkins = _finding(
        "exercise.therapeutic", "jenkins-2025", outcome=Outcome.FUNCTION, horizon=Horizon.LONG
    )
    assert describe(jenkins) == (
        "moderate effect on function at long horizon, low certainty: "
        "MD -10.2 (95% CI -17.5 to -2.9) on 0-100, jenkins-2025"
    )
    assert figures(Statistic(measure="smd", estimate=Decimal("-0.50"))) == "SMD -0.50"
    assert figures(Statistic(studies=1)) == "estimate not reported, 1 study"
    assert figures(
        Statistic(
            measure="smd",
            estimate=Decimal("-0.37"),
            ci_low=Decimal("-0.67"),
            ci_high=Decimal("-0.08"),
            studies=8,
            participants=375,
        )
    ) == ("SMD -0.37 (95% CI -0.67 to -0.08), 8 studies, 375 participants")
    assert figures(
        Statistic(measure="other", scale="pooled effect size", estimate=Decimal("-0.39"))
    )
    assert figures(None) == NOT_REPORTED == "figures not reported in the text read"


def test_a_finding_without_figures_is_never_zero() -> None:
    """A finding without figures keeps its plain line; its effect says none were reported."""
    finding = next(f for m in CATALOG for f in m.findings if f.statistic is None)
    assert ": " not in describe(finding)
    assert describe(finding).endswith(f"certainty ({finding.source})")
    assert effect_with_figures(finding.effect, None).endswith(": " + NOT_REPORTED)
    assert effect_with_figures(Effect.NONE, None) == "no effect: " + NOT_REPORTED


@given(statistic=statistics())
def test_figures_carry_every_figure(statistic: Statistic) -> None:
    """Whatever the figures, the words carry each one digit for digit, and no other number."""
    text = figures(statistic)
    shown = [
        f"{value:f}"
        for value in (statistic.estimate, statistic.ci_low, statistic.ci_high)
        if value is not None
    ]
    for number in shown:
        assert number in text
    if statistic.interval is not None:
        low, high = statistic.interval
        assert f"(95% CI {low:f} to {high:f})" in text
    if statistic.studies is not None:
        assert f"{statistic.studies} stud" in text
    if statistic.participants is not None:
        assert f"{statistic.participants} participant" in text
    if statistic.estimate is None:
        assert text.startswith("estimate not reported")
    assert NOT_REPORTED not in text
