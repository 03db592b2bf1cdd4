"""Care plans: what the patient should do (an active core), and what may be added (adjuncts).

A ranked list answers "which option scores best"; :func:`plan` answers what the patient
should do, and what may be added for relief. Activity and exercise carry long-term care,
and passive treatments may be added for short-term relief, never as the whole plan (NICE
NG59 1.2.7: manual therapy "only as part of a treatment package including exercise"). A
:class:`CarePlan` has an active **core** (advice first where a guideline recommends it, the
best-ranked active option with its ties, and every active option a guideline in scope
recommends strongly with none against) and passive **adjuncts**, each labelled with what
its evidence shows it for and for how long. How sure a ranking is (:func:`stability`,
:func:`acceptability`) is :mod:`painmodalities.sensitivity`'s.

>>> care = plan("neck:chronic")
>>> care.core.modality.id
'physical_therapy.programme'
>>> [item.modality.id for item in care.adjuncts][:2]
['acupuncture', 'massage.deep_tissue']
>>> care.adjuncts[1].labels
('short-term relief, not a long-term solution',)
"""

from collections.abc import Sequence
from typing import Final

import attrs

from painmodalities import _rules as check
from painmodalities import _words
from painmodalities._builtin import default_catalog
from painmodalities._entries import longest, scored_benefits
from painmodalities.catalog import Catalog
from painmodalities.errors import Problem, invalid
from painmodalities.evidence import Assessment, PainType, Recommendation
from painmodalities.modalities import Modality
from painmodalities.ranking import (
    Entry,
    Exclusion,
    Patient,
    RankedOption,
    Ranking,
    UnrankedOption,
    precaution_checks,
    rank,
)
from painmodalities.scoring import Score, ScoringPolicy, Weights
from painmodalities.vocabulary import (
    AssessmentKind,
    Direction,
    Horizon,
    Outcome,
    RankedEnum,
    Strength,
)

__all__ = [
    "CarePlan",
    "PlanItem",
    "PlanRole",
    "TimelineStep",
    "check_plan",
    "plan",
]


# -- care plans ------------------------------------------------------------------------------


class PlanRole(RankedEnum):
    """What a member of a care plan is for."""

    SYMPTOM_RELIEF = "symptom_relief"
    """A passive option offered when no active option has scored evidence: relief only."""
    ADJUNCT = "adjunct"
    """A passive option that may be added beside the active core, for relief."""
    CORE = "core"
    """An active option that carries long-term care: one of the plan's equal core choices."""


