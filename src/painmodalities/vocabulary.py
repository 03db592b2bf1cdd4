"""The controlled vocabulary of pain care: ordered enums with the dossier's string values.

Every enum here is *ordered by rank*: members compare with ``<`` in the order they are
declared, never by their string value. For graded scales (phase, horizon, effect,
certainty) the rank is the clinical order; for nominal lists (conditions, precautions,
techniques) it is a stable presentation order, so that sorted output never depends on
spelling.

>>> Certainty.LOW < Certainty.MODERATE
True
>>> Phase.from_weeks(6)
<Phase.SUBACUTE: 'subacute'>
"""

import enum
import math
from fractions import Fraction
from numbers import Real
from typing import Any, Final

from painmodalities.errors import InvalidDurationError, invalid

__all__ = [
    "CHRONIC_BY_DEFINITION",
    "Activity",
    "AssessmentKind",
    "Certainty",
    "Comparator",
    "Condition",
    "Coverage",
    "Criterion",
    "Direction",
    "Effect",
    "ExerciseForm",
    "Horizon",
    "MassageTechnique",
    "Measure",
    "Outcome",
    "Phase",
    "Precaution",
    "RankedEnum",
    "Strength",
]


class RankedEnum(enum.Enum):
    """An enum whose members compare by declaration order (their *rank*), not by value.

    Each member gets its rank when its class is created, wherever the class is declared.
    """

    _value_: str
    _rank: int

    def __init__(self, *_value: object) -> None:
        # Members are created in declaration order, each before it joins _member_names_.
        self._rank = len(type(self)._member_names_)

    @property
    def rank(self) -> int:
        """The member's position in declaration order, starting at 0."""
        return self._rank

    # Members are singletons compared by identity, so identity hashing is consistent with
    # equality and avoids Enum's Python-level hash of the member name.
    __hash__ = object.__hash__

    def __lt__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._rank < other._rank

    def __le__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._rank <= other._rank

    def __gt__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._rank > other._rank

    def __ge__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._rank >= other._rank


class Activity(RankedEnum):
    """Who does the work: the patient (active) or a practitioner or device (passive)."""

    PASSIVE = "passive"
    """Done to the patient while they lie still: massage, manipulation, heat, TENS."""
    ACTIVE = "active"
    """The patient does the work: exercise, a PT programme, yoga, CBT."""


class Condition(RankedEnum):
    """The pain conditions the dossier has evidence for."""

    LOW_BACK = "low_back"
    NECK = "neck"
    KNEE_OSTEOARTHRITIS = "knee_osteoarthritis"
    HIP_OSTEOARTHRITIS = "hip_osteoarthritis"
    FIBROMYALGIA = "fibromyalgia"
    TENSION_HEADACHE = "tension_headache"


#: Conditions read as chronic whatever phase or onset is given (the evidence dossier,
#: "Conditions that are chronic by definition"): knee and hip osteoarthritis and
#: fibromyalgia are chronic conditions, the evidence covers only their chronic phase, and a
#: recent onset usually means a recent diagnosis, not a new pain.
CHRONIC_BY_DEFINITION: Final[frozenset[Condition]] = frozenset(
    {Condition.KNEE_OSTEOARTHRITIS, Condition.HIP_OSTEOARTHRITIS, Condition.FIBROMYALGIA}
)

#: Upper bounds, in weeks, of the acute and subacute bands (ACP 2017).
ACUTE_WEEKS = 4
SUBACUTE_WEEKS = 12


class Phase(RankedEnum):
    """How long the pain has lasted: the ACP 2017 bands."""

    ACUTE = "acute"
    """Less than 4 weeks."""
    SUBACUTE = "subacute"
    """4 to 12 weeks."""
    CHRONIC = "chronic"
    """More than 12 weeks."""

    @classmethod
    def from_weeks(cls, weeks: float | Fraction) -> "Phase":
        """Map a pain duration in weeks to its phase.

        Args:
            weeks: how long the pain has lasted; finite and not negative (an ``int``,
                ``float``, ``Fraction`` or other real number a float can hold).

        Raises:
            InvalidDurationError: for a negative, non-finite or non-numeric duration, or a
                number too large for a float (``10**400``), never ``OverflowError``.

        >>> Phase.from_weeks(3.5), Phase.from_weeks(12), Phase.from_weeks(13)
        (<Phase.ACUTE: 'acute'>, <Phase.SUBACUTE: 'subacute'>, <Phase.CHRONIC: 'chronic'>)
        """
        given: object = weeks
        if isinstance(given, bool) or not isinstance(given, Real):
            raise invalid("$", "a number of weeks", given, "duration", error=InvalidDurationError)
        try:
            finite = math.isfinite(given)  # exact ints and Fractions convert to float here
        except OverflowError:
            raise invalid(
                "$",
                "a finite, non-negative number of weeks a float can hold",
                given,
                "duration",
                error=InvalidDurationError,
            ) from None
        if not finite or given < 0:
            raise invalid(
                "$",
                "a finite, non-negative number of weeks",
                given,
                "duration",
                error=InvalidDurationError,
            )
        if given < ACUTE_WEEKS:
            return cls.ACUTE
        if given <= SUBACUTE_WEEKS:
            return cls.SUBACUTE
        return cls.CHRONIC


