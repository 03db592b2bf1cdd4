"""The vocabulary of the catalog document, shared by the pydantic and msgspec models.

The models in ``models_pydantic.py`` and ``models_msgspec.py`` mirror the library's catalog
document field for field, with the same rules wherever the other library can state them:
exact enum strings, no coercion, no unknown keys, required keys required, the same id and
key patterns, non-blank names, the same ranges, and the catalog's integrity rules (unique
ids, cited sources present, components present).
"""

from typing import Literal

Activity = Literal["passive", "active"]
Condition = Literal[
    "low_back",
    "neck",
    "knee_osteoarthritis",
    "hip_osteoarthritis",
    "fibromyalgia",
    "tension_headache",
]
Phase = Literal["acute", "subacute", "chronic"]
Outcome = Literal["pain", "function"]
Horizon = Literal["immediate", "short", "intermediate", "long"]
Effect = Literal["none", "small", "moderate", "large"]
Certainty = Literal["insufficient", "very_low", "low", "moderate", "high"]
Comparator = Literal["inactive", "mixed"]
Precaution = Literal[
    "blood_clot",
    "bleeding_risk",
    "fracture",
    "weakened_bones",
    "open_wound",
    "skin_infection",
    "recent_surgery",
]
Coverage = Literal["unknown", "rarely", "sometimes", "likely"]
Technique = Literal["swedish", "deep_tissue", "structural", "targeted"]
Form = Literal["strengthening_and_conditioning", "yoga", "tai_chi"]
Direction = Literal["against", "only_with_exercise", "for"]
Strength = Literal["weak", "strong"]
Measure = Literal["smd", "md", "other"]
AssessmentKind = Literal[
    "alternative_diagnoses", "risk_stratification", "imaging", "natural_course"
]

DECIMAL_PATTERN = r"^(?:-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,15})?)$"

ID_PATTERN = r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$"
KEY_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
NON_BLANK = r"\S"
MAX_SESSION_MINUTES = 24 * 60


def integrity_problems(
    modality_ids: list[str],
    cited: list[str],
    components: list[str],
    source_keys: list[str],
) -> list[str]:
    """The catalog rules the library checks: unique ids and keys, cited and named ids exist."""
    problems = []
    if len(set(modality_ids)) != len(modality_ids):
        problems.append("duplicate modality id")
    keys = set(source_keys)
    if len(keys) != len(source_keys):
        problems.append("duplicate source key")
    problems += [f"unknown source {key}" for key in cited if key not in keys]
    known = set(modality_ids)
    problems += [f"unknown component {name}" for name in components if name not in known]
    return problems
