"""An option grid: the questions patients ask, answered for a few options side by side.

The Option Grid format of shared decision-making puts the options in columns and the
questions patients ask in rows. :func:`compare` fills every cell from the catalog only, and
each :class:`GridCell` keeps what it was read from (findings, recommendations, the modality's
attributes) and the sources it cites; where the dossier is silent the cell says
"no evidence", it never guesses.

The evidence is read as a ranking reads it (the same scoring policy and, for a patient, the
same exclusions), so a programme whose component the patient may not have is described
without that component's findings.

>>> grid = compare(["exercise.therapeutic", "massage.swedish"], "low_back:chronic")
>>> grid.cell("activity", "massage.swedish").text
'It is done to you (passive)'
>>> grid.cell("function", "exercise.therapeutic").text
'Yes: moderate effect (low certainty): MD -10.2 (95% CI -17.5 to -2.9) on 0-100'
>>> grid.cell("function", "massage.swedish").text
'Not scored (below low certainty)'
>>> compare(["physical_agent.heat"], "neck:acute").cell("function", "physical_agent.heat").text
'No evidence'
"""

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Final

import attrs

from painmodalities import _rules as check
from painmodalities import _words
from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog
from painmodalities.errors import invalid
from painmodalities.evidence import Finding, PainType, Recommendation
from painmodalities.modalities import Modality
from painmodalities.ranking import Exclusion, Patient, Ranking, rank
from painmodalities.scoring import Score, ScoringPolicy, score, strength
from painmodalities.vocabulary import Activity, Coverage, Direction, Horizon, Outcome

__all__ = ["GRID_QUESTIONS", "GridCell", "GridRow", "OptionGrid", "compare"]

#: The grid's rows: a stable key and the question as a patient asks it, in order.
GRID_QUESTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "function": "Does it help me do more (function)?",
        "pain": "Does it ease pain?",
        "lasts": "How long is the benefit shown to last?",
        "certainty": "How sure is the evidence?",
        "activity": "Do I do it, or is it done to me?",
        "session": "How long is a session?",
        "coverage": "Is it likely covered?",
        "guidelines": "What do guidelines say?",
        "rules_out": "Does anything rule it out for me?",
    }
)

#: What a cell says where the dossier holds nothing for the question.
NO_EVIDENCE: Final = "No evidence"


@attrs.frozen(kw_only=True)
class GridCell:
    """One answer: its text and what it was read from.

    Attributes:
        text: the answer in plain words.
        findings: the catalog findings the answer rests on.
        recommendations: the guideline recommendations it quotes.
        attributes: the names of the modality's attributes it reads (``activity``,
            ``findings`` when it says there are none for the pain type, ...).
        sources: the keys of the sources it cites, in order, each once.
    """

    text: str = attrs.field(validator=check.text)
    findings: tuple[Finding, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Finding, "a finding")
    )
    recommendations: tuple[Recommendation, ...] = attrs.field(
        default=(),
        converter=check.as_tuple,
        validator=check.tuple_of(Recommendation, "a recommendation"),
    )
    attributes: tuple[str, ...] = attrs.field(default=(), converter=check.as_tuple)
    sources: tuple[str, ...] = attrs.field(default=(), converter=check.as_tuple)


@attrs.frozen(kw_only=True)
class GridRow:
    """One question and its answer for each option, in the grid's column order.

    Attributes:
        key: the question's key in :data:`GRID_QUESTIONS`.
        question: the question in words.
        cells: one answer per option.
    """

    key: str
    question: str
    cells: tuple[GridCell, ...]


