"""What changes for acute pain: the same catalog, a different pain type, a different ranking.

What it teaches: evidence is about a pain type (a condition in a phase), never about a
modality in general. The phase comes from how long the pain has lasted
(``Phase.from_weeks``). An option with strong evidence for chronic pain may have no finding
of benefit for acute pain, and then the evidence gate gives it 0, however active it is.
Everything printed is computed from the built-in catalog.

Run: python examples/acute_pain.py
"""

from painmodalities import Condition, Outcome, PainType, Phase, default_catalog, rank


def top(pain: PainType, n: int = 3) -> None:
    print(f"\nTop {n} for {pain.label}:")
    for option in rank(pain).top(n):
        gate = "" if option.score.has_benefit else "  (no scored benefit: evidence gate)"
        print(f"  {option.rank}. {option.modality.id}: {float(option.score):.3f}{gate}")


def main() -> None:
    for weeks in (2, 8, 30):
        print(f"Pain for {weeks} weeks is {Phase.from_weeks(weeks).value}.")

    acute = PainType(Condition.LOW_BACK, Phase.from_weeks(2))
    chronic = PainType(Condition.LOW_BACK, Phase.from_weeks(30))
    top(acute)
    top(chronic)

    print(f"\nFunction findings showing benefit for {acute.label}:")
    for modality in default_catalog():
        shown = [f for f in modality.findings_for(acute, Outcome.FUNCTION) if f.shows_benefit]
        for finding in shown:
            print(
                f"  {modality.id}: {finding.effect.value} effect at {finding.horizon.value} "
                f"horizon, {finding.certainty.value} certainty [{finding.source}]"
            )

    massages = default_catalog().select(kind="massage")
    with_benefit = [
        m.id
        for m in massages
        if any(f.shows_benefit for f in m.findings_for(acute, Outcome.FUNCTION))
    ]
    print(
        f"\nMassage techniques with a function finding of benefit for {acute.label}: "
        f"{with_benefit or 'none'}"
    )

    ranking = rank(acute)
    print(f"\n{ranking.summary}")
    for option in ranking:
        print(f"  {option.rank}. {option.modality.name}: {float(option.score):.3f}")
    exercise = ranking.entry("exercise.therapeutic")
    print(f"\nTherapeutic exercise for {acute.label}: {exercise.explain()}")


if __name__ == "__main__":
    main()
