"""Feedback that is kept: what clinicians did with the cards, in an embedded SQLite database.

CDS Hooks feedback names a card by its ``uuid`` only. The service remembers, for the cards
it issued recently (:class:`IssuedCards`, bounded), which call (``hookInstance``) and which
kind of card each was, so that each feedback item becomes one row: service, hookInstance,
card uuid, card kind, outcome, accepted suggestion uuids, override reason code and comment
flag, outcome timestamp and when it was received. No patient data is stored beyond what
the feedback itself carries (and CDS Hooks feedback carries none, except what a clinician
may type in ``userComment``: it is not stored, only whether there was one).

:func:`report` sums the rows per service and card kind (``painmodalities feedback``).
"""

import collections
import datetime
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Final, NamedTuple

from painmodalities.service._records import FeedbackItem

__all__ = ["DEFAULT_FEEDBACK_DB", "FeedbackStore", "IssuedCards", "default_feedback_db", "report"]

#: The database ``painmodalities serve`` and ``painmodalities feedback`` use by default,
#: under ``$XDG_STATE_HOME`` (``~/.local/state`` when unset).
DEFAULT_FEEDBACK_DB: Final = "painmodalities/feedback.sqlite3"
#: How many issued cards are remembered for feedback (the most recent ones): about 5 MB.
MAX_ISSUED_CARDS: Final = 20_000
#: A card the service did not issue since it started (or forgot): its kind is unknown.
UNKNOWN: Final = "unknown"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    received TEXT NOT NULL,
    service TEXT NOT NULL,
    hook_instance TEXT,
    card TEXT NOT NULL,
    card_kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    accepted_suggestions TEXT NOT NULL,
    override_system TEXT,
    override_code TEXT,
    has_comment INTEGER NOT NULL,
    outcome_timestamp TEXT NOT NULL
)
"""


def default_feedback_db() -> Path:
    """The default database path: :data:`DEFAULT_FEEDBACK_DB` under ``$XDG_STATE_HOME``."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / DEFAULT_FEEDBACK_DB


class Issued(NamedTuple):
    """What the service remembers of a card it issued: its call and its kind."""

    hook_instance: str
    kind: str


class IssuedCards:
    """The most recent cards issued, by ``uuid``, at most :data:`MAX_ISSUED_CARDS` of them.

    Holds ids and card kinds only (``low_back:chronic``), never patient data. The ids are
    kept as their 16 bytes and each kind once, so a card costs about 250 bytes.
    """

    def __init__(self, limit: int = MAX_ISSUED_CARDS) -> None:
        self._cards: collections.OrderedDict[bytes, tuple[bytes, str]] = collections.OrderedDict()
        self._kinds: dict[str, str] = {}
        self._limit = limit

    def __len__(self) -> int:
        return len(self._cards)

    def add(self, card: str, hook_instance: str, kind: str) -> None:
        """Remember that ``card`` (a UUID) was issued in the call ``hook_instance`` (a UUID)."""
        kind = self._kinds.setdefault(kind, kind)
        self._cards[uuid.UUID(card).bytes] = (uuid.UUID(hook_instance).bytes, kind)
        if len(self._cards) > self._limit:
            self._cards.popitem(last=False)

    def get(self, card: str) -> Issued | None:
        """What was issued as ``card``, if it is remembered."""
        try:
            found = self._cards.get(uuid.UUID(card).bytes)
        except ValueError:
            return None
        return None if found is None else Issued(str(uuid.UUID(bytes=found[0])), found[1])


class FeedbackStore:
    """The feedback database at ``path`` (created, with its folder, on first use).

    Each write opens its own connection, so the store can be used from worker threads.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as connection, connection:
            yield connection

    def add(self, service: str, items: Iterable[FeedbackItem], issued: IssuedCards) -> int:
        """Store one row per feedback item for ``service``; how many were stored."""
        received = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        rows = []
        for item in items:
            known = issued.get(item.card)
            reason = item.override_reason.reason if item.override_reason else None
            rows.append(
                (
                    received,
                    service,
                    known.hook_instance if known else None,
                    item.card,
                    known.kind if known else UNKNOWN,
                    item.outcome.value,
                    ",".join(accepted.id for accepted in item.accepted_suggestions),
                    reason.system if reason else None,
                    reason.code if reason else None,
                    int(bool(item.override_reason and item.override_reason.user_comment)),
                    item.outcome_timestamp,
                )
            )
        with self._connection() as connection:
            connection.executemany(
                "INSERT INTO feedback (received, service, hook_instance, card, card_kind, "
                "outcome, accepted_suggestions, override_system, override_code, has_comment, "
                "outcome_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)


def report(path: str | os.PathLike[str]) -> str:
    """The feedback at ``path`` summed per service and card kind, as plain text.

    For each: how many cards were accepted and overridden, and the override reasons given
    (by code, most frequent first; ``no reason`` when none was given).

    Raises:
        FileNotFoundError: when there is no database at ``path``.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(path)
    query = (
        "SELECT service, card_kind, outcome, COALESCE(override_code, ''), COUNT(*) "
        "FROM feedback GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 5 DESC, 4"
    )
    with closing(sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)) as connection:
        rows = connection.execute(query).fetchall()
    if not rows:
        return f"No feedback recorded in {path}."
    groups: dict[tuple[str, str], dict[str, list[tuple[str, int]]]] = {}
    for service, kind, outcome, code, count in rows:
        groups.setdefault((service, kind), {}).setdefault(outcome, []).append((code, count))
    lines = []
    for (service, kind), outcomes in groups.items():
        accepted = sum(count for _, count in outcomes.get("accepted", []))
        overridden = outcomes.get("overridden", [])
        lines.append(f"{service} / {kind}")
        lines.append(
            f"  accepted: {accepted}, overridden: {sum(count for _, count in overridden)}"
        )
        for code, count in overridden:
            lines.append(f"    overridden, {code or 'no reason'}: {count}")
    return "\n".join(lines)
