"""Modalities: the pain-care options, each with its evidence, as one family per kind.

A :class:`Modality` is abstract; each family (:class:`Massage`, :class:`Exercise`,
:class:`PhysicalTherapy`, ...) adds what sets it apart and a ``kind`` tag that tells the
families apart in JSON. Every modality is immutable and validated at construction, and
indexes its findings by pain type once, when first asked, so that scoring never scans
them again.

>>> from painmodalities import default_catalog, PainType
>>> swedish = default_catalog()["massage.swedish"]
>>> swedish.activity, swedish.session_minutes, swedish.mechanism_established
(<Activity.PASSIVE: 'passive'>, 45, False)
>>> print(swedish.expected_benefit(PainType.parse("low_back:chronic")))
None
"""

import operator
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Final

import attrs

from painmodalities import _rules as check
from painmodalities._record import CachedRecord, Record
from painmodalities.errors import Problem, ValidationError
from painmodalities.evidence import Finding, PainType, Recommendation
from painmodalities.vocabulary import (
    Activity,
    Certainty,
    Comparator,
    Coverage,
    ExerciseForm,
    Horizon,
    MassageTechnique,
    Outcome,
    Precaution,
)

__all__ = [
    "FAMILIES",
    "Acupuncture",
    "Coding",
    "Exercise",
    "Lifestyle",
    "ManualTherapy",
    "Massage",
    "Modality",
    "PhysicalAgent",
    "PhysicalTherapy",
    "Psychological",
    "Rehabilitation",
    "SelfManagement",
]

