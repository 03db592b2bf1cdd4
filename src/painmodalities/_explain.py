"""Plain-language explanations of scores: which findings drove them, with their sources."""

from painmodalities.evidence import Finding
from painmodalities.scoring import Score
from painmodalities.vocabulary import Criterion, Effect

_MAX_LISTED = 3


def describe(finding: Finding) -> str:
    """``moderate effect on function at long horizon, low certainty (jenkins-2025)``."""
    via = f", via {finding.component}" if finding.component else ""
    size = "no" if finding.effect is Effect.NONE else finding.effect.value
    return (
        f"{size} effect on {finding.outcome.value} "
        f"at {finding.horizon.value} horizon, {finding.certainty.value.replace('_', ' ')} "
        f"certainty ({finding.source}{via})"
    )


def _listed(findings: tuple[Finding, ...]) -> str:
    shown = "; ".join(describe(finding) for finding in findings[:_MAX_LISTED])
    more = len(findings) - _MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")


def _part(score: Score, criterion: Criterion) -> str:
    part = score.contribution(criterion)
    number = f"{criterion.value} {float(part.value):.3f}"
    if criterion is Criterion.ACTIVITY:
        return number + (" (active)" if part.raw else " (passive)")
    if not part.findings:
        return number + " (no finding shows benefit)"
    return f"{number} from {_listed(part.findings)}"


def explain_score(score: Score) -> str:
    """Explain ``score`` in a sentence or two, naming its findings and their sources."""
    floor = score.policy.min_certainty.value.replace("_", " ")
    unscored = ""
    if score.unscored:
        unscored = (
            f" {len(score.unscored)} finding(s) below {floor} certainty are shown, not "
            f"scored: {_listed(score.unscored)}."
        )
    if not score.has_benefit:
        return (
            f"score 0: no finding at {floor} certainty or above shows benefit for "
            f"{score.pain_type.label} (evidence gate).{unscored}"
        )
    parts = ", ".join(_part(score, criterion) for criterion in Criterion)
    return f"score {float(score.value):.3f} = {parts}.{unscored}"
