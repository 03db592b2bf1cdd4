"""Feedback that is kept: a real server stores it in SQLite, ``painmodalities feedback`` sums it.

Feedback once answered 200 and was lost (issue 25): here cards are issued, feedback on them
is posted as an EHR would, and the report is read back.
"""

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import jsonschema
import pytest

from painmodalities.cli import main
from painmodalities.service._feedback import IssuedCards
from tests.cds_hooks import (
    FEEDBACK,
    PATIENT_VIEW,
    call,
    check_cards,
    check_outcome,
    expressions,
    free_port,
    serve,
    spec_example,
    stop,
)

NON_ADHERENCE = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def database(state: Path) -> Path:
    """Where ``serve`` keeps feedback by default: under ``$XDG_STATE_HOME``."""
    return state / "painmodalities" / "feedback.sqlite3"


@pytest.fixture(scope="module")
def sandbox(state: Path) -> Iterator[str]:
    process, base = serve(free_port(), "--allow-unauthenticated", state=state)
    yield base
    stop(process)


class Report(NamedTuple):
    """What ``painmodalities feedback`` exited with and wrote."""

    returncode: int
    stdout: str
    stderr: str


def report(database: Path, capsys: pytest.CaptureFixture[str]) -> Report:
    """``painmodalities feedback --db database``, run in this process (the command's code)."""
    capsys.readouterr()
    code = main(["feedback", "--db", str(database)])
    out, err = capsys.readouterr()
    return Report(code, out, err)


def post_feedback(base: str, items: list[dict[str, Any]]) -> httpx.Response:
    body = {"feedback": items}
    return httpx.post(f"{base}{PATIENT_VIEW}/feedback", json=body, timeout=30)


def test_feedback_is_kept_one_row_per_card_and_reported(
    sandbox: str, database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = call()
    cards = check_cards(httpx.post(f"{sandbox}{PATIENT_VIEW}", json=body, timeout=30).json())
    back = next(card for card in cards if "low back" in card["summary"])
    other = next(card for card in cards if card is not back)
    items = [
        {
            "card": back["uuid"],
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": back["suggestions"][0]["uuid"]}],
            "outcomeTimestamp": "2026-01-05T10:05:31Z",
        },
        {
            "card": other["uuid"],
            "outcome": "overridden",
            "overrideReason": {
                "reason": {"system": NON_ADHERENCE, "code": "action-unsuccessful"},
                "userComment": "Tried last year, Mrs Jackson said it did not help",
            },
            "outcomeTimestamp": "2026-01-05T10:06:00.5+01:00",
        },
        {
            "card": other["uuid"],
            "outcome": "overridden",
            "outcomeTimestamp": "2026-01-05T11:00:00Z",
        },
    ]
    jsonschema.validate({"feedback": items}, FEEDBACK)
    assert post_feedback(sandbox, items).status_code == 200
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT service, hook_instance, card, card_kind, outcome, accepted_suggestions, "
            "override_code, has_comment FROM feedback ORDER BY id"
        ).fetchall()
    service = "painmodalities-patient-view"
    assert rows == [
        (
            service,
            body["hookInstance"],
            back["uuid"],
            "low_back:chronic",
            "accepted",
            back["suggestions"][0]["uuid"],
            None,
            0,
        ),
        (
            service,
            body["hookInstance"],
            other["uuid"],
            "fibromyalgia:chronic",
            "overridden",
            "",
            "action-unsuccessful",
            1,
        ),
        (
            service,
            body["hookInstance"],
            other["uuid"],
            "fibromyalgia:chronic",
            "overridden",
            "",
            None,
            0,
        ),
    ]
    assert b"Mrs Jackson" not in database.read_bytes()
    done = report(database, capsys)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{service} / fibromyalgia:chronic",
        "  accepted: 0, overridden: 2",
        "    overridden, no reason: 1",
        "    overridden, action-unsuccessful: 1",
        f"{service} / low_back:chronic",
        "  accepted: 1, overridden: 0",
    ]


@pytest.mark.parametrize(
    "name", ["spec-feedback-1.json", "spec-feedback-2.json", "spec-feedback-3.json"]
)
def test_the_specifications_feedback_examples_are_kept(
    sandbox: str, database: Path, name: str
) -> None:
    """Cards the service did not issue (or forgot) are kept with the kind ``unknown``."""
    example = spec_example(name)
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}/feedback", json=example, timeout=30)
    assert response.status_code == 200, response.text
    card = example["feedback"][0]["card"]
    with sqlite3.connect(database) as connection:
        kinds = connection.execute(
            "SELECT card_kind, hook_instance FROM feedback WHERE card = ?", (card,)
        ).fetchall()
    assert kinds
    assert set(kinds) == {("unknown", None)}


@pytest.mark.parametrize(
    ("item", "path"),
    [
        (
            {"outcome": "accepted", "outcomeTimestamp": "2026-01-05T10:05:31Z"},
            "$.feedback[0].acceptedSuggestions",
        ),
        (
            {"outcome": "overridden", "outcomeTimestamp": "2026-01-05 10:05"},
            "$.feedback[0].outcomeTimestamp",
        ),
        (
            {"outcome": "overridden", "outcomeTimestamp": "2026-13-05T10:05:31Z"},
            "$.feedback[0].outcomeTimestamp",
        ),
    ],
    ids=["accepted without suggestions", "not RFC 3339", "month 13"],
)
def test_error_feedback_against_the_specification_is_400(
    sandbox: str, item: dict[str, Any], path: str
) -> None:
    response = post_feedback(sandbox, [{"card": str(uuid.uuid4()), **item}])
    check_outcome(response, 400)
    assert path in " ".join(expressions(response))


def test_error_malformed_feedback_is_400(sandbox: str) -> None:
    response = post_feedback(sandbox, [{}])
    check_outcome(response, 400)
    assert "$.feedback[0].card" in expressions(response)


def test_error_the_report_without_a_database_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = report(tmp_path / "none.sqlite3", capsys)
    assert done.returncode != 0
    assert "no feedback database" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_issued_cards_memory_is_bounded_and_forgets_the_oldest() -> None:
    issued = IssuedCards(limit=3)
    cards = [str(uuid.uuid4()) for _ in range(5)]
    call = str(uuid.uuid4())
    for card in cards:
        issued.add(card, call, "low_back:chronic")
    assert len(issued) == 3
    assert [issued.get(card) for card in cards[:2]] == [None, None]
    assert issued.get(cards[-1]) == (call, "low_back:chronic")
    assert issued.get("not a uuid") is None
