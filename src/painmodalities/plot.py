"""Teaching pictures: benefit over time, the evidence map, and a ranking.

Needs matplotlib (the ``plot`` extra: ``pip install 'painmodalities[plot]'``), imported only
when a picture is drawn, with the non-interactive Agg canvas (no display needed). The file
format follows the suffix (``.png`` or ``.svg``); SVG text stays text, so that a picture is
searchable and accessible, and the output is reproducible (no dates, fixed ids).

- :func:`plot_timeline`: for one pain type, every finding of every modality at its horizon
  (immediate, short, intermediate, long), function and pain apart: the picture of why active
  care lasts. Dot size is the effect, opacity the certainty; active modalities are blue,
  passive ones vermillion; findings the policy does not score are hollow and faded.
- :func:`plot_map`: modalities by pain types, each cell the best scored effect and its
  certainty, with the guideline recommendations in scope; an empty cell says
  "no evidence".
- :func:`plot_ranking`: a ranking's options as stacked bars of their weighted criteria,
  active and passive told apart, shared ranks as ``=1``, the unranked options below them,
  and the weights in the caption.

Each finding's mark in the timeline is its own SVG group with an id ``finding-N``, so that
tests (and screen readers) can find it.
"""

import os
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, Final

from painmodalities import _words
from painmodalities._builtin import default_catalog
from painmodalities._rules import ArgumentProblem, argument_of
from painmodalities.catalog import Catalog
from painmodalities.errors import MissingExtraError, ValidationError, invalid
from painmodalities.evidence import Finding, PainType
from painmodalities.modalities import Modality
from painmodalities.ranking import Ranking
from painmodalities.scoring import ScoringPolicy, strength
from painmodalities.vocabulary import Certainty, Criterion, Direction, Effect, Horizon, Outcome

__all__ = ["MissingExtraError", "plot_map", "plot_ranking", "plot_timeline"]

# Colour-blind-safe Okabe-Ito colours.
#: Active modalities (the patient does the work) and passive ones (done to the patient).
ACTIVE_COLOUR: Final = "#0072B2"
PASSIVE_COLOUR: Final = "#D55E00"
_COLOURS: Final = MappingProxyType(
    {
        Criterion.FUNCTION: "#0072B2",
        Criterion.DURABILITY: "#56B4E9",
        Criterion.ACTIVITY: "#009E73",
        Criterion.PAIN: "#E69F00",
    }
)
#: Marker area (points squared) per effect size: the larger the effect, the larger the dot.
_SIZES: Final = MappingProxyType(
    {Effect.NONE: 40.0, Effect.SMALL: 70.0, Effect.MODERATE: 150.0, Effect.LARGE: 260.0}
)
#: Opacity per certainty: the surer the evidence, the more solid the dot.
_OPACITY: Final = MappingProxyType(
    {
        Certainty.INSUFFICIENT: 0.15,
        Certainty.VERY_LOW: 0.3,
        Certainty.LOW: 0.55,
        Certainty.MODERATE: 0.8,
        Certainty.HIGH: 1.0,
    }
)
#: The map's cell colour per best effect (light to dark blue-green).
_EFFECT_FILL: Final = MappingProxyType(
    {
        Effect.NONE: "#eeeeee",
        Effect.SMALL: "#c7e9c0",
        Effect.MODERATE: "#74c476",
        Effect.LARGE: "#238b45",
    }
)
_WRAP: Final = 110
_HORIZON_LABELS: Final = MappingProxyType(
    {
        Horizon.IMMEDIATE: "immediate\nup to 1 mo",
        Horizon.SHORT: "short\n1-6 mo",
        Horizon.INTERMEDIATE: "intermediate\n6-12 mo",
        Horizon.LONG: "long\n12+ mo",
    }
)


def _matplotlib() -> tuple[Any, Any, Any]:
    try:
        from matplotlib import rc_context  # noqa: PLC0415 (only when plotting)
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError:
        raise MissingExtraError.for_extra("plot", "plotting") from None
    return Figure, FigureCanvasAgg, rc_context


