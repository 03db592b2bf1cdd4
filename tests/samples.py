"""Sample records for tests: one builder per record type, shared by every test file.

Each builder returns a valid record with plain defaults; keyword ``changes`` replace its
fields, so a test states only what it is about. Hypothesis strategies live in
``tests/strategies.py``; these are the fixed examples.
"""

import json
from pathlib import Path
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


# -- FHIR ---------------------------------------------------------------------------------

#: The real patient bundles kept with the tests (from ``../shared/fixtures/fhir``).
FHIR_FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
FHIR_SUBJECT = {"reference": "Patient/example"}


def fhir_fixture(name: str) -> dict[str, Any]:
    """The parsed fixture bundle ``name`` (``brenda_jackson``, ``lois_lane``)."""
    loaded: dict[str, Any] = json.loads((FHIR_FIXTURES / f"{name}.json").read_text("utf-8"))
    return loaded


def fhir_bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    """A collection Bundle of ``resources``."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource} for resource in resources],
    }


def fhir_status(system: str, code: str) -> dict[str, Any]:
    """A status CodeableConcept of the terminology.hl7.org code system ``system``."""
    return {
        "coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system}", "code": code}]
    }


def fhir_condition(
    system: str = SNOMED,
    code: str = "203082005",
    *,
    clinical: str | None = "active",
    **fields: Any,
) -> dict[str, Any]:
    """A Condition of :data:`FHIR_SUBJECT` coded ``system``/``code`` (default: fibromyalgia)."""
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": FHIR_SUBJECT,
        **fields,
    }
    if clinical is not None:
        resource["clinicalStatus"] = fhir_status("condition-clinical", clinical)
    return resource
