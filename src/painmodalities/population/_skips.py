"""What was not used, tallied: every skip counted by rule, the first few of each rule kept.

A tally is bounded (at most :data:`SKIP_EXAMPLES` examples per rule, whatever the export's
size) and keeps the same examples whatever order the skips come in (the first of each rule
by place), so that tallies made apart (one per file of the export, each in its own process)
merge into the tally one pass over the whole export would make.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Final

from painmodalities.population._measures import PatientSkip

__all__ = ["SKIP_EXAMPLES", "SkipTally"]

#: How many skips of each rule are kept as examples (the rest are counted).
SKIP_EXAMPLES: Final = 20


def _order(skip: PatientSkip) -> tuple[str, str, str]:
    return (skip.rule, skip.where, skip.detail)


class SkipTally:
    """Skips counted by rule, with the first :data:`SKIP_EXAMPLES` of each rule as examples.

    Attributes:
        totals: how many things each rule left out.
    """

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self._examples: dict[str, list[PatientSkip]] = {}

    def add(self, skips: Iterable[PatientSkip]) -> None:
        """Count ``skips``, keeping the first of each rule as examples."""
        for skip in skips:
            self.totals[skip.rule] += 1
            self._keep(skip)

    def merge(self, other: "SkipTally") -> None:
        """Add what ``other`` tallied (its counts, and its examples as candidates)."""
        self.totals.update(other.totals)
        for kept in other._examples.values():
            for skip in kept:
                self._keep(skip)

    def _keep(self, skip: PatientSkip) -> None:
        kept = self._examples.setdefault(skip.rule, [])
        kept.append(skip)
        if len(kept) >= 2 * SKIP_EXAMPLES:
            kept.sort(key=_order)
            del kept[SKIP_EXAMPLES:]

    def examples(self) -> tuple[PatientSkip, ...]:
        """The examples, by rule then place."""
        return tuple(
            skip
            for rule in sorted(self._examples)
            for skip in sorted(self._examples[rule], key=_order)[:SKIP_EXAMPLES]
        )
