"""The picture of a population report: one panel of bars per pain type, one bar per measure."""

import math
import os
from typing import Final

from painmodalities.plot import ACTIVE_COLOUR, PASSIVE_COLOUR, _figure
from painmodalities.population._measures import MEASURES
from painmodalities.population._report import PopulationReport

__all__ = ["plot_report"]

#: Each measure's colour (Okabe-Ito, as the other pictures): active care blue, passive only
#: vermillion, not-recommended care reddish purple, no non-drug care grey.
_COLOURS: Final = {
    "active_care_recorded": ACTIVE_COLOUR,
    "passive_only": PASSIVE_COLOUR,
    "not_recommended_recorded": "#CC79A7",
    "no_nondrug_care_recorded": "#999999",
}
_COLUMNS: Final = 3


def plot_report(report: PopulationReport, path: str | os.PathLike[str]) -> None:
    """Draw ``report`` to ``path`` (``.png`` or ``.svg``): a bar chart per pain type.

    Each panel shows, for one pain type, the share of its patients meeting each measure,
    with the count over the denominator on each bar. Needs the ``plot`` extra.
    """
    pain_types = sorted({count.pain_type for count in report.counts})
    rows = max(1, math.ceil(len(pain_types) / _COLUMNS))
    with _figure(path, 3.4 * _COLUMNS, 2.6 * rows + 0.6) as figure:
        grid = figure.subplots(rows, _COLUMNS, squeeze=False, sharey=True)
        for index, axes in enumerate(grid.flat):
            if index >= len(pain_types):
                axes.set_visible(False)
                continue
            pain_type = pain_types[index]
            counts = {c.measure: c for c in report.counts if c.pain_type == pain_type}
            shares = [100 * counts[m.id].share for m in MEASURES]
            bars = axes.bar(range(len(MEASURES)), shares, color=[_COLOURS[m.id] for m in MEASURES])
            for bar, measure in zip(bars, MEASURES, strict=True):
                found = counts[measure.id]
                axes.annotate(
                    f"{found.numerator}/{found.denominator}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
            axes.set_title(pain_type, fontsize=9)
            axes.set_ylim(0, 110)
            axes.set_xticks(range(len(MEASURES)), [""] * len(MEASURES))
            axes.spines[["top", "right"]].set_visible(False)
        for axes in grid[:, 0]:
            axes.set_ylabel("% of patients")
        handles = [_patch(_COLOURS[m.id], m.title) for m in MEASURES]
        figure.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
        figure.suptitle(
            f"Non-drug care recorded in the {report.lookback_months} months to "
            f"{report.as_of.isoformat()}, per pain type",
            fontsize=10,
        )


def _patch(colour: str, label: str) -> object:
    from matplotlib.patches import Patch  # noqa: PLC0415 (only when plotting)

    return Patch(color=colour, label=label)
