"""Sample records for tests: one builder per record type, shared by every test file.

Each builder returns a valid record with plain defaults; keyword ``changes`` replace its
fields, so a test states only what it is about. Hypothesis strategies live in
``tests/strategies.py``; these are the fixed examples.
"""

from typing import Any

from painmodalities import (
    Activity,
    Certainty,
    Condition,
    Direction,
    Effect,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    Massage,
    MassageTechnique,
    Outcome,
    PainType,
    Phase,
    PhysicalTherapy,
    Recommendation,
    Strength,
)

CHRONIC_LBP = PainType(Condition.LOW_BACK, Phase.CHRONIC)


def finding(**changes: Any) -> Finding:
    """A finding for chronic low back pain; ``changes`` replace its fields."""
    fields: dict[str, Any] = {
        "pain_type": CHRONIC_LBP,
        "outcome": Outcome.FUNCTION,
        "horizon": Horizon.SHORT,
        "effect": Effect.SMALL,
        "certainty": Certainty.LOW,
        "source": "acp-2017",
    }
    return Finding(**{**fields, **changes})


def recommendation(**changes: Any) -> Recommendation:
    """A recommendation for neck pain in any phase; ``changes`` replace its fields."""
    fields: dict[str, Any] = {
        "condition": Condition.NECK,
        "phase": None,
        "direction": Direction.FOR,
        "strength": Strength.WEAK,
        "certainty": Certainty.LOW,
        "source": "acp-2017",
    }
    return Recommendation(**{**fields, **changes})


def massage(**changes: Any) -> Massage:
    """A 45-minute Swedish massage record; ``changes`` replace its fields."""
    fields: dict[str, Any] = {
        "id": "massage.test",
        "name": "Test massage",
        "activity": Activity.PASSIVE,
        "technique": MassageTechnique.SWEDISH,
        "session_minutes": 45,
    }
    return Massage(**{**fields, **changes})


def exercise(**changes: Any) -> Exercise:
    """A yoga record; ``changes`` replace its fields."""
    fields: dict[str, Any] = {
        "id": "exercise.test",
        "name": "Test yoga",
        "activity": Activity.ACTIVE,
        "form": ExerciseForm.YOGA,
    }
    return Exercise(**{**fields, **changes})


def programme(**changes: Any) -> PhysicalTherapy:
    """A physical-therapy programme of one exercise; ``changes`` replace its fields."""
    fields: dict[str, Any] = {
        "id": "physical_therapy.test",
        "name": "Test programme",
        "activity": Activity.ACTIVE,
        "components": ("exercise.test",),
    }
    return PhysicalTherapy(**{**fields, **changes})