def _metadata(path: str) -> dict[str, Any]:
    # Fixed metadata keeps the output reproducible: no creation date, no software version.
    if path.lower().endswith(".svg"):
        return {"Date": None, "Creator": None}
    return {"Software": None}


def _suffix(path: str | os.PathLike[str]) -> str:
    if not isinstance(path, str | os.PathLike) or not isinstance(os.fspath(path), str):
        raise ValidationError(
            ArgumentProblem("$.path", "a file name ending in .png or .svg", path, "type")
        )
    text = os.fspath(path)
    if not text.lower().endswith((".png", ".svg")):
        raise invalid("$.path", "a file name ending in .png or .svg", text, "suffix")
    return text


def _catalog_and_policy(
    catalog: Catalog | None, policy: ScoringPolicy | None
) -> tuple[Catalog, ScoringPolicy]:
    """The catalog and policy to draw with (the defaults for ``None``), checked."""
    return (
        default_catalog() if catalog is None else argument_of("catalog", catalog, Catalog),
        ScoringPolicy() if policy is None else argument_of("policy", policy, ScoringPolicy),
    )


def _pain_types(pain_types: object) -> list[PainType]:
    """The map's columns: a list or tuple of pain types (or ``"condition:phase"`` text)."""
    if not isinstance(pain_types, list | tuple):
        raise ValidationError(
            ArgumentProblem("$.pain_types", "a list or tuple of pain types", pain_types, "type")
        )
    columns = []
    for index, item in enumerate(pain_types):
        try:
            columns.append(PainType.coerce(item))
        except ValidationError as error:
            raise error.at(f"$.pain_types[{index}]") from None
    return columns


@contextmanager
def _figure(path: str | os.PathLike[str], width: float, height: float) -> Iterator[Any]:
    """A figure to draw on, saved to ``path`` when the block ends."""
    target = _suffix(path)
    figure_class, canvas_class, rc_context = _matplotlib()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "painmodalities", "font.size": 9}):
        figure = figure_class(figsize=(width, height), layout="constrained", dpi=100)
        canvas_class(figure)
        yield figure
        try:
            figure.savefig(target, metadata=_metadata(target))
        except (OSError, ValueError) as error:  # ValueError: a NUL in the path
            why = getattr(error, "strerror", None) or str(error)
            raise invalid(
                "$.path", f"a file that can be written ({why})", target, "file"
            ) from None


def _activity_colour(modality: Modality) -> str:
    return ACTIVE_COLOUR if modality.is_active else PASSIVE_COLOUR


def _activity_legend(axes: Any, extra: Sequence[Any] = (), **where: Any) -> None:
    from matplotlib.lines import Line2D  # noqa: PLC0415 (only when plotting)

    handles = [
        Line2D([], [], marker="o", ls="", color=ACTIVE_COLOUR, label="active (you do it)"),
        Line2D([], [], marker="o", ls="", color=PASSIVE_COLOUR, label="passive (done to you)"),
        *extra,
    ]
    axes.legend(handles=handles, frameon=False, fontsize=8, **where)


# -- benefit over time ---------------------------------------------------------------------


def _timeline_rows(catalog: Catalog, pain_type: PainType) -> list[Modality]:
    """The modalities with findings for ``pain_type``: active first, then by name."""
    found = [modality for modality in catalog if modality.findings_for(pain_type)]
    return sorted(found, key=lambda m: (not m.is_active, m.name.lower()))