@attrs.frozen(kw_only=True)
class PlanItem:
    """An option of the ranking, with what the plan says of it.

    Attributes:
        option: the option (its rank when it is ranked, modality, score, recommendations
            and the programme components it goes without). An option with no scored
            finding is a member only because a guideline in scope recommends it strongly
            (advice, weight management).
        role: core choice, adjunct beside the core, or symptom relief without a core.
        shows: the outcomes a scored finding shows it helping, function first.
        function_lasts: the longest horizon at which a scored finding shows a function
            benefit (``None``: none shown).
        pain_lasts: the same for pain.
        labels: what the plan says of it in words, such as
            ``short-term relief, not a long-term solution``.
        recommended_by: the strong in-scope recommendations for it that put it in the
            core (or, for a passive option, beside it for relief); empty when it is there
            by its score alone.
    """

    option: RankedOption | UnrankedOption = attrs.field(
        validator=check.instance_of((RankedOption, UnrankedOption), "an option")
    )
    role: PlanRole = attrs.field(validator=check.member_of(PlanRole))
    shows: tuple[Outcome, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(Outcome, "an outcome")
    )
    function_lasts: Horizon | None = attrs.field(validator=check.optional_member_of(Horizon))
    pain_lasts: Horizon | None = attrs.field(validator=check.optional_member_of(Horizon))
    labels: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str, "a label")
    )
    recommended_by: tuple[Recommendation, ...] = attrs.field(
        default=(),
        converter=check.as_tuple,
        validator=check.tuple_of(Recommendation, "a recommendation"),
    )

    @property
    def modality(self) -> Modality:
        """The option's modality."""
        return self.option.modality

    @property
    def score(self) -> Score:
        """The option's score."""
        return self.option.score

    @property
    def recommendations(self) -> tuple[Recommendation, ...]:
        """The guideline recommendations in scope for the pain type."""
        return self.option.recommendations

    @property
    def rank(self) -> int | None:
        """The option's rank in the ranking; ``None`` for an option with no scored finding."""
        return self.option.rank if isinstance(self.option, RankedOption) else None

    @property
    def short_term(self) -> bool:
        """Whether its scored benefit ends by the short horizon (under 6 months).

        False when no scored finding shows benefit: then nothing is said of how long.
        """
        lasts = [h for h in (self.function_lasts, self.pain_lasts) if h is not None]
        return bool(lasts) and max(lasts) <= Horizon.SHORT

    @property
    def why(self) -> str:
        """Why the plan holds it: the recommendations that put it there, or its score."""
        if self.recommended_by:
            said = "; ".join(
                _words.guidance(advice, self.modality.name) for advice in self.recommended_by
            )
            return f"recommended: {said}"
        if self.role is PlanRole.CORE:
            return "the best-scored active option"
        return ""

    @property
    def guidance(self) -> tuple[str, ...]:
        """Its other in-scope recommendations (not in :attr:`recommended_by`), in their words.

        A plan quotes every recommendation about each member: those that put it there in
        :attr:`why`, the rest here.
        """
        return tuple(
            _words.guidance(advice, self.modality.name)
            for advice in sorted(self.recommendations, key=_direction)
            if advice not in self.recommended_by
        )

    @property
    def guidance_note(self) -> str:
        """:attr:`guidance` as one phrase, empty when there is none.

        ``guidelines also say: NICE NG193 ...: consider acupuncture (weak)``.
        """
        if not self.guidance:
            return ""
        also = " also" if self.recommended_by else ""
        return f"guidelines{also} say: " + "; ".join(self.guidance)

    def explain(self) -> str:
        """One line: the option, why it is there, what it helps and for how long, labels.

        Then what else guidelines in scope say of it (:attr:`guidance`).
        """
        helps = (
            "; ".join(
                f"{outcome.value} benefit shown up to the {lasts.value} horizon"
                for outcome, lasts in (
                    (Outcome.FUNCTION, self.function_lasts),
                    (Outcome.PAIN, self.pain_lasts),
                )
                if lasts is not None
            )
            or "no scored finding of benefit"
        )
        labels = "".join(f" ({label})" for label in self.labels)
        without = "".join(f", {omission.explain()}" for omission in self.option.without)
        why = f" In the plan because: {self.why}." if self.why else ""
        said = self.guidance_note
        guidance = f" {said[0].upper()}{said[1:]}." if said else ""
        return (
            f"{self.modality.name} ({self.modality.id}){without}: {helps}{labels}.{why}{guidance}"
        )


@attrs.frozen(kw_only=True)
class TimelineStep:
    """Which plan members show scored benefit at one horizon.

    Attributes:
        horizon: the time after the course ends.
        function: ids of the members with a scored finding of function benefit there.
        pain: ids of the members with a scored finding of pain benefit there.
    """

    horizon: Horizon = attrs.field(validator=check.member_of(Horizon))
    function: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str, "a modality id")
    )
    pain: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str, "a modality id")
    )


