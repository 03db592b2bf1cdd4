"""painmodalities: typed, cited models of non-drug pain-care modalities.

The library models massage and its techniques, exercise, physical therapy and their peers
as immutable records with graded evidence per pain type, each finding citing its source,
and ranks them for long-term function.

>>> from painmodalities import default_catalog, PainType
>>> catalog = default_catalog()
>>> catalog["massage.swedish"].activity.value
'passive'

Every public name is imported here, once, from the module that defines it: the first
ranking needs the whole core and the JSON converter anyway (to read the built-in catalog),
so importing them up front costs a program nothing it would not pay on first use. Optional
parts (FHIR, plots, the command line) live in their own modules and are not imported.
"""

from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog, composite_findings
from painmodalities.errors import (
    MISSING,
    CatalogIntegrityError,
    CliError,
    InvalidDurationError,
    InvalidWeightsError,
    MissingExtraError,
    NotInCatalogError,
    NotRankedError,
    PainModalitiesError,
    Problem,
    UnknownModalityError,
    UnknownSourceError,
    UnsupportedVersionError,
    ValidationError,
)
from painmodalities.evidence import Finding, PainType, Recommendation, Source
from painmodalities.grid import GRID_QUESTIONS, GridCell, GridRow, OptionGrid, compare
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
from painmodalities.schema import json_schema
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

__all__ = [
    "CERTAINTY_VALUES",
    "DOCUMENT_TYPES",
    "EFFECT_VALUES",
    "FAMILIES",
    "GRID_QUESTIONS",
    "HORIZON_VALUES",
    "MISSING",
    "SCHEMA_VERSION",
    "Activity",
    "Acupuncture",
    "Catalog",
    "CatalogIntegrityError",
    "Certainty",
    "CliError",
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
    "ManualTherapy",
    "Massage",
    "MassageTechnique",
    "MissingExtraError",
    "Modality",
    "NotInCatalogError",
    "NotRankedError",
    "Omission",
    "OptionGrid",
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
    "UnrankedOption",
    "UnsupportedVersionError",
    "ValidationError",
    "Weights",
    "__version__",
    "check_ranking",
    "check_score",
    "compare",
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