def plot_timeline(
    pain_type: PainType | str,
    path: str | os.PathLike[str],
    *,
    catalog: Catalog | None = None,
    policy: ScoringPolicy | None = None,
) -> int:
    """Draw every finding for ``pain_type`` at its horizon, function and pain apart.

    One row per modality with findings (active first), one dot per finding: its size is
    the effect, its opacity the certainty, its colour active or passive; a finding the
    policy does not score is drawn hollow and faded. A programme's findings are its
    components' (each drawn once, on the programme's row too).

    Args:
        pain_type: the condition and phase, or ``"condition:phase"``.
        path: the ``.png`` or ``.svg`` file to write.
        catalog: the modalities; the built-in catalog if ``None``.
        policy: which findings are scored; the default policy if ``None``.

    Returns:
        The number of findings drawn.

    Raises:
        MissingExtraError: when matplotlib is not installed.
        ValidationError: for a malformed pain type or a path that is not .png or .svg.
    """
    found = PainType.coerce(pain_type)
    catalog, policy = _catalog_and_policy(catalog, policy)
    rows = _timeline_rows(catalog, found)
    height = 1.9 + 0.32 * max(len(rows), 2)
    drawn = 0
    with _figure(path, 12.0, height) as figure:
        panels = figure.subplots(1, 2, sharey=True)
        for axes, outcome in zip(panels, (Outcome.FUNCTION, Outcome.PAIN), strict=True):
            drawn += _draw_timeline_panel(
                axes, rows=rows, pain_type=found, outcome=outcome, policy=policy, start=drawn
            )
        panels[0].set_yticks(range(len(rows)), [_row_label(m) for m in rows])
        for label, modality in zip(panels[0].get_yticklabels(), rows, strict=True):
            label.set_color(_activity_colour(modality))
        panels[0].set_ylim(max(len(rows), 1) - 0.5, -0.5)
        if not rows:
            panels[0].text(
                0.5,
                0.5,
                f"No findings for {found.label}",
                ha="center",
                transform=panels[0].transAxes,
            )
        figure.suptitle(
            f"Benefit over time in {found.label}: each dot is one finding", x=0.01, ha="left"
        )
        _timeline_legend(panels[1])
        figure.supxlabel(
            textwrap.fill(
                "Time after the course ends. Dot size: the effect (none, small, moderate, "
                "large); opacity: the certainty (very low to high); hollow and faded: shown "
                f"but not scored (below {_words.word(policy.min_certainty)} certainty, or "
                "compared with active treatments too).",
                _WRAP,
            ),
            fontsize=8,
            x=0.01,
            ha="left",
        )
    return drawn


def _row_label(modality: Modality) -> str:
    return f"{modality.name} ({modality.activity.value})"


def _draw_timeline_panel(
    axes: Any,
    *,
    rows: list[Modality],
    pain_type: PainType,
    outcome: Outcome,
    policy: ScoringPolicy,
    start: int,
) -> int:
    drawn = 0
    for row, modality in enumerate(rows):
        for horizon in Horizon:
            at = [f for f in modality.findings_for(pain_type, outcome) if f.horizon is horizon]
            for index, finding in enumerate(at):
                offset = (index - (len(at) - 1) / 2) * 0.16
                _draw_finding(
                    axes,
                    horizon.rank + offset,
                    row,
                    finding=finding,
                    modality=modality,
                    policy=policy,
                    number=start + drawn,
                )
                drawn += 1
    axes.set_xticks(range(len(Horizon)), [_HORIZON_LABELS[h] for h in Horizon], fontsize=8)
    axes.set_xlim(-0.5, len(Horizon) - 0.5)
    axes.set_title(outcome.value.capitalize(), loc="left", fontsize=10)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    return drawn


def _draw_finding(
    axes: Any,
    x: float,
    y: float,
    *,
    finding: Finding,
    modality: Modality,
    policy: ScoringPolicy,
    number: int,
) -> None:
    colour = _activity_colour(modality)
    scored = policy.counts(finding)
    size = _SIZES[finding.effect]
    if finding.effect is Effect.NONE:
        marks = axes.scatter(
            [x], [y], s=size, marker="x", color=colour, alpha=0.7 if scored else 0.3
        )
    elif scored:
        marks = axes.scatter(
            [x], [y], s=size, color=colour, alpha=_OPACITY[finding.certainty], linewidths=0
        )
    else:
        marks = axes.scatter(
            [x],
            [y],
            s=size,
            facecolors="none",
            edgecolors=colour,
            alpha=0.45,
            linewidths=1.0,
            linestyles="--",
        )
    marks.set_gid(f"finding-{number}")


