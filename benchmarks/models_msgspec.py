"""The catalog document as msgspec Structs: frozen, unknown fields forbidden, tagged union."""

from typing import Annotated

import msgspec
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
from msgspec import Meta

Id = Annotated[str, Meta(pattern=ID_PATTERN)]
Key = Annotated[str, Meta(pattern=KEY_PATTERN)]
Name = Annotated[str, Meta(pattern=NON_BLANK)]
Decimal = Annotated[str, Meta(pattern=DECIMAL_PATTERN)]
Count = Annotated[int, Meta(ge=1, le=10_000_000)]


class Record(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Frozen, unknown keys refused (msgspec never coerces JSON types)."""


class Source(Record, kw_only=True):
    """The document shape of ``Source``."""

    key: Key
    title: Name
    year: Annotated[int, Meta(ge=1900, le=2100)] | None = None
    url: str = ""
    kind: str = ""
    publisher: str = ""
    read_confidence: str = ""


class PainType(Record, kw_only=True):
    """The document shape of ``PainType``."""

    condition: Condition
    phase: Phase


class Statistic(Record, kw_only=True):
    """The document shape of ``Statistic`` (its cross-field rules are not stated here)."""

    measure: Measure | None = None
    scale: str = ""
    estimate: Decimal | None = None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    studies: Count | None = None
    participants: Count | None = None
    locator: str = ""


class Finding(Record, kw_only=True):
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


class Recommendation(Record, kw_only=True):
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


class Assessment(Record, kw_only=True):
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


class Coding(Record, kw_only=True):
    """The document shape of ``Coding``."""

    system: Name
    code: Name
    display: str = ""


class Modality(Record, tag_field="kind", kw_only=True):
    """The document shape of ``Modality``."""

    id: Id
    name: Name
    activity: Activity
    summary: str = ""
    session_minutes: Annotated[int, Meta(ge=1, le=MAX_SESSION_MINUTES)] | None = None
    coverage: Coverage = "unknown"
    precautions: frozenset[Precaution] = frozenset()
    precautions_source: Key | None = None
    findings: tuple[Finding, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    codings: tuple[Coding, ...] = ()


class Massage(Modality, tag="massage", kw_only=True):
    """The document shape of ``Massage``."""

    technique: Technique
    mechanism_established: bool = False


class Exercise(Modality, tag="exercise", kw_only=True):
    """The document shape of ``Exercise``."""

    form: Form


class PhysicalTherapy(Modality, tag="physical_therapy", kw_only=True):
    """The document shape of ``PhysicalTherapy``."""

    components: Annotated[tuple[Id, ...], Meta(min_length=1)]


class Rehabilitation(Modality, tag="rehabilitation", kw_only=True):
    """The document shape of ``Rehabilitation``."""


class Psychological(Modality, tag="psychological", kw_only=True):
    """The document shape of ``Psychological``."""


class ManualTherapy(Modality, tag="manual_therapy", kw_only=True):
    """The document shape of ``ManualTherapy``."""


class Acupuncture(Modality, tag="acupuncture", kw_only=True):
    """The document shape of ``Acupuncture``."""


class PhysicalAgent(Modality, tag="physical_agent", kw_only=True):
    """The document shape of ``PhysicalAgent``."""


class SelfManagement(Modality, tag="self_management", kw_only=True):
    """The document shape of ``SelfManagement``."""


class Lifestyle(Modality, tag="lifestyle", kw_only=True):
    """The document shape of ``Lifestyle``."""


AnyModality = (
    Massage
    | Exercise
    | PhysicalTherapy
    | Rehabilitation
    | Psychological
    | ManualTherapy
    | Acupuncture
    | PhysicalAgent
    | SelfManagement
    | Lifestyle
)


class Catalog(Record, kw_only=True):
    """The document shape of ``Catalog``."""

    schema_version: Annotated[str, Meta(pattern=r"^2\.(0|[1-9][0-9]{0,3})$")]
    modalities: tuple[AnyModality, ...]
    sources: tuple[Source, ...] = ()
    assessments: tuple[Assessment, ...] = ()

    def __post_init__(self) -> None:
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


_DECODER = msgspec.json.Decoder(Catalog)
_ENCODER = msgspec.json.Encoder()


def load(text: str) -> Catalog:
    return _DECODER.decode(text)


def dump(catalog: Catalog) -> bytes:
    return _ENCODER.encode(catalog)