@attrs.frozen(kw_only=True)
class OptionGrid:
    """Options side by side, one row per question patients ask.

    Attributes:
        pain_type: the pain type the evidence is read for.
        modalities: the options compared, in the order asked for (the columns).
        rows: one per question of :data:`GRID_QUESTIONS`, in that order.
        patient: the patient's constraints, if given.
    """

    pain_type: PainType
    modalities: tuple[Modality, ...]
    rows: tuple[GridRow, ...]
    patient: Patient | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids of the options compared, in column order."""
        return tuple(modality.id for modality in self.modalities)

    def row(self, key: str) -> GridRow:
        """The row answering the question ``key`` (see :data:`GRID_QUESTIONS`).

        Raises:
            ValidationError: for a key that is not a question of the grid.
        """
        for found in self.rows:
            if found.key == key:
                return found
        raise invalid("$.key", f"one of {check.choices(GRID_QUESTIONS)}", key, "choice")

    def cell(self, key: str, modality_id: str) -> GridCell:
        """The answer to question ``key`` for the option ``modality_id``.

        Raises:
            ValidationError: for an unknown question or an id the grid does not compare.
        """
        if modality_id not in self.ids:
            raise invalid("$.modality_id", f"one of {check.choices(self.ids)}", modality_id)
        return self.row(key).cells[self.ids.index(modality_id)]

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source key the grid cites, in the order first cited."""
        return _unique(key for row in self.rows for cell in row.cells for key in cell.sources)

    def to_markdown(self) -> str:
        """The grid as a Markdown table, each cell followed by its sources in brackets."""
        header = ["Question", *(modality.name for modality in self.modalities)]
        lines = [_markdown_row(header), _markdown_row(["---"] * len(header))]
        for row in self.rows:
            cells = [_cited(cell) for cell in row.cells]
            lines.append(_markdown_row([f"**{row.question}**", *cells]))
        return "\n".join(lines)


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _cited(cell: GridCell) -> str:
    """The cell's text and, in brackets, the sources it does not already name."""
    missing = [key for key in cell.sources if key not in cell.text]
    return cell.text + (f" [{', '.join(missing)}]" if missing else "")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


def _cell(
    text: str,
    *,
    findings: Sequence[Finding] = (),
    recommendations: Sequence[Recommendation] = (),
    attributes: Sequence[str] = (),
    extra_sources: Sequence[str] = (),
) -> GridCell:
    sources = _unique(
        [finding.source for finding in findings]
        + [advice.source for advice in recommendations]
        + list(extra_sources)
    )
    return GridCell(
        text=text,
        findings=tuple(findings),
        recommendations=tuple(recommendations),
        attributes=tuple(attributes),
        sources=sources,
    )


@attrs.frozen(kw_only=True)
class _Evidence:
    """What the grid reads of one option: its findings for the pain type and its verdict."""

    modality: Modality
    findings: tuple[Finding, ...]
    """The findings for the pain type, less those of components the patient may not have."""
    policy: ScoringPolicy
    recommendations: tuple[Recommendation, ...]
    exclusion: Exclusion | None
    without: tuple[str, ...]
    """The omissions, in words (``without structural massage (precaution: blood clot)``)."""

    def scored(self, outcome: Outcome) -> list[Finding]:
        return [f for f in self.findings if f.outcome is outcome and self.policy.counts(f)]

    def benefit(self, outcome: Outcome) -> list[Finding]:
        return [finding for finding in self.scored(outcome) if finding.shows_benefit]

    def unscored(self) -> list[Finding]:
        return [finding for finding in self.findings if not self.policy.counts(finding)]


def _reasons(evidence: _Evidence, findings: Sequence[Finding]) -> str:
    whys = _unique(evidence.policy.why_unscored(finding) or "" for finding in findings)
    return " and ".join(why for why in whys if why)


def _effect_cell(evidence: _Evidence, outcome: Outcome) -> GridCell:
    benefit = evidence.benefit(outcome)
    if benefit:
        best = max(strength(finding) for finding in benefit)
        top = [finding for finding in benefit if strength(finding) == best]
        figures = "; ".join(
            _unique(_words.figures(finding.statistic) for finding in top if finding.statistic)
        )
        return _cell(
            f"Yes: {_words.effect_size(top[0].effect)} effect "
            f"({_words.word(top[0].certainty)} certainty)" + (f": {figures}" if figures else ""),
            findings=top,
        )
    scored = evidence.scored(outcome)
    if scored:
        return _cell("No benefit shown", findings=scored)
    shown = [finding for finding in evidence.findings if finding.outcome is outcome]
    if shown:
        return _cell(f"Not scored ({_reasons(evidence, shown)})", findings=shown)
    return _cell(NO_EVIDENCE, attributes=("findings",))


