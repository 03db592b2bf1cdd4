"""A picture of a ranking: one stacked horizontal bar per option, one segment per criterion.

Needs matplotlib (the ``plot`` extra: ``pip install 'painmodalities[plot]'``), imported only
when :func:`plot_ranking` runs, with the non-interactive Agg canvas (no display needed).

Each bar is an option's score; its segments are the weighted contributions of
``function``, ``durability``, ``activity`` and ``pain``, which add up to the score. An
option whose evidence gate is closed (no scored finding shows benefit) has an empty bar,
labelled so. The best option is at the top.
"""

import os
import textwrap
from typing import Any

from painmodalities.errors import MissingExtraError
from painmodalities.ranking import Ranking
from painmodalities.vocabulary import Criterion

__all__ = ["MissingExtraError", "plot_ranking"]

# One colour per criterion, from the colour-blind-safe Okabe-Ito palette.
_COLOURS = {
    Criterion.FUNCTION: "#0072B2",
    Criterion.DURABILITY: "#56B4E9",
    Criterion.ACTIVITY: "#009E73",
    Criterion.PAIN: "#E69F00",
}
_ROW_INCHES = 0.42
_BASE_INCHES = 1.6
_WRAP = 90


def _matplotlib() -> tuple[Any, Any, Any]:
    try:
        from matplotlib import rc_context  # noqa: PLC0415 (only when plotting)
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError:
        raise MissingExtraError.for_extra("plot", "plotting") from None
    return Figure, FigureCanvasAgg, rc_context


def _draw_nothing_ranked(axes: Any, ranking: Ranking) -> None:
    """A ranking with no option: the sentence that says so, and what is unranked or out."""
    axes.set_axis_off()
    axes.set_title(f"Ranking for {ranking.pain_type.label}", loc="left", fontsize=11)
    lines = [ranking.summary]
    if ranking.unranked:
        names = ", ".join(entry.modality.id for entry in ranking.unranked)
        lines.append(textwrap.fill(f"Not ranked (no scored finding of benefit): {names}", _WRAP))
    if ranking.excluded:
        names = ", ".join(exclusion.modality.id for exclusion in ranking.excluded)
        lines.append(textwrap.fill(f"Ruled out: {names}", _WRAP))
    axes.text(0.0, 1.0, "\n\n".join(lines), va="top", fontsize=9, transform=axes.transAxes)


def plot_ranking(ranking: Ranking, path: str | os.PathLike[str]) -> None:
    """Draw ``ranking`` as stacked horizontal bars of its score components into ``path``.

    The file format follows the suffix (``.png`` or ``.svg``). SVG text is kept as text,
    so that the file stays searchable and accessible.

    Args:
        ranking: the ranking to draw (its options, best at the top).
        path: where to write the picture.

    Raises:
        MissingExtraError: when matplotlib is not installed.
        OSError: when the file cannot be written.
    """
    figure_class, canvas_class, rc_context = _matplotlib()
    options = list(ranking.options)
    height = _BASE_INCHES + _ROW_INCHES * max(len(options), 1)
    figure = figure_class(figsize=(9.0, height), layout="constrained")
    canvas_class(figure)
    axes = figure.add_subplot()
    if not options:
        _draw_nothing_ranked(axes, ranking)
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "painmodalities"}):
            figure.savefig(os.fspath(path), metadata=_metadata(os.fspath(path)))
        return
    labels = [f"{option.rank}. {option.modality.name}" for option in options]
    positions = list(range(len(options)))
    left = [0.0] * len(options)
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
        text = f"{float(option.score):.3f}" + (" (guideline against)" if option.warnings else "")
        axes.text(float(option.score) + 0.01, position, text, va="center", fontsize=8)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlim(0, 1.12)
    axes.set_title(f"Ranking for {ranking.pain_type.label}", loc="left", fontsize=11)
    axes.legend(
        loc="upper left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=len(Criterion),
        fontsize=8,
        frameon=False,
    )
    axes.set_ylim(len(options) - 0.5, -1.3)  # best at the top, room for the legend
    axes.spines[["top", "right"]].set_visible(False)
    xlabel = "score for long-term function: the sum of the weighted criteria"
    if ranking.unranked:
        unranked = ", ".join(entry.modality.id for entry in ranking.unranked)
        xlabel += "\n" + textwrap.fill(
            f"not ranked (no scored finding of benefit): {unranked}", width=_WRAP
        )
    if ranking.excluded:
        ruled_out = ", ".join(exclusion.modality.id for exclusion in ranking.excluded)
        xlabel += "\n" + textwrap.fill(f"ruled out: {ruled_out}", width=_WRAP)
    axes.set_xlabel(xlabel, fontsize=9)
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "painmodalities"}):
        figure.savefig(os.fspath(path), metadata=_metadata(os.fspath(path)))


def _metadata(path: str) -> dict[str, Any]:
    # Fixed metadata keeps the output reproducible: no creation date, no software version.
    if path.lower().endswith(".svg"):
        return {"Date": None, "Creator": None}
    return {"Software": None}