def _timeline_legend(axes: Any) -> None:
    from matplotlib.lines import Line2D  # noqa: PLC0415 (only when plotting)

    grey = "#555555"
    extra = [
        Line2D([], [], marker="o", ls="", color=grey, markersize=5, label="small effect"),
        Line2D([], [], marker="o", ls="", color=grey, markersize=8, label="moderate effect"),
        Line2D([], [], marker="o", ls="", color=grey, markersize=11, label="large effect"),
        Line2D([], [], marker="x", ls="", color=grey, label="no effect"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markerfacecolor="none",
            markeredgecolor=grey,
            label="not scored",
        ),
    ]
    _activity_legend(axes, extra, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


# -- evidence map --------------------------------------------------------------------------


#: The horizons the evidence map plots: long-term function (6 months or more).
_MAP_HORIZONS: Final = frozenset({Horizon.INTERMEDIATE, Horizon.LONG})


def _best_scored(modality: Modality, pain_type: PainType, policy: ScoringPolicy) -> Finding | None:
    """The best scored finding of a function benefit at 6 months or more (or ``None``).

    Function only, at the horizon the map names: never the best over pain or function at
    any horizon, which would shade a short-lived pain effect as if it were lasting.
    """
    benefit = [
        finding
        for finding in modality.findings_for(pain_type)
        if policy.counts(finding)
        and finding.shows_benefit
        and finding.outcome is Outcome.FUNCTION
        and finding.horizon in _MAP_HORIZONS
    ]
    return max(benefit, key=lambda f: (strength(f), f.effect, f.certainty), default=None)


def _map_cell(modality: Modality, pain_type: PainType, policy: ScoringPolicy) -> tuple[str, str]:
    """The cell's text and fill colour."""
    findings = modality.findings_for(pain_type)
    if not findings:
        return "no\nevidence", "#ffffff"
    best = _best_scored(modality, pain_type, policy)
    if best is None:
        scored = any(policy.counts(finding) for finding in findings)
        return ("no long-term\nfunction shown" if scored else "not\nscored"), _EFFECT_FILL[
            Effect.NONE
        ]
    return (
        f"{best.effect.value} ({best.horizon.value})\n{_words.word(best.certainty)} cert.",
        _EFFECT_FILL[best.effect],
    )


def _guideline_mark(modality: Modality, pain_type: PainType) -> tuple[str, bool]:
    """The guidelines' own verbs in scope, one a line, and whether one is against it."""
    advice = modality.recommendations_for(pain_type)
    against = any(found.direction is Direction.AGAINST for found in advice)
    return "\n".join(_words.verbs(advice)), against


def plot_map(
    path: str | os.PathLike[str],
    *,
    catalog: Catalog | None = None,
    policy: ScoringPolicy | None = None,
    pain_types: Sequence[PainType] | None = None,
) -> int:
    """Draw the evidence map: each cell the best scored effect on function at 6 months on.

    A cell names the largest effect among the scored findings of a function benefit at
    the intermediate or long horizon, that horizon and its certainty, shaded by the
    effect; the guideline recommendations in scope are marked in its corner with the
    guidelines' own verbs (``do not offer``, ``consider``, ``may be offered``), in red
    when one is against it. A cell with no finding says "no evidence"; one whose findings
    show no long-term function benefit, or are not scored, says so.

    Args:
        path: the ``.png`` or ``.svg`` file to write.
        catalog: the modalities; the built-in catalog if ``None``.
        policy: which findings are scored; the default policy if ``None``.
        pain_types: the columns; every pain type the catalog has findings for if ``None``.

    Returns:
        The number of cells drawn.

    Raises:
        MissingExtraError: when matplotlib is not installed.
        ValidationError: for a path that is not .png or .svg.
    """
    catalog, policy = _catalog_and_policy(catalog, policy)
    columns = list(catalog.pain_types()) if pain_types is None else _pain_types(pain_types)
    rows = sorted(catalog, key=lambda m: (not m.is_active, m.name.lower()))
    width = 3.6 + 0.95 * max(len(columns), 1)
    height = 1.8 + 0.42 * max(len(rows), 1)
    with _figure(path, width, height) as figure:
        axes = figure.add_subplot()
        for row, modality in enumerate(rows):
            for column, pain_type in enumerate(columns):
                text, fill = _map_cell(modality, pain_type, policy)
                axes.add_patch(_rectangle(column, row, fill))
                empty = fill == "#ffffff"
                axes.text(
                    column,
                    row + 0.06,
                    text,
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="#999999" if empty else "#111111",
                    style="italic" if empty else "normal",
                )
                mark, against = _guideline_mark(modality, pain_type)
                if mark:
                    axes.text(
                        column + 0.46,
                        row - 0.44,
                        mark,
                        ha="right",
                        va="top",
                        fontsize=5.5,
                        color="#b00020" if against else "#333333",
                        fontweight="bold" if against else "normal",
                    )
        axes.set_xlim(-0.5, len(columns) - 0.5)
        axes.set_ylim(len(rows) - 0.5, -0.5)
        axes.set_xticks(
            range(len(columns)),
            [textwrap.fill(pain_type.label, 14) for pain_type in columns],
            fontsize=7,
        )
        axes.xaxis.tick_top()
        axes.set_yticks(range(len(rows)), [_row_label(m) for m in rows], fontsize=7.5)
        for label, modality in zip(axes.get_yticklabels(), rows, strict=True):
            label.set_color(_activity_colour(modality))
        axes.tick_params(length=0)
        for spine in axes.spines.values():
            spine.set_visible(False)
        figure.suptitle(
            "Evidence map: the best scored effect on function at 6 months or more",
            x=0.01,
            ha="left",
        )
        _activity_legend(axes, loc="upper left", bbox_to_anchor=(0.0, -0.01), ncols=2)
        figure.supxlabel(
            textwrap.fill(
                "Each cell: the largest effect among the scored findings of a function benefit "
                "at 6 months or more (intermediate or long horizon), with that horizon and its "
                "certainty (cert.); darker is larger. Corner marks: "
                "what guidelines say, in their own verbs (red: against). "
                '"no evidence": the dossier holds no finding.',
                int(width * 14),
            ),
            fontsize=7,
            x=0.01,
            ha="left",
        )
    return len(rows) * len(columns)


def _rectangle(column: int, row: int, fill: str) -> Any:
    from matplotlib.patches import Rectangle  # noqa: PLC0415 (only when plotting)

    edge = "#bbbbbb" if fill == "#ffffff" else "white"
    style = "--" if fill == "#ffffff" else "-"
    return Rectangle(
        (column - 0.48, row - 0.48),
        0.96,
        0.96,
        facecolor=fill,
        edgecolor=edge,
        linestyle=style,
        linewidth=0.8,
    )


# -- the ranking ---------------------------------------------------------------------------


def _weights_caption(ranking: Ranking) -> str:
    weights = ", ".join(
        f"{criterion.value} {weight:g}"
        for criterion, weight in ranking.weights.as_mapping().items()
    )
    return f"weights: {weights}"


def _draw_nothing_ranked(axes: Any, ranking: Ranking) -> None:
    """A ranking with no option: the sentence that says so, and what is unranked or out."""
    axes.set_axis_off()
    axes.set_title(f"Ranking for {ranking.pain_type.label}", loc="left", fontsize=11)
    lines = [ranking.summary]
    if ranking.unranked:
        names = ", ".join(_row_label(entry.modality) for entry in ranking.unranked)
        lines.append(textwrap.fill(f"Not ranked (no scored finding of benefit): {names}", 90))
    if ranking.excluded:
        names = ", ".join(exclusion.modality.id for exclusion in ranking.excluded)
        lines.append(textwrap.fill(f"Ruled out: {names}", 90))
    lines.append(_weights_caption(ranking))
    axes.text(0.0, 1.0, "\n\n".join(lines), va="top", fontsize=9, transform=axes.transAxes)


def _rank_labels(ranking: Ranking) -> list[str]:
    labels = []
    for option in ranking:
        shared = sum(1 for other in ranking if other.rank == option.rank) > 1
        number = f"={option.rank}" if shared else f"{option.rank}."
        labels.append(f"{number} {_row_label(option.modality)}")
    return labels


def plot_ranking(ranking: Ranking, path: str | os.PathLike[str]) -> None:
    """Draw ``ranking`` as stacked horizontal bars of its weighted criteria into ``path``.

    The best option is at the top; a shared rank reads ``=1``; each label says whether the
    option is active or passive (and is coloured so); the unranked options follow the
    ranked ones with empty bars; what is ruled out and the weights are in the caption.
    When no option is ranked, the picture says so in words.

    Args:
        ranking: the ranking to draw.
        path: the ``.png`` or ``.svg`` file to write.

    Raises:
        MissingExtraError: when matplotlib is not installed.
        ValidationError: for a path that is not .png or .svg.
        OSError: when the file cannot be written.
    """
    argument_of("ranking", ranking, Ranking)
    options = list(ranking.options)
    unranked = list(ranking.unranked)
    rows = len(options) + len(unranked)
    height = 2.2 + 0.36 * max(rows, 1) if options else 3.2
    with _figure(path, 9.5, height) as figure:
        axes = figure.add_subplot()
        if not options:
            _draw_nothing_ranked(axes, ranking)
            return
        labels = _rank_labels(ranking) + [
            f"not ranked: {_row_label(entry.modality)}" for entry in unranked
        ]
        modalities = [option.modality for option in options] + [e.modality for e in unranked]
        left = [0.0] * len(options)
        positions = list(range(len(options)))
        for criterion in Criterion:
            widths = [float(option.score.components[criterion]) for option in options]
            axes.barh(
                positions,
                widths,
                left=left,
                color=_COLOURS[criterion],
                label=criterion.value,
                height=0.7,
            )
            left = [start + width for start, width in zip(left, widths, strict=True)]
        for position, option in zip(positions, options, strict=True):
            against = [a for a in option.recommendations if a.direction is Direction.AGAINST]
            text = f"{float(option.score):.3f}" + (
                f" (guideline: {'; '.join(_words.verbs(against))})" if against else ""
            )
            axes.text(float(option.score) + 0.01, position, text, va="center", fontsize=8)
        for position in range(len(options), rows):
            axes.text(
                0.01,
                position,
                "no scored finding of benefit",
                va="center",
                fontsize=8,
                color="#777777",
                style="italic",
            )
        axes.set_yticks(range(rows), labels, fontsize=8)
        for label, modality in zip(axes.get_yticklabels(), modalities, strict=True):
            label.set_color(_activity_colour(modality))
        if unranked:
            axes.axhline(len(options) - 0.5, color="#999999", linewidth=0.8, linestyle=":")
        axes.set_xlim(0, 1.15)
        axes.set_title(f"Ranking for {ranking.pain_type.label}", loc="left", fontsize=11)
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0.0, 1.04),
            ncols=len(Criterion),
            fontsize=8,
            frameon=False,
            borderaxespad=0,
        )
        axes.set_ylim(rows - 0.5, -0.5)  # best at the top
        axes.spines[["top", "right"]].set_visible(False)
        caption = [
            "Each bar: an option's score for long-term function, split into its weighted "
            "criteria (they add up to the score); labels in blue "
            "are active options (you do it), in vermillion passive ones (done to you). "
            + _weights_caption(ranking)
            + "."
        ]
        if ranking.excluded:
            ruled_out = ", ".join(exclusion.modality.id for exclusion in ranking.excluded)
            caption.append(f"Ruled out: {ruled_out}.")
        axes.set_xlabel("score: the sum of the weighted criteria", fontsize=8)
        figure.supxlabel(textwrap.fill(" ".join(caption), 125), fontsize=8, x=0.01, ha="left")