def _longest(findings: list[Finding]) -> tuple[Horizon, list[Finding]] | None:
    if not findings:
        return None
    longest = max(finding.horizon for finding in findings)
    return longest, [finding for finding in findings if finding.horizon is longest]


def _lasts_cell(evidence: _Evidence) -> GridCell:
    parts: list[str] = []
    cited: list[Finding] = []
    for outcome in (Outcome.FUNCTION, Outcome.PAIN):
        found = _longest(evidence.benefit(outcome))
        if found is not None:
            horizon, findings = found
            parts.append(f"{outcome.value}: {_words.HORIZON_SPANS[horizon]}")
            cited += findings
    if parts:
        return _cell("; ".join(parts), findings=cited)
    if evidence.findings:
        floor = _words.word(evidence.policy.min_certainty)
        return _cell(f"No benefit shown at {floor} certainty or above", findings=evidence.findings)
    return _cell(NO_EVIDENCE, attributes=("findings",))


def _certainty_cell(evidence: _Evidence) -> GridCell:
    benefit = evidence.benefit(Outcome.FUNCTION) + evidence.benefit(Outcome.PAIN)
    unscored = evidence.unscored()
    tail = ""
    if unscored:
        count = len(unscored)
        tail = (
            f"; {count} finding{'s' if count != 1 else ''} not scored "
            f"({_reasons(evidence, unscored)})"
        )
    if benefit:
        best = max(finding.certainty for finding in benefit)
        top = [finding for finding in benefit if finding.certainty is best]
        return _cell(
            f"{_sentence(_words.word(best))} (the best finding of benefit){tail}",
            findings=top + unscored,
        )
    if evidence.findings:
        return _cell(f"No scored finding shows benefit{tail}", findings=evidence.findings)
    return _cell(NO_EVIDENCE, attributes=("findings",))


def _activity_cell(modality: Modality) -> GridCell:
    text = (
        "You do it (active)"
        if modality.activity is Activity.ACTIVE
        else "It is done to you (passive)"
    )
    return _cell(text, attributes=("activity",))


def _session_cell(modality: Modality) -> GridCell:
    minutes = modality.session_minutes
    text = (
        "Not recorded in the evidence dossier" if minutes is None else f"About {minutes} minutes"
    )
    return _cell(text, attributes=("session_minutes",))


_COVERAGE_WORDS: Final = MappingProxyType(
    {
        Coverage.LIKELY: "Likely",
        Coverage.SOMETIMES: "Sometimes",
        Coverage.RARELY: "Rarely",
        Coverage.UNKNOWN: "Unknown",
    }
)


def _coverage_cell(modality: Modality) -> GridCell:
    return _cell(
        f"{_COVERAGE_WORDS[modality.coverage]} (a hint, never a promise)",
        attributes=("coverage",),
    )


def _guidelines_cell(evidence: _Evidence) -> GridCell:
    advice = sorted(evidence.recommendations, key=_direction)
    if not advice:
        return _cell(
            "No guideline recommendation in the evidence dossier",
            attributes=("recommendations",),
        )
    text = "; ".join(_words.guidance(item, evidence.modality.name) for item in advice)
    return _cell(_sentence(text), recommendations=advice)


def _direction(advice: Recommendation) -> Direction:
    return advice.direction