@attrs.frozen(kw_only=True)
class CarePlan:
    """An active core with passive adjuncts, built from a ranking.

    Attributes:
        ranking: the ranking the plan is built from (its pain type, patient, weights and
            policy are the plan's).
        core_choices: advice and self-management first where a guideline in scope
            recommends it; the best-ranked active option that no in-scope guideline
            recommends against, with every such option tied with it; every active option an
            in-scope guideline recommends strongly and none recommends against, whatever
            its score (see :meth:`from_ranking`). Empty when there is none.
        adjuncts: passive options with a scored finding of benefit, or a strong in-scope
            recommendation, that no in-scope guideline recommends against, in ranking
            order: adjuncts beside the core, or symptom relief only when there is no core
            (and then never one a guideline allows only with exercise, nor massage).
        timeline: for each horizon, which members show scored benefit for function and
            for pain.
    """

    ranking: Ranking = attrs.field(validator=check.instance_of(Ranking, "a ranking"))
    core_choices: tuple[PlanItem, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(PlanItem, "a plan item")
    )
    adjuncts: tuple[PlanItem, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(PlanItem, "a plan item")
    )
    timeline: tuple[TimelineStep, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(TimelineStep, "a timeline step")
    )

    @classmethod
    def from_ranking(cls, ranking: Ranking) -> "CarePlan":
        """The plan for ``ranking``: the one rule that picks the core and the adjuncts.

        The core: advice and self-management first where a guideline in scope recommends
        it, then the best-scored active option with its ties, then every active option
        that an in-scope guideline recommends *for* strongly and none recommends against,
        whatever its score. Passive options are never core: those with scored benefit,
        and those an in-scope guideline recommends for strongly, may be added for relief
        with their recommendations beside them; massage only beside an active core, never
        as the whole plan (seed claim 12). An option a guideline in scope recommends
        against is never in the plan (a conflict is shown by :attr:`conflicts`).
        """
        if not isinstance(ranking, Ranking):
            raise invalid("$.ranking", "a Ranking", ranking, "type")
        pain_type = ranking.pain_type
        best = _best(ranking)
        core = sorted(
            (
                _item(option, PlanRole.CORE, pain_type, _strong_for(option))
                for option in ranking.available
                if option.modality.is_active
                and not _left_out_because(option, best, has_core=True, with_exercise=True)
            ),
            key=lambda item: item.modality.id != ADVICE,
        )
        with_exercise = any(item.modality.kind in _EXERCISE_LED for item in core)
        role = PlanRole.ADJUNCT if core else PlanRole.SYMPTOM_RELIEF
        adjuncts = tuple(
            _item(option, role, pain_type, _strong_for(option))
            for option in ranking.available
            if not option.modality.is_active
            and not _left_out_because(option, best, bool(core), with_exercise)
        )
        return cls(
            ranking=ranking,
            core_choices=tuple(core),
            adjuncts=adjuncts,
            timeline=_timeline((*core, *adjuncts), pain_type),
        )

    @property
    def conflicts(self) -> tuple[RankedOption | UnrankedOption, ...]:
        """Options the patient may have that guidelines in scope disagree about.

        One guideline recommends for, another against: the plan shows both, side by side,
        and keeps the option out (never resolved silently).
        """
        return tuple(
            option
            for option in self.ranking.available
            if _says(option, Direction.AGAINST) and _says(option, Direction.FOR)
        )

    @property
    def disagreements(self) -> tuple[str, ...]:
        """Each of :attr:`conflicts` in one line.

        The option, then every in-scope recommendation about it in the guideline's words,
        those against it first.
        """
        return tuple(
            f"{option.modality.name}: " + "; ".join(option.guidance) for option in self.conflicts
        )

    @property
    def left_out(self) -> tuple[str, ...]:
        """What guidelines in scope say about the options not in the plan, one line each.

        Every in-scope recommendation about an option the plan leaves out (other than a
        conflict, shown by :attr:`conflicts`), in the guideline's own words, after the
        options it is about and why they are not in the plan: ``Transcutaneous electrical
        nerve stimulation (TENS): not offered: NICE NG59 for low back pain: do not offer
        ...``. Options that share the same reason and the same words (massage techniques
        under a recommendation about massage in general) are one line.
        """
        best = _best(self.ranking)
        with_exercise = any(item.modality.kind in _EXERCISE_LED for item in self.core_choices)
        conflicts = {option.modality.id for option in self.conflicts}
        grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for entry in self.ranking.entries:
            modality = entry.modality
            why = _left_out_because(entry, best, bool(self.core_choices), with_exercise)
            if not why or modality.id in conflicts or not entry.recommendations:
                continue
            said = tuple(
                _words.guidance(advice, modality.name)
                for advice in sorted(entry.recommendations, key=_direction)
            )
            grouped.setdefault((why, said), []).append(modality.name)
        return tuple(
            f"{', '.join(names)}, {why}: {'; '.join(said)}"
            for (why, said), names in grouped.items()
        )

    @property
    def precautions_to_check(self) -> tuple[str, ...]:
        """The precautions to check before each member with some, with their source.

        A programme's precautions are its components' (the ranking's rule,
        :func:`~painmodalities.ranking.precaution_checks`): ``Before structural massage,
        check for: blood clot, ... (nccih-massage)``.
        """
        return precaution_checks(
            (item.option for item in self.members), self.ranking.catalog or default_catalog()
        )

    @property
    def unchecked(self) -> tuple[str, ...]:
        """What a plan made without the patient's precautions says, one line each.

        Empty when the patient's precautions are known
        (:attr:`~painmodalities.Patient.precautions_known`) or no member has any;
        otherwise that they were not checked, then :attr:`precautions_to_check` (the CDS
        Hooks service reads no precautions from the record, so its cards always say it).
        """
        return _words.unchecked(self.ranking.patient.precautions_known, self.precautions_to_check)

    @property
    def assessments(self) -> tuple[Assessment, ...]:
        """What the guidelines in scope ask a clinician to do first (never scored).

        Alternative diagnoses come first.
        """
        catalog = self.ranking.catalog or default_catalog()
        return tuple(
            sorted(
                catalog.assessments_for(self.pain_type),
                key=lambda found: found.kind is not AssessmentKind.ALTERNATIVE_DIAGNOSES,
            )
        )

    @property
    def pain_type(self) -> PainType:
        """The pain type planned for."""
        return self.ranking.pain_type

    @property
    def core(self) -> PlanItem | None:
        """The first core choice (advice where recommended), or ``None`` without a core."""
        return self.core_choices[0] if self.core_choices else None

    @property
    def members(self) -> tuple[PlanItem, ...]:
        """The core choices, then the adjuncts."""
        return (*self.core_choices, *self.adjuncts)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the plan says in words where a part of it is empty."""
        label = self.pain_type.label
        found: list[str] = []
        if not self.core_choices:
            found.append(_words.no_active_option(label))
        if not self.adjuncts:
            found.append(_words.no_adjunct(label))
        return tuple(found)

    @property
    def summary(self) -> str:
        """The plan in words; says so when it has no active core.

        :attr:`outline`, then what the first-ranked option's evidence shows (the ranking's
        own :attr:`~painmodalities.Ranking.lead`: "for long-term function" only where a
        function benefit is scored at the intermediate or long horizon).
        """
        if not self.ranking.options:
            return self.outline
        return f"{self.outline} {self.ranking.lead}."

    @property
    def outline(self) -> str:
        """What the plan holds, in one sentence; says so when it has no active core."""
        label = self.pain_type.label
        if not self.core_choices:
            relief = _names(self.adjuncts)
            tail = f" For symptom relief only: {relief}." if relief else ""
            return _words.no_active_option(label) + tail
        advice = [item for item in self.core_choices if item.modality.id == ADVICE]
        rest = [item for item in self.core_choices if item.modality.id != ADVICE]
        parts = [_words.ADVICE_FIRST] if advice else []
        if rest:
            parts.append(
                _words.in_sentence(rest[0].modality.name)
                if len(rest) == 1
                else "one or more of " + _names(rest, "or")
            )
        core = ", then ".join(parts)
        added = f", with {_names(self.adjuncts)} as optional relief" if self.adjuncts else ""
        return f"For {label}: {core} as the active core{added}."

    def explain(self) -> str:
        """The whole plan in plain language: core, adjuncts, timeline and notes."""
        lines = [f"Care plan for {self.pain_type.label}: {self.summary}"]
        lines += [
            f"Assess first: {_words.guideline(found.source)}: {found.note}."
            for found in self.assessments
        ]
        if self.core_choices:
            lines.append("Active core (it carries long-term care):")
            lines += [f"- {item.explain()}" for item in self.core_choices]
        if self.adjuncts:
            lines.append(
                "Adjuncts (may be added for relief):"
                if self.core_choices
                else "Symptom relief only (no active option has scored evidence):"
            )
            lines += [f"- {item.explain()}" for item in self.adjuncts]
        lines += self.unchecked
        if self.disagreements:
            lines.append(_words.CONFLICTS_TITLE)
            lines += [f"- {line}" for line in self.disagreements]
        if self.left_out:
            lines.append(_words.LEFT_OUT_TITLE)
            lines += [f"- {line}" for line in self.left_out]
        lines.append("Benefit shown over time (scored findings):")
        for step in self.timeline:
            shown = "; ".join(
                f"{outcome}: {', '.join(ids) or 'none'}"
                for outcome, ids in (("function", step.function), ("pain", step.pain))
            )
            lines.append(f"- {_words.HORIZON_SPANS[step.horizon]}: {shown}")
        lines += self.notes
        return "\n".join(lines)


def _names(items: Sequence[PlanItem], conjunction: str = "and") -> str:
    names = [_words.in_sentence(item.modality.name) for item in items]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


#: The id of advice and self-management, which leads every plan that recommends it.
ADVICE: Final = "self_management.advice"
#: The families whose core choice makes a package "with exercise" (NICE NG59 1.2.7).
_EXERCISE_LED: Final = frozenset({"exercise", "physical_therapy"})


def _says(option: Entry, direction: Direction) -> bool:
    return any(advice.direction is direction for advice in option.recommendations)


def _direction(advice: Recommendation) -> Direction:
    return advice.direction


def _left_out_because(
    entry: Entry, best: Score | None, has_core: bool, with_exercise: bool
) -> str:
    """Why the plan leaves ``entry`` out, in words; empty when it belongs in the plan.

    The one rule of :meth:`CarePlan.from_ranking`: ``best`` is the best score of an
    allowed active option, ``has_core`` and ``with_exercise`` say whether the core holds
    any choice and an exercise-led one (they matter to passive options only).
    """
    if _says(entry, Direction.AGAINST):
        return _words.NOT_OFFERED
    if isinstance(entry, Exclusion):
        return _words.ruled_out_for_patient(reason.detail for reason in entry.reasons)
    if entry.modality.is_active:
        return _active_left_out(entry, best)
    return _passive_left_out(entry, has_core, with_exercise)


def _active_left_out(entry: RankedOption | UnrankedOption, best: Score | None) -> str:
    """Why an active option is not a core choice; empty when it is one."""
    ranked = isinstance(entry, RankedOption)
    if (
        _strong_for(entry)
        or (ranked and best is not None and entry.score.value == best.value)
        or (entry.modality.id == ADVICE and _says(entry, Direction.FOR))
    ):
        return ""
    return _words.NOT_BEST_SCORED if ranked else _words.NOT_SCORED_ACTIVE


def _passive_left_out(
    entry: RankedOption | UnrankedOption, has_core: bool, with_exercise: bool
) -> str:
    """Why a passive option is not an adjunct (nor relief); empty when it is one."""
    if not isinstance(entry, RankedOption) and not _strong_for(entry):
        return _words.NOT_SCORED_PASSIVE
    if not with_exercise and _says(entry, Direction.ONLY_WITH_EXERCISE):
        return _words.ONLY_BESIDE_EXERCISE
    if not has_core and entry.modality.kind == "massage":
        return _words.ONLY_BESIDE_A_CORE
    return ""


def _best(ranking: Ranking) -> Score | None:
    """The best score of an active ranked option no guideline in scope recommends against."""
    return next(
        (
            option.score
            for option in ranking.options
            if option.modality.is_active and not _says(option, Direction.AGAINST)
        ),
        None,
    )


def _strong_for(option: Entry) -> tuple[Recommendation, ...]:
    """The in-scope strong recommendations for ``option`` (none when one is against it)."""
    if _says(option, Direction.AGAINST):
        return ()
    return tuple(
        advice
        for advice in option.recommendations
        if advice.direction is Direction.FOR and advice.strength is Strength.STRONG
    )


def _item(
    option: RankedOption | UnrankedOption,
    role: PlanRole,
    pain_type: PainType,
    recommended_by: tuple[Recommendation, ...] = (),
) -> PlanItem:
    found = scored_benefits(option, pain_type)
    function, pain = longest(found, Outcome.FUNCTION), longest(found, Outcome.PAIN)
    labels: list[str] = []
    if role is PlanRole.SYMPTOM_RELIEF:
        labels.append(_words.SYMPTOM_RELIEF)
    if role is not PlanRole.CORE and _says(option, Direction.ONLY_WITH_EXERCISE):
        labels.append(_words.WITH_EXERCISE)
    lasts = [horizon for horizon in (function, pain) if horizon is not None]
    if role is not PlanRole.CORE and lasts and max(lasts) <= Horizon.SHORT:
        labels.append(_words.SHORT_TERM)
    if option.modality.id == "lifestyle.weight_management":
        labels.append(_words.OVERWEIGHT)
    return PlanItem(
        option=option,
        role=role,
        shows=tuple(
            outcome
            for outcome, lasts_ in ((Outcome.FUNCTION, function), (Outcome.PAIN, pain))
            if lasts_ is not None
        ),
        function_lasts=function,
        pain_lasts=pain,
        labels=tuple(labels),
        recommended_by=recommended_by,
    )


def _timeline(members: tuple[PlanItem, ...], pain_type: PainType) -> tuple[TimelineStep, ...]:
    shown = [(item.modality.id, scored_benefits(item.option, pain_type)) for item in members]
    return tuple(
        TimelineStep(
            horizon=horizon,
            function=tuple(
                modality_id
                for modality_id, found in shown
                if any(f.horizon is horizon and f.outcome is Outcome.FUNCTION for f in found)
            ),
            pain=tuple(
                modality_id
                for modality_id, found in shown
                if any(f.horizon is horizon and f.outcome is Outcome.PAIN for f in found)
            ),
        )
        for horizon in Horizon
    )


def plan(
    pain_type: PainType | str,
    *,
    catalog: Catalog | None = None,
    patient: Patient | None = None,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
) -> CarePlan:
    """A care plan for ``pain_type``: an active core, and passive adjuncts for relief.

    The arguments are those of :func:`~painmodalities.rank`; the plan is
    :meth:`CarePlan.from_ranking` of that ranking.

    Raises:
        ValidationError: for a malformed pain type or argument.
        UnknownModalityError: when the patient names an id the catalog does not hold.
    """
    return CarePlan.from_ranking(
        rank(pain_type, catalog=catalog, patient=patient, weights=weights, policy=policy)
    )


def check_plan(care: CarePlan) -> list[Problem]:
    """Every way ``care`` differs from the plan the library builds from its ranking.

    Empty for every result of :func:`plan`; loading a care plan document reports these
    (its ranking is checked as every loaded ranking is).

    Raises:
        ValidationError: at ``$.care``, for an argument that is not a :class:`CarePlan`.
    """
    check.argument_of("care", care, CarePlan)
    expected = CarePlan.from_ranking(care.ranking)
    return [
        Problem(
            f"$.{name}",
            f"the {name.replace('_', ' ')} the library builds from the plan's ranking: "
            + (", ".join(_ids(getattr(expected, name))) or "none"),
            _ids(getattr(care, name)),
            "plan",
        )
        for name in ("core_choices", "adjuncts", "timeline")
        if getattr(care, name) != getattr(expected, name)
    ]


def _ids(parts: tuple[PlanItem | TimelineStep, ...]) -> list[str]:
    return [
        part.modality.id if isinstance(part, PlanItem) else part.horizon.value for part in parts
    ]
