"""painmodalities: typed, cited models of non-drug pain-care modalities.

The library models massage and its techniques, exercise, physical therapy and their peers
as immutable records with graded evidence per pain type, each finding citing its source,
and ranks them for long-term function.

>>> from painmodalities import default_catalog, PainType
>>> catalog = default_catalog()
>>> catalog["massage.swedish"].activity.value
'passive'

Every public name is imported here, once, from the module that defines it. The core and
the JSON converter are imported up front: the first ranking needs them anyway (to read the
built-in catalog), so deferring them would only move the cost into the first call. The
documents and their schema (:mod:`painmodalities.serialization`,
:mod:`painmodalities.schema`) sit at the edge and a ranking never needs them: their names
are imported when first read (PEP 562), which keeps them out of the import target (import
and a first ranking). Optional parts (FHIR, plots, the command line) live in their own
modules and are not imported.
"""

import importlib
from typing import TYPE_CHECKING

from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog, composite_findings
from painmodalities.errors import (
    MISSING,
    CatalogIntegrityError,
    InvalidDurationError,
    InvalidWeightsError,
    MissingExtraError,
    NotInCatalogError,
    NotRankedError,
    OptionIndexError,
    PainModalitiesError,
    Problem,
    UnknownModalityError,
    UnknownSourceError,
    UnsupportedVersionError,
    ValidationError,
)
from painmodalities.evidence import (
    Assessment,
    Finding,
    PainType,
    Recommendation,
    Source,
    Statistic,
)
from painmodalities.modalities import (
    FAMILIES,
    Acupuncture,
    Coding,
    Exercise,
    Lifestyle,
    ManualTherapy,
    Massage,
    Modality,
    PhysicalAgent,
    PhysicalTherapy,
    Psychological,
    Rehabilitation,
    SelfManagement,
)
from painmodalities.ranking import (
    Entry,
    Exclusion,
    ExclusionReason,
    Omission,
    Patient,
    RankedOption,
    Ranking,
    Reason,
    UnrankedOption,
    check_ranking,
    rank,
    rank_many,
)
from painmodalities.scoring import (
    CERTAINTY_VALUES,
    EFFECT_VALUES,
    HORIZON_VALUES,
    Contribution,
    Score,
    ScoringPolicy,
    Weights,
    check_score,
    score,
)
from painmodalities.vocabulary import (
    CHRONIC_BY_DEFINITION,
    Activity,
    AssessmentKind,
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
    Measure,
    Outcome,
    Phase,
    Precaution,
    RankedEnum,
    Strength,
)

if TYPE_CHECKING:  # imported when first asked for, as the first ranking needs none: __getattr__
    from painmodalities.grid import GRID_QUESTIONS, GridCell, GridRow, OptionGrid, compare
    from painmodalities.plans import CarePlan, PlanItem, PlanRole, TimelineStep, check_plan, plan
    from painmodalities.schema import json_schema
    from painmodalities.sensitivity import (
        Acceptability,
        OptionAcceptability,
        RankShare,
        Stability,
        WeightChange,
        WeightInterval,
        acceptability,
        stability,
    )
    from painmodalities.serialization import (
        DOCUMENT_TYPES,
        SCHEMA_VERSION,
        from_json,
        load_catalog,
        to_json,
    )
    from painmodalities.summary import SUMMARY_DOCUMENT, SummaryOfFindings, SummaryRow, summarize

__version__ = "0.1.0"

__all__ = [
    "CERTAINTY_VALUES",
    "CHRONIC_BY_DEFINITION",
    "DOCUMENT_TYPES",
    "EFFECT_VALUES",
    "FAMILIES",
    "GRID_QUESTIONS",
    "HORIZON_VALUES",
    "MISSING",
    "SCHEMA_VERSION",
    "SUMMARY_DOCUMENT",
    "Acceptability",
    "Activity",
    "Acupuncture",
    "Assessment",
    "AssessmentKind",
    "CarePlan",
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
    "Entry",
    "Exclusion",
    "ExclusionReason",
    "Exercise",
    "ExerciseForm",
    "Finding",
    "GridCell",
    "GridRow",
    "Horizon",
    "InvalidDurationError",
    "InvalidWeightsError",
    "Lifestyle",
    "ManualTherapy",
    "Massage",
    "MassageTechnique",
    "Measure",
    "MissingExtraError",
    "Modality",
    "NotInCatalogError",
    "NotRankedError",
    "Omission",
    "OptionAcceptability",
    "OptionGrid",
    "OptionIndexError",
    "Outcome",
    "PainModalitiesError",
    "PainType",
    "Patient",
    "Phase",
    "PhysicalAgent",
    "PhysicalTherapy",
    "PlanItem",
    "PlanRole",
    "Precaution",
    "Problem",
    "Psychological",
    "RankShare",
    "RankedEnum",
    "RankedOption",
    "Ranking",
    "Reason",
    "Recommendation",
    "Rehabilitation",
    "Score",
    "ScoringPolicy",
    "SelfManagement",
    "Source",
    "Stability",
    "Statistic",
    "Strength",
    "SummaryOfFindings",
    "SummaryRow",
    "TimelineStep",
    "UnknownModalityError",
    "UnknownSourceError",
    "UnrankedOption",
    "UnsupportedVersionError",
    "ValidationError",
    "WeightChange",
    "WeightInterval",
    "Weights",
    "__version__",
    "acceptability",
    "check_plan",
    "check_ranking",
    "check_score",
    "compare",
    "composite_findings",
    "default_catalog",
    "from_json",
    "json_schema",
    "load_catalog",
    "plan",
    "rank",
    "rank_many",
    "score",
    "stability",
    "summarize",
    "to_json",
]


#: The modules whose public names are imported when first read (none is needed to rank).
_ON_FIRST_USE = ("plans", "sensitivity", "grid", "summary", "serialization", "schema")


def __getattr__(name: str) -> object:
    """A public name not needed to rank (plans, sensitivity, grids, summaries, documents).

    Imported when first read (PEP 562).
    """
    if name in __all__:
        for module_name in _ON_FIRST_USE:
            module = importlib.import_module(f"painmodalities.{module_name}")
            if name in module.__all__:
                return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the ones :func:`__getattr__` imports on first use included."""
    return sorted({*globals(), *__all__})
