"""The catalog document as pydantic v2 models: strict, frozen, extra keys forbidden."""

from typing import Annotated, Literal

from _shape import (
    DECIMAL_PATTERN,
    ID_PATTERN,
    KEY_PATTERN,
    MAX_SESSION_MINUTES,
    NON_BLANK,
    Activity,
    AssessmentKind,
    Certainty,
    Comparator,
    Condition,
    Coverage,
    Direction,
    Effect,
    Form,
    Horizon,
    Measure,
    Outcome,
    Phase,
    Precaution,
    Strength,
    Technique,
    integrity_problems,
)
from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(pattern=ID_PATTERN)]
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
Name = Annotated[str, Field(pattern=NON_BLANK)]
Decimal = Annotated[str, Field(pattern=DECIMAL_PATTERN)]
Count = Annotated[int, Field(ge=1, le=10_000_000)]


class Record(BaseModel):
    """Strict (no coercion), frozen, unknown keys refused."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class Source(Record):
    """The document shape of ``Source``."""

    key: Key
    title: Name
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    url: str = ""
    kind: str = ""
    publisher: str = ""
    read_confidence: str = ""


class PainType(Record):
    """The document shape of ``PainType``."""

    condition: Condition
    phase: Phase


class Statistic(Record):
    """The document shape of ``Statistic`` (its cross-field rules are not stated here)."""

    measure: Measure | None = None
    scale: str = ""
    estimate: Decimal | None = None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    studies: Count | None = None
    participants: Count | None = None
    locator: str = ""


class Finding(Record):
    """The document shape of ``Finding``."""

    pain_type: PainType
    outcome: Outcome
    horizon: Horizon
    effect: Effect
    certainty: Certainty
    comparator: Comparator = "inactive"
    source: Key
    note: str = ""
    component: Id | None = None
    statistic: Statistic | None = None


class Recommendation(Record):
    """The document shape of ``Recommendation``."""

    condition: Condition | None
    phase: Phase | None
    direction: Direction
    strength: Strength
    certainty: Certainty | None = None
    source: Key
    note: str = ""
    verb: str = ""
    read_from: str = ""
    topic: str = ""


class Assessment(Record):
    """The document shape of ``Assessment``."""

    condition: Condition
    phase: Phase | None = None
    kind: AssessmentKind
    direction: Direction
    verb: Name
    source: Key
    locator: str = ""
    note: Name
    read_from: str = ""


class Coding(Record):
    """The document shape of ``Coding``."""

    system: Name
    code: Name
    display: str = ""


class Modality(Record):
    """The document shape of ``Modality``."""

    id: Id
    name: Name
    activity: Activity
    summary: str = ""
    session_minutes: Annotated[int, Field(ge=1, le=MAX_SESSION_MINUTES)] | None = None
    coverage: Coverage = "unknown"
    precautions: frozenset[Precaution] = frozenset()
    precautions_source: Key | None = None
    findings: tuple[Finding, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    codings: tuple[Coding, ...] = ()


class Massage(Modality):
    """The document shape of ``Massage``."""

    kind: Literal["massage"]
    technique: Technique
    mechanism_established: bool = False


class Exercise(Modality):
    """The document shape of ``Exercise``."""

    kind: Literal["exercise"]
    form: Form


class PhysicalTherapy(Modality):
    """The document shape of ``PhysicalTherapy``."""

    kind: Literal["physical_therapy"]
    components: Annotated[tuple[Id, ...], Field(min_length=1)]


class Rehabilitation(Modality):
    """The document shape of ``Rehabilitation``."""

    kind: Literal["rehabilitation"]


class Psychological(Modality):
    """The document shape of ``Psychological``."""

    kind: Literal["psychological"]


class ManualTherapy(Modality):
    """The document shape of ``ManualTherapy``."""

    kind: Literal["manual_therapy"]


class Acupuncture(Modality):
    """The document shape of ``Acupuncture``."""

    kind: Literal["acupuncture"]


class PhysicalAgent(Modality):
    """The document shape of ``PhysicalAgent``."""

    kind: Literal["physical_agent"]


class SelfManagement(Modality):
    """The document shape of ``SelfManagement``."""

    kind: Literal["self_management"]


class Lifestyle(Modality):
    """The document shape of ``Lifestyle``."""

    kind: Literal["lifestyle"]


AnyModality = Annotated[
    Massage
    | Exercise
    | PhysicalTherapy
    | Rehabilitation
    | Psychological
    | ManualTherapy
    | Acupuncture
    | PhysicalAgent
    | SelfManagement
    | Lifestyle,
    Field(discriminator="kind"),
]


class Catalog(Record):
    """The document shape of ``Catalog``."""

    schema_version: Annotated[str, Field(pattern=r"^2\.(0|[1-9][0-9]{0,3})$")]
    modalities: tuple[AnyModality, ...]
    sources: tuple[Source, ...] = ()
    assessments: tuple[Assessment, ...] = ()

    @model_validator(mode="after")
    def _integrity(self) -> "Catalog":
        problems = integrity_problems(
            [modality.id for modality in self.modalities],
            [
                item.source
                for modality in self.modalities
                for item in (*modality.findings, *modality.recommendations)
            ]
            + [assessment.source for assessment in self.assessments],
            [
                name
                for modality in self.modalities
                if isinstance(modality, PhysicalTherapy)
                for name in modality.components
            ],
            [source.key for source in self.sources],
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self


def load(text: str) -> Catalog:
    return Catalog.model_validate_json(text)


def dump(catalog: Catalog) -> str:
    return catalog.model_dump_json()
