"""Why exercise outranks massage for chronic low back pain.

What it teaches: a score is built only from findings against inactive controls, and it
rewards function, how long a benefit lasts, and the patient doing the work. The scoring
policy decides which findings count: by default, findings of very low certainty are shown
but not scored. The script prints each option's findings with their certainty, shows which
ones the score used, and what changes when very-low-certainty findings are counted too.
Everything printed is computed from the built-in catalog.

Run: python examples/why_exercise_beats_massage.py
"""

from painmodalities import Certainty, Outcome, PainType, ScoringPolicy, default_catalog, rank

PAIN = PainType.parse("low_back:chronic")


def describe_findings(modality_id: str) -> None:
    modality = default_catalog()[modality_id]
    print(f"\n{modality.name} ({modality.activity.value}): findings for {PAIN.label}")
    for finding in modality.findings_for(PAIN):
        print(
            f"  {finding.outcome.value:8} {finding.horizon.value:12} {finding.effect.value:8} "
            f"effect, {finding.certainty.value} certainty [{finding.source}]"
        )
    lasts = modality.expected_benefit(PAIN, Outcome.FUNCTION)
    print(f"  function benefit shown to last: {'not shown' if lasts is None else lasts.value}")


def main() -> None:
    ranking = rank(PAIN)
    print(f"Top 3 for {PAIN.label}:")
    for option in ranking.top(3):
        print(f"  {option.rank}. {option.modality.id} ({option.modality.activity.value})")

    describe_findings("exercise.therapeutic")
    describe_findings("massage.swedish")

    print("\nWhy, criterion by criterion (weighted contributions):")
    for modality_id in ("exercise.therapeutic", "massage.swedish"):
        score = ranking.score_of(modality_id)
        parts = ", ".join(f"{c.value} {float(v):.3f}" for c, v in score.components.items())
        print(f"  {modality_id}: {float(score):.3f} = {parts}")
        print(f"    evidence gate open: {score.has_benefit}")

    best_active = min(option.rank for option in ranking if option.modality.is_active)
    ranked_massages = [option.rank for option in ranking if option.modality.kind == "massage"]
    best_massage = f"rank {min(ranked_massages)}" if ranked_massages else "not ranked"
    print(f"\nBest active option: rank {best_active}; best massage technique: {best_massage}")

    certainties = sorted(
        {
            finding.certainty
            for modality in default_catalog().select(kind="massage")
            for finding in modality.findings_for(PAIN)
        }
    )
    print(
        f"Certainty of every massage finding for {PAIN.label}: "
        f"{', '.join(c.value for c in certainties)}"
    )

    lenient = rank(PAIN, policy=ScoringPolicy(min_certainty=Certainty.VERY_LOW))
    print("\nCounting very-low-certainty findings too (a lenient policy):")
    for option in lenient:
        if option.modality.kind == "massage" or option.modality.id == "exercise.therapeutic":
            print(f"  {option.rank}. {option.modality.id}: {float(option.score):.3f}")


if __name__ == "__main__":
    main()
