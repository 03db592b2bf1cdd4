"""Synthetic inputs for the benchmarks: catalogs of any size and cohorts of patients.

Everything is drawn from a seeded :class:`random.Random`, so every run measures the same
inputs.
"""

import random
from collections.abc import Iterator

from painmodalities import (
    Activity,
    Acupuncture,
    Catalog,
    Certainty,
    Condition,
    Coverage,
    Effect,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    ManualTherapy,
    Massage,
    MassageTechnique,
    Modality,
    Outcome,
    PainType,
    Patient,
    Phase,
    PhysicalAgent,
    PhysicalTherapy,
    Precaution,
    Psychological,
    Rehabilitation,
    Source,
)

PAIN_TYPES = [PainType(condition, phase) for condition in Condition for phase in Phase]
_SIMPLE = (
    Massage,
    Exercise,
    Rehabilitation,
    Psychological,
    ManualTherapy,
    Acupuncture,
    PhysicalAgent,
)


def _findings(rng: random.Random, keys: list[str], count: int) -> tuple[Finding, ...]:
    found: dict[tuple[object, ...], Finding] = {}
    for _ in range(count):
        finding = Finding(
            pain_type=rng.choice(PAIN_TYPES),
            outcome=rng.choice(list(Outcome)),
            horizon=rng.choice(list(Horizon)),
            effect=rng.choice(list(Effect)),
            certainty=rng.choice(list(Certainty)),
            source=rng.choice(keys),
            note="synthetic finding",
        )
        found.setdefault(finding.key, finding)
    return tuple(found.values())


def _family_fields(rng: random.Random, family: type[Modality]) -> dict[str, object]:
    if family is Massage:
        return {"technique": rng.choice(list(MassageTechnique))}
    if family is Exercise:
        return {"form": rng.choice(list(ExerciseForm))}
    return {}


def catalog(size: int, seed: int = 7, findings: int = 8) -> Catalog:
    """A valid catalog of ``size`` modalities, one in 50 a programme of two others."""
    rng = random.Random(seed)
    sources = [Source(key=f"src-{number}", title=f"Source {number}") for number in range(50)]
    keys = [source.key for source in sources]
    members: list[Modality] = []
    for number in range(size):
        if number % 50 == 49 and len(members) >= 2:
            members.append(
                PhysicalTherapy(
                    id=f"physical_therapy.p{number}",
                    name=f"Programme {number}",
                    activity=Activity.ACTIVE,
                    session_minutes=rng.choice([None, 30, 45, 60]),
                    components=tuple(
                        rng.sample([m.id for m in members if m.kind != "physical_therapy"], 2)
                    ),
                )
            )
            continue
        family = rng.choice(_SIMPLE)
        drawn = rng.choice(list(Activity))  # drawn for every family: the same stream as before
        members.append(
            family(
                id=f"{family.kind}.m{number}",
                name=f"Modality {number}",
                activity=family.fixed_activity[0] if family.fixed_activity else drawn,
                summary="synthetic",
                session_minutes=rng.choice([None, 20, 30, 45, 60, 90]),
                coverage=rng.choice(list(Coverage)),
                precautions=frozenset(rng.sample(list(Precaution), rng.choice([0, 0, 1, 2]))),
                findings=_findings(rng, keys, findings),
                **_family_fields(rng, family),
            )
        )
    return Catalog.assemble(members, sources)


def plans(catalog_: Catalog) -> list[frozenset[str] | None]:
    """Insurance plans: the ids each one pays for (``None``: coverage is no constraint).

    No limit; everything not marked as rarely covered; everything but massage; only active
    modalities.
    """
    return [
        None,
        frozenset(m.id for m in catalog_ if m.coverage is not Coverage.RARELY),
        frozenset(m.id for m in catalog_ if m.kind != "massage"),
        frozenset(m.id for m in catalog_ if m.is_active),
    ]


def cohort(catalog_: Catalog, size: int, seed: int = 11) -> Iterator[tuple[PainType, Patient]]:
    """``size`` generated patients, one at a time: (pain type, constraints) pairs.

    Mixed pain types (all 18), each precaution with probability 4%, one of the four
    insurance :func:`plans`, a session limit for 30% of patients, and one modality ruled
    out by name for 10%. Each patient is built
    afresh from its drawn record (a :class:`Patient` with every validator run).
    """
    rng = random.Random(seed)
    ids = list(catalog_.ids)
    coverage_plans = plans(catalog_)
    precautions = list(Precaution)
    random_ = rng.random
    choice = rng.choice
    for _ in range(size):
        pain_type = choice(PAIN_TYPES)
        record_precautions = [item for item in precautions if random_() < 0.04]
        covered = choice(coverage_plans)
        minutes = choice((30, 45, 60)) if random_() < 0.3 else None
        exclude = (choice(ids),) if random_() < 0.1 else ()
        yield (
            pain_type,
            Patient(
                precautions=record_precautions,
                covered=covered,
                max_session_minutes=minutes,
                exclude=exclude,
            ),
        )