#: What makes a finding unique within a modality (:attr:`Finding.key`), read at C speed:
#: the pain type as its condition and phase.
_key_of: Callable[[Finding], tuple[object, ...]] = operator.attrgetter(
    "pain_type.condition", "pain_type.phase", "outcome", "horizon", "source", "component"
)
_component_of: Callable[[Finding], str | None] = operator.attrgetter("component")
_OUTCOME: Final = check.member_of(Outcome)
_CERTAINTY: Final = check.member_of(Certainty)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Coding(Record):
    """A code for a modality in a terminology, such as a user's own billing code.

    Attributes:
        system: the code system's URI.
        code: the code.
        display: the code's human-readable meaning.
    """

    system: str = attrs.field(validator=check.text)
    code: str = attrs.field(validator=check.text)
    display: str = attrs.field(default="", validator=check.any_text)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Modality(CachedRecord):
    """A pain-care option with its evidence. Abstract: build one of the families.

    Attributes:
        id: stable dotted slug, such as ``massage.swedish``.
        name: display name.
        activity: active (the patient does the work) or passive (done to the patient).
        summary: why the modality is modelled as it is, from the dossier.
        session_minutes: typical length of one session, if known.
        coverage: an insurance hint, never a promise.
        precautions: patient circumstances under which it should not be given. An empty
            set means the evidence dossier records none, never that it is safe for everyone.
        precautions_source: the key of the catalog source the precautions come from, or
            ``None`` when none is recorded.
        findings: graded results against control groups, each citing its source.
        recommendations: what guideline bodies say about it (shown, not scored).
        codings: codes in other terminologies, for example a user's own billing codes.
    """

    kind: ClassVar[str] = ""
    #: The activity every modality of the family has, when the family fixes it, and why (a
    #: massage is done to the patient: marked active, it would rank on activity credit);
    #: ``None`` when it varies. The record and the JSON Schema both read it.
    fixed_activity: ClassVar[tuple[Activity, str] | None] = None

    id: str = attrs.field(validator=check.modality_id)
    name: str = attrs.field(validator=check.text)
    activity: Activity = attrs.field(
        converter=check.to_activity, validator=check.member_of(Activity)
    )
    summary: str = attrs.field(default="", validator=check.any_text)
    session_minutes: int | None = attrs.field(
        default=None, validator=check.optional_int_in(1, check.MAX_SESSION_MINUTES)
    )
    coverage: Coverage = attrs.field(
        default=Coverage.UNKNOWN, converter=check.to_coverage, validator=check.member_of(Coverage)
    )
    precautions: frozenset[Precaution] = attrs.field(
        default=frozenset(),
        converter=check.to_precautions,
        validator=check.frozenset_of(Precaution),
    )
    precautions_source: str | None = attrs.field(default=None, validator=check.optional_source_key)
    findings: tuple[Finding, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Finding, "a finding")
    )
    recommendations: tuple[Recommendation, ...] = attrs.field(
        default=(),
        converter=check.as_tuple,
        validator=check.tuple_of(Recommendation, "a recommendation"),
    )
    codings: tuple[Coding, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Coding, "a coding")
    )
    # Built on first use (by ranking), not at construction: loading a catalog stays cheap.
    _by_pain_type: Mapping[PainType, tuple[Finding, ...]] | None = attrs.field(
        init=False, default=None, eq=False, repr=False, hash=False
    )
    # The hash, kept once worked out (a modality hashes all its findings), as attrs'
    # cache_hash would keep it; equality and hashing are the records' shared methods, so
    # that the families do not compile them again (see painmodalities._record).
    _hash: int | None = attrs.field(init=False, default=None, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        family = type(self)
        if not family.kind:
            raise TypeError("Modality is abstract: build a family such as Massage or Exercise")
        if family.fixed_activity is not None and self.activity is not family.fixed_activity[0]:
            fixed, why = family.fixed_activity
            raise check.fail(
                "activity", f'"{fixed.value}" ({why})', self.activity.value, fixed.value
            )
        self._check_findings()

    def __reduce__(self) -> tuple[Any, ...]:
        return check.reduce_by_init_fields(self)

    def _allowed_components(self) -> tuple[frozenset[str | None], str]:
        """Which ``component`` values this family's findings may name, and the rule's words."""
        return frozenset({None}), "no component: only a composite modality carries them"

    def _check_findings(self) -> None:
        """Refuse a finding naming a component it may not, and two findings with one key.

        Both checks run at C speed over all findings; only a failing modality is walked to
        say which finding is wrong.
        """
        findings = self.findings
        allowed, expected = self._allowed_components()
        if not allowed.issuperset(map(_component_of, findings)):
            index, finding = next(
                (index, finding)
                for index, finding in enumerate(findings)
                if finding.component not in allowed
            )
            raise ValidationError(
                Problem(
                    f"$.findings[{index}].component",
                    expected,
                    finding.component,
                    "component_findings",
                )
            )
        if len(set(map(_key_of, findings))) != len(findings):
            seen: set[tuple[object, ...]] = set()
            for index, finding in enumerate(findings):
                key = _key_of(finding)
                if key in seen:
                    raise ValidationError(
                        Problem(
                            f"$.findings[{index}]",
                            "one finding per pain type, outcome, horizon, source and component",
                            str(finding.pain_type),
                            "duplicate_finding",
                        )
                    )
                seen.add(key)

    def _index(self) -> Mapping[PainType, tuple[Finding, ...]]:
        """The findings grouped by pain type, built on first use and kept."""
        index = self._by_pain_type
        if index is None:
            grouped: dict[PainType, list[Finding]] = {}
            for finding in self.findings:
                grouped.setdefault(finding.pain_type, []).append(finding)
            index = MappingProxyType({pain: tuple(found) for pain, found in grouped.items()})
            # Equal however many threads build it at once; a frozen record's private cache.
            object.__setattr__(self, "_by_pain_type", index)
        return index

    @property
    def is_active(self) -> bool:
        """Whether the patient does the work."""
        return self.activity is Activity.ACTIVE

    def findings_for(
        self, pain_type: PainType | str, outcome: Outcome | str | None = None
    ) -> tuple[Finding, ...]:
        """The findings for ``pain_type``, optionally only those measuring ``outcome``.

        A lookup of the data as written: a pain type's text reads as the pain type itself
        (a condition chronic by definition is not read as chronic here; ranking, scoring
        and plans apply that rule).

        Args:
            pain_type: a :class:`PainType` or its text ``"condition:phase"``.
            outcome: an :class:`Outcome` or its value (``"function"``), or ``None`` for all.

        Raises:
            ValidationError: for an argument that is none of these (never an empty answer).
        """
        if type(pain_type) is not PainType:
            # the data as written, for a pain type's text as for the pain type itself
            pain_type = PainType.coerce(pain_type, treated=False)
        found = self._index().get(pain_type, ())
        if outcome is None:
            return found
        wanted = _OUTCOME.coerce(outcome, "$.outcome")
        return tuple(finding for finding in found if finding.outcome is wanted)

    def recommendations_for(self, pain_type: PainType | str) -> tuple[Recommendation, ...]:
        """The guideline recommendations whose scope covers ``pain_type`` (or its text).

        Raises:
            ValidationError: for a ``pain_type`` that is neither a pain type nor its text.
        """
        found = PainType.coerce(pain_type)
        return tuple(rec for rec in self.recommendations if rec.applies_to(found))

    def expected_benefit(
        self,
        pain_type: PainType | str,
        outcome: Outcome | str = Outcome.FUNCTION,
        min_certainty: Certainty | str = Certainty.LOW,
        *,
        mixed: bool = False,
    ) -> Horizon | None:
        """How long the benefit is shown to last, as the longest horizon of benefit.

        That is the longest horizon of a finding for ``pain_type`` and ``outcome`` that
        shows benefit at ``min_certainty`` or above, against an inactive control (with
        ``mixed``, also findings whose comparison groups include active treatments: the
        default policy does not score those). Each argument takes its member or its text
        (``"low_back:chronic"``, ``"function"``, ``"low"``).
        ``None`` means no evidence of benefit at that certainty: the library does not guess.

        Raises:
            ValidationError: for an argument that is none of these; a misspelt one never
                reads as "no evidence".
        """
        found = PainType.coerce(pain_type)
        wanted = _OUTCOME.coerce(outcome, "$.outcome")
        floor = _CERTAINTY.coerce(min_certainty, "$.min_certainty")
        check.argument("mixed", mixed, check.boolean)
        horizons = [
            finding.horizon
            for finding in self.findings_for(found, wanted)
            if finding.shows_benefit
            and finding.certainty >= floor
            and (mixed or finding.comparator is Comparator.INACTIVE)
        ]
        return max(horizons, default=None)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Massage(Modality):
    """Massage: passive, hands-on manipulation of soft tissue by a therapist.

    Attributes:
        technique: which technique (Swedish, deep tissue, structural, targeted).
        mechanism_established: whether a mechanism or a measurable structural or hormonal
            change has been shown. The dossier says no for every technique.
    """

    kind: ClassVar[str] = "massage"
    fixed_activity: ClassVar[tuple[Activity, str] | None] = (
        Activity.PASSIVE,
        "a massage is done to the patient",
    )

    technique: MassageTechnique = attrs.field(
        converter=check.to_massage_technique, validator=check.member_of(MassageTechnique)
    )
    mechanism_established: bool = attrs.field(default=False, validator=check.boolean)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Exercise(Modality):
    """Exercise the patient does: strengthening and conditioning, yoga, tai chi.

    Attributes:
        form: the form of exercise.
    """

    kind: ClassVar[str] = "exercise"

    form: ExerciseForm = attrs.field(
        converter=check.to_exercise_form, validator=check.member_of(ExerciseForm)
    )


@attrs.frozen(repr=False, kw_only=True, eq=False)
class PhysicalTherapy(Modality):
    """A physical therapist's programme built from other catalog modalities.

    Its findings are exactly its components' findings, each naming the component it came
    from (never more): the catalog checks that they match.

    Attributes:
        components: ids of the catalog modalities the programme is made of.
    """

    kind: ClassVar[str] = "physical_therapy"

    components: tuple[str, ...] = attrs.field(
        converter=check.as_tuple, validator=check.distinct_ids(other_than="id")
    )

    def _allowed_components(self) -> tuple[frozenset[str | None], str]:
        return (
            frozenset(self.components),
            "one of the programme's components " + ", ".join(self.components),
        )


class Rehabilitation(Modality):
    """Multidisciplinary (biopsychosocial) rehabilitation."""

    kind: ClassVar[str] = "rehabilitation"
    __slots__ = ()


class Psychological(Modality):
    """Psychological therapies the patient practises: CBT, mindfulness."""

    kind: ClassVar[str] = "psychological"
    __slots__ = ()


class ManualTherapy(Modality):
    """Manual therapy other than massage, such as spinal manipulation."""

    kind: ClassVar[str] = "manual_therapy"
    __slots__ = ()


class Acupuncture(Modality):
    """Needling therapies."""

    kind: ClassVar[str] = "acupuncture"
    __slots__ = ()


class PhysicalAgent(Modality):
    """Physical agents applied to the patient: superficial heat, TENS."""

    kind: ClassVar[str] = "physical_agent"
    __slots__ = ()


class SelfManagement(Modality):
    """Advice, education and self-management, including encouragement to stay active.

    Guidelines put it first; the dossier holds no finding for it against an inactive
    control, so it is shown as guideline-recommended, never ranked by score.
    """

    kind: ClassVar[str] = "self_management"
    __slots__ = ()


class Lifestyle(Modality):
    """Lifestyle change the patient makes, such as weight management.

    Weight management is for people who are overweight or obese: never offer it as if it
    applied to everyone.
    """

    kind: ClassVar[str] = "lifestyle"
    __slots__ = ()


# The families above without fields of their own are plain subclasses: they share the
# record methods attrs made for Modality (each takes its class from the instance), so that
# importing the library does not generate and compile them five more times.

#: Every modality family, in the order the catalog lists kinds.
FAMILIES: tuple[type[Modality], ...] = (
    Massage,
    Exercise,
    PhysicalTherapy,
    Rehabilitation,
    Psychological,
    ManualTherapy,
    Acupuncture,
    PhysicalAgent,
    SelfManagement,
    Lifestyle,
)
