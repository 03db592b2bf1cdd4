"""How a patient's precautions, insurance and schedule change the ranking.

What it teaches: a ``Patient`` rules options out. What is ruled out is reported with every
reason. An option's score depends only on its own evidence, so it does not change, with one
exception: a programme (physical therapy) built from components the patient may not have is
scored without their evidence, so its score can drop, and the ranking says which components
were left out. Every other option left keeps its score and its order. The patients below are
made-up examples; the modalities, their precautions and session lengths come from the
built-in catalog.

Run: python examples/patient_constraints.py
"""

from painmodalities import Patient, Precaution, Ranking, rank

PAIN = "neck:chronic"


def show(title: str, ranking: Ranking) -> None:
    print(f"\n{title}")
    for option in ranking.top(4):
        print(f"  {option.rank}. {option.modality.id} ({float(option.score):.3f})")
    print(f"  ruled out: {len(ranking.excluded)}")
    for exclusion in ranking.excluded[:3]:
        reasons = "; ".join(reason.detail for reason in exclusion.reasons)
        print(f"    - {exclusion.modality.id}: {reasons}")
    if len(ranking.excluded) > 3:
        print(f"    - and {len(ranking.excluded) - 3} more")


def main() -> None:
    baseline = rank(PAIN)
    show("No constraints:", baseline)

    clot = Patient(precautions=frozenset({Precaution.BLOOD_CLOT}))
    show("A patient with a blood clot:", rank(PAIN, patient=clot))

    # An example insurance plan that pays for three options only.
    insured = Patient(
        covered=frozenset({"massage.structural", "physical_therapy.programme", "acupuncture"})
    )
    show("A plan that covers three options:", rank(PAIN, patient=insured))

    busy = Patient(max_session_minutes=30)
    show("A patient who can attend 30-minute sessions at most:", rank(PAIN, patient=busy))

    kept = rank(PAIN, patient=clot)
    print("\nWith a blood clot, a programme is scored without the components ruled out:")
    for option in kept:
        if option.without:
            left_out = ", ".join(omission.component for omission in option.without)
            before = float(baseline.score_of(option.modality.id))
            print(
                f"  {option.modality.id}: without {left_out}, "
                f"{before:.3f} -> {float(option.score):.3f}"
            )
    others = [option.modality.id for option in kept if not option.without]
    order = [modality_id for modality_id in baseline.ids if modality_id in others]
    print(f"Every other option left keeps its relative order: {order == others}")


if __name__ == "__main__":
    main()