def _rules_out_cell(evidence: _Evidence, patient: Patient | None) -> GridCell:
    modality = evidence.modality
    source = () if modality.precautions_source is None else (modality.precautions_source,)
    precautions = f"precautions: {_words.precautions_text(modality)}"
    attributes = ("precautions", "precautions_source")
    if patient is None:
        return _cell(_sentence(precautions), attributes=attributes, extra_sources=source)
    if evidence.exclusion is not None:
        why = "; ".join(reason.detail for reason in evidence.exclusion.reasons)
        return _cell(f"Yes: {why}", attributes=attributes, extra_sources=source)
    if evidence.without:
        return _cell(
            f"Only in part: {'; '.join(evidence.without)}",
            attributes=(*attributes, "components"),
            extra_sources=source,
        )
    return _cell(f"No ({precautions})", attributes=attributes, extra_sources=source)


def _evidence(modality: Modality, ranking: Ranking) -> _Evidence:
    """Read one option as ``ranking`` does: its entry's score, guidance and omissions."""
    pain_type, policy = ranking.pain_type, ranking.policy
    entry = ranking.entry(modality.id)
    without = getattr(entry, "without", ())
    gone = {omission.component for omission in without}
    result: Score | None = getattr(entry, "score", None)
    if result is None:  # excluded: describe its evidence as it stands, and say why it is out
        result = score(modality, pain_type, policy=policy)
    findings = tuple(f for f in modality.findings_for(pain_type) if f.component not in gone)
    return _Evidence(
        modality=modality,
        findings=findings,
        policy=result.policy,
        recommendations=entry.recommendations,
        exclusion=entry if isinstance(entry, Exclusion) else None,
        without=tuple(omission.explain() for omission in without),
    )


def _ids(ids: object) -> tuple[str, ...]:
    if isinstance(ids, str) or not isinstance(ids, Sequence):
        raise invalid("$.ids", "a sequence of modality ids", ids, "type")
    found = tuple(ids)
    if not found:
        raise invalid("$.ids", "one or more modality ids", found, "min_size")
    for index, modality_id in enumerate(found):
        if not isinstance(modality_id, str):
            raise invalid(f"$.ids[{index}]", "a modality id", modality_id, "type")
        if modality_id in found[:index]:
            raise invalid(f"$.ids[{index}]", "each id once", modality_id, "unique")
    return found


def compare(
    ids: Sequence[str],
    pain_type: PainType | str,
    *,
    patient: Patient | None = None,
    catalog: Catalog | None = None,
    policy: ScoringPolicy | None = None,
) -> OptionGrid:
    """An option grid comparing the modalities ``ids`` for ``pain_type``.

    Args:
        ids: the modality ids to compare, in column order, each once.
        pain_type: the condition and phase, or ``"condition:phase"``.
        patient: the patient's constraints: the last row then says what rules an option
            out for them, and a programme is read without a component they may not have.
        catalog: where the modalities come from; the built-in catalog if ``None``.
        policy: which findings count as scored evidence; the default policy if ``None``.

    Raises:
        ValidationError: for an empty or repeated id list, or a malformed argument.
        UnknownModalityError: for an id the catalog does not hold.
    """
    chosen = _ids(ids)
    found_catalog = default_catalog() if catalog is None else catalog
    ranking = rank(pain_type, catalog=found_catalog, patient=patient, policy=policy)
    modalities = tuple(found_catalog[modality_id] for modality_id in chosen)
    read = [_evidence(modality, ranking) for modality in modalities]
    answers = {
        "function": [_effect_cell(item, Outcome.FUNCTION) for item in read],
        "pain": [_effect_cell(item, Outcome.PAIN) for item in read],
        "lasts": [_lasts_cell(item) for item in read],
        "certainty": [_certainty_cell(item) for item in read],
        "activity": [_activity_cell(m) for m in modalities],
        "session": [_session_cell(m) for m in modalities],
        "coverage": [_coverage_cell(m) for m in modalities],
        "guidelines": [_guidelines_cell(item) for item in read],
        "rules_out": [_rules_out_cell(item, patient) for item in read],
    }
    rows = tuple(
        GridRow(key=key, question=question, cells=tuple(answers[key]))
        for key, question in GRID_QUESTIONS.items()
    )
    return OptionGrid(
        pain_type=ranking.pain_type, modalities=modalities, rows=rows, patient=patient
    )
