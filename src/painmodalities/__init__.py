"""painmodalities: typed, cited models of non-drug pain-care modalities.

The library models massage and its techniques, exercise, physical therapy and their peers
as immutable records with graded evidence per pain type, each finding citing its source,
and ranks them for long-term function.

>>> from painmodalities import default_catalog, PainType
>>> catalog = default_catalog()
>>> catalog["massage.swedish"].activity.value
'passive'

Names are imported on first use (PEP 562), so ``import painmodalities`` costs almost
nothing: the catalog, the scoring machinery and the JSON converter load when a program
first asks for them.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real imports, for type checkers and IDEs; at run time see _LAZY
    from painmodalities.catalog import (
        Catalog,
        UnknownSourceError,
        composite_findings,
        default_catalog,
    )
    from painmodalities.errors import (
        MISSING,
        CatalogIntegrityError,
        InvalidDurationError,
        InvalidWeightsError,
        PainModalitiesError,
        Problem,
        UnknownModalityError,
        UnsupportedVersionError,
        ValidationError,
    )
    from painmodalities.evidence import (
        Finding,
        PainType,
        Recommendation,
        Source,
    )
    from painmodalities.modalities import (
        FAMILIES,
        Acupuncture,
        Coding,
        Exercise,
        ManualTherapy,
        Massage,
        Modality,
        PhysicalAgent,
        PhysicalTherapy,
        Psychological,
        Rehabilitation,
    )
    from painmodalities.ranking import (
        Exclusion,
        ExclusionReason,
        Patient,
        RankedOption,
        Ranking,
        Reason,
        rank,
        rank_many,
    )
    from painmodalities.schema import (
        json_schema,
    )
    from painmodalities.scoring import (
        CERTAINTY_VALUES,
        EFFECT_VALUES,
        HORIZON_VALUES,
        Contribution,
        Score,
        ScoringPolicy,
        Weights,
        score,
    )
    from painmodalities.serialization import (
        DOCUMENT_TYPES,
        SCHEMA_VERSION,
        from_json,
        load_catalog,
        to_json,
    )
    from painmodalities.vocabulary import (
        Activity,
        Certainty,
        Comparator,
        Condition,
        Coverage,
        Criterion,
        Direction,
        Effect,
        ExerciseForm,
        Horizon,
        MassageTechnique,
        Outcome,
        Phase,
        Precaution,
        RankedEnum,
        Strength,
    )

__version__ = "0.1.0"

#: Where each public name lives; ``__getattr__`` imports it from there on first use.
_LAZY: dict[str, str] = {
    "Catalog": "painmodalities.catalog",
    "UnknownSourceError": "painmodalities.catalog",
    "composite_findings": "painmodalities.catalog",
    "default_catalog": "painmodalities.catalog",
    "MISSING": "painmodalities.errors",
    "CatalogIntegrityError": "painmodalities.errors",
    "InvalidDurationError": "painmodalities.errors",
    "InvalidWeightsError": "painmodalities.errors",
    "PainModalitiesError": "painmodalities.errors",
    "Problem": "painmodalities.errors",
    "UnknownModalityError": "painmodalities.errors",
    "UnsupportedVersionError": "painmodalities.errors",
    "ValidationError": "painmodalities.errors",
    "Finding": "painmodalities.evidence",
    "PainType": "painmodalities.evidence",
    "Recommendation": "painmodalities.evidence",
    "Source": "painmodalities.evidence",
    "FAMILIES": "painmodalities.modalities",
    "Acupuncture": "painmodalities.modalities",
    "Coding": "painmodalities.modalities",
    "Exercise": "painmodalities.modalities",
    "ManualTherapy": "painmodalities.modalities",
    "Massage": "painmodalities.modalities",
    "Modality": "painmodalities.modalities",
    "PhysicalAgent": "painmodalities.modalities",
    "PhysicalTherapy": "painmodalities.modalities",
    "Psychological": "painmodalities.modalities",
    "Rehabilitation": "painmodalities.modalities",
    "Exclusion": "painmodalities.ranking",
    "ExclusionReason": "painmodalities.ranking",
    "Patient": "painmodalities.ranking",
    "RankedOption": "painmodalities.ranking",
    "Ranking": "painmodalities.ranking",
    "Reason": "painmodalities.ranking",
    "rank": "painmodalities.ranking",
    "rank_many": "painmodalities.ranking",
    "json_schema": "painmodalities.schema",
    "CERTAINTY_VALUES": "painmodalities.scoring",
    "EFFECT_VALUES": "painmodalities.scoring",
    "HORIZON_VALUES": "painmodalities.scoring",
    "Contribution": "painmodalities.scoring",
    "Score": "painmodalities.scoring",
    "ScoringPolicy": "painmodalities.scoring",
    "Weights": "painmodalities.scoring",
    "score": "painmodalities.scoring",
    "DOCUMENT_TYPES": "painmodalities.serialization",
    "SCHEMA_VERSION": "painmodalities.serialization",
    "from_json": "painmodalities.serialization",
    "load_catalog": "painmodalities.serialization",
    "to_json": "painmodalities.serialization",
    "Activity": "painmodalities.vocabulary",
    "Certainty": "painmodalities.vocabulary",
    "Comparator": "painmodalities.vocabulary",
    "Condition": "painmodalities.vocabulary",
    "Coverage": "painmodalities.vocabulary",
    "Criterion": "painmodalities.vocabulary",
    "Direction": "painmodalities.vocabulary",
    "Effect": "painmodalities.vocabulary",
    "ExerciseForm": "painmodalities.vocabulary",
    "Horizon": "painmodalities.vocabulary",
    "MassageTechnique": "painmodalities.vocabulary",
    "Outcome": "painmodalities.vocabulary",
    "Phase": "painmodalities.vocabulary",
    "Precaution": "painmodalities.vocabulary",
    "RankedEnum": "painmodalities.vocabulary",
    "Strength": "painmodalities.vocabulary",
}

__all__ = [
    "CERTAINTY_VALUES",
    "DOCUMENT_TYPES",
    "EFFECT_VALUES",
    "FAMILIES",
    "HORIZON_VALUES",
    "MISSING",
    "SCHEMA_VERSION",
    "Activity",
    "Acupuncture",
    "Catalog",
    "CatalogIntegrityError",
    "Certainty",
    "Coding",
    "Comparator",
    "Condition",
    "Contribution",
    "Coverage",
    "Criterion",
    "Direction",
    "Effect",
    "Exclusion",
    "ExclusionReason",
    "Exercise",
    "ExerciseForm",
    "Finding",
    "Horizon",
    "InvalidDurationError",
    "InvalidWeightsError",
    "ManualTherapy",
    "Massage",
    "MassageTechnique",
    "Modality",
    "Outcome",
    "PainModalitiesError",
    "PainType",
    "Patient",
    "Phase",
    "PhysicalAgent",
    "PhysicalTherapy",
    "Precaution",
    "Problem",
    "Psychological",
    "RankedEnum",
    "RankedOption",
    "Ranking",
    "Reason",
    "Recommendation",
    "Rehabilitation",
    "Score",
    "ScoringPolicy",
    "Source",
    "Strength",
    "UnknownModalityError",
    "UnknownSourceError",
    "UnsupportedVersionError",
    "ValidationError",
    "Weights",
    "__version__",
    "composite_findings",
    "default_catalog",
    "from_json",
    "json_schema",
    "load_catalog",
    "rank",
    "rank_many",
    "score",
    "to_json",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access, then keep the name here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return sorted({*globals(), *__all__})