class Outcome(RankedEnum):
    """What a finding measured. Function is the goal of pain care; pain is secondary."""

    PAIN = "pain"
    FUNCTION = "function"


class Horizon(RankedEnum):
    """Time after the course ends at which an effect was measured (AHRQ bands)."""

    IMMEDIATE = "immediate"
    """End of the course, up to 1 month."""
    SHORT = "short"
    """1 to under 6 months."""
    INTERMEDIATE = "intermediate"
    """6 to under 12 months."""
    LONG = "long"
    """12 months or more."""


class Effect(RankedEnum):
    """Size of an effect against an inactive control."""

    NONE = "none"
    """No statistically significant effect."""
    SMALL = "small"
    MODERATE = "moderate"
    LARGE = "large"


class Certainty(RankedEnum):
    """GRADE certainty of a finding, plus AHRQ's "insufficient"."""

    INSUFFICIENT = "insufficient"
    """Evidence exists but allows no conclusion."""
    VERY_LOW = "very_low"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Comparator(RankedEnum):
    """What a finding's modality was compared with.

    Only inactive-controlled findings isolate the modality's own effect, so only they are
    scored by default (:class:`~painmodalities.ScoringPolicy` may add ``mixed``).
    """

    INACTIVE = "inactive"
    """Usual care, placebo, sham, attention control, waitlist or no treatment."""
    MIXED = "mixed"
    """The pooled comparison groups include active treatments as well as inactive ones."""


class Precaution(RankedEnum):
    """A patient circumstance under which a modality should not be given."""

    BLOOD_CLOT = "blood_clot"
    BLEEDING_RISK = "bleeding_risk"
    FRACTURE = "fracture"
    WEAKENED_BONES = "weakened_bones"
    OPEN_WOUND = "open_wound"
    SKIN_INFECTION = "skin_infection"
    RECENT_SURGERY = "recent_surgery"


class Coverage(RankedEnum):
    """An insurance hint, never a promise: how often plans pay for a modality."""

    UNKNOWN = "unknown"
    RARELY = "rarely"
    SOMETIMES = "sometimes"
    LIKELY = "likely"


class MassageTechnique(RankedEnum):
    """Massage techniques named by the founding article."""

    SWEDISH = "swedish"
    DEEP_TISSUE = "deep_tissue"
    STRUCTURAL = "structural"
    TARGETED = "targeted"
    """Specific targeted techniques such as myofascial release and trigger point."""


class ExerciseForm(RankedEnum):
    """Forms of exercise in the catalog."""

    STRENGTHENING_AND_CONDITIONING = "strengthening_and_conditioning"
    YOGA = "yoga"
    TAI_CHI = "tai_chi"


class Direction(RankedEnum):
    """What a guideline recommends about a modality."""

    AGAINST = "against"
    ONLY_WITH_EXERCISE = "only_with_exercise"
    """Only as part of a package that includes exercise (NICE NG59 1.2.7)."""
    FOR = "for"


class Strength(RankedEnum):
    """The strength of a guideline recommendation."""

    WEAK = "weak"
    STRONG = "strong"


class Measure(RankedEnum):
    """What kind of number a finding's effect estimate is (:class:`~painmodalities.Statistic`)."""

    SMD = "smd"
    """Standardised mean difference."""
    MD = "md"
    """Mean difference, on the scale the statistic names."""
    OTHER = "other"
    """Another measure, which the statistic's scale describes."""


class AssessmentKind(RankedEnum):
    """What a guideline asks a clinician to do before choosing a treatment."""

    ALTERNATIVE_DIAGNOSES = "alternative_diagnoses"
    """Think about alternative diagnoses and exclude specific causes."""
    RISK_STRATIFICATION = "risk_stratification"
    """Stratify the risk of a poor outcome to inform shared decisions."""
    IMAGING = "imaging"
    """When imaging is, or is not, called for."""
    NATURAL_COURSE = "natural_course"
    """What the patient can expect without treatment."""


class Criterion(RankedEnum):
    """What a score is made of, in order of importance to long-term function."""

    FUNCTION = "function"
    """Best effect x certainty among function findings."""
    DURABILITY = "durability"
    """How long a function benefit is shown to last."""
    ACTIVITY = "activity"
    """Whether the patient does the work."""
    PAIN = "pain"
    """Best effect x certainty among pain findings (secondary)."""
