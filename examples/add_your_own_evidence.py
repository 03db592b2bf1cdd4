"""How to add your own evidence: a new modality, a finding, and the source it cites.

What it teaches: modalities, findings and sources are plain immutable records; a catalog is
assembled from them and checked (every finding must cite a source the catalog holds), and
``rank`` takes any catalog. Adding an option never reorders the others.

THE EVIDENCE IN THIS SCRIPT IS MADE UP. The source ``example-your-trial`` and its finding
are an illustration of the API, not real evidence about any treatment.

Run: python examples/add_your_own_evidence.py
"""

from painmodalities import (
    Activity,
    Catalog,
    CatalogIntegrityError,
    Certainty,
    Effect,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    Outcome,
    PainType,
    Source,
    default_catalog,
    rank,
)

PAIN = PainType.parse("low_back:chronic")

SOURCE = Source(
    key="example-your-trial",
    title="Your own trial (illustration, not real evidence)",
    kind="illustration",
)

MADE_UP = Exercise(
    id="exercise.example_programme",
    name="Example programme (illustration)",
    activity=Activity.ACTIVE,
    form=ExerciseForm.STRENGTHENING_AND_CONDITIONING,
    summary="A made-up modality showing how to add your own evidence.",
    findings=(
        Finding(
            pain_type=PAIN,
            outcome=Outcome.FUNCTION,
            horizon=Horizon.INTERMEDIATE,
            effect=Effect.SMALL,
            certainty=Certainty.MODERATE,
            source=SOURCE.key,
            note="made-up illustration",
        ),
    ),
)


def main() -> None:
    built_in = default_catalog()
    try:
        Catalog.assemble([*built_in, MADE_UP], built_in.sources)
    except CatalogIntegrityError as error:
        print("Without its source the catalog is refused:")
        print(f"  {error}")

    catalog = Catalog.assemble([*built_in, MADE_UP], [*built_in.sources, SOURCE])
    print(f"\nAssembled: {len(catalog)} modalities, {len(catalog.sources)} sources")

    ranking = rank(PAIN, catalog=catalog)
    option = ranking.option(MADE_UP.id)
    print(f"\n{MADE_UP.name} ranks {option.rank} of {len(ranking)} for {PAIN.label}:")
    print(f"  {option.score.explain()}")

    before = rank(PAIN).ids
    after = tuple(modality_id for modality_id in ranking.ids if modality_id != MADE_UP.id)
    print(f"\nThe built-in options keep their order: {before == after}")


if __name__ == "__main__":
    main()
