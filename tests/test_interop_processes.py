"""Other processes and threads: rankings travel as JSON and come back equal."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

from painmodalities import (
    Certainty,
    Condition,
    PainType,
    Patient,
    Phase,
    Precaution,
    Ranking,
    ScoringPolicy,
    Weights,
    default_catalog,
    from_json,
    rank,
    to_json,
)

ROOT = Path(__file__).resolve().parent.parent

#: A child process that reads a pain type, patient, weights and policy as JSON documents
#: (one a line on stdin), ranks, and writes the ranking as JSON.
_RANK_IN_CHILD = """
import sys
from painmodalities import *
lines = sys.stdin.read().splitlines()
pain_type = from_json(lines[0], PainType)
patient = from_json(lines[1], Patient)
weights = from_json(lines[2], Weights)
policy = from_json(lines[3], ScoringPolicy)
sys.stdout.write(to_json(rank(pain_type, patient=patient, weights=weights, policy=policy)))
"""


def test_a_ranking_from_a_fresh_process_equals_the_one_computed_here() -> None:
    """A ranking computed by another process and read back from JSON is the same ranking."""
    pain_type = PainType.parse("low_back:chronic")
    patient = Patient(
        precautions=frozenset({Precaution.BLOOD_CLOT}),
        exclude=frozenset({"acupuncture"}),
        max_session_minutes=40,
    )
    weights = Weights(function=0.5, durability=0.3, activity=0.15, pain=0.05)
    policy = ScoringPolicy(min_certainty=Certainty.VERY_LOW)
    stdin = "\n".join(to_json(item) for item in (pain_type, patient, weights, policy))
    child = subprocess.run(
        [sys.executable, "-c", _RANK_IN_CHILD],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    loaded = from_json(child.stdout, Ranking)
    here = rank(pain_type, patient=patient, weights=weights, policy=policy)
    assert loaded == here
    assert loaded.excluded
    assert [option.explain() for option in loaded] == [option.explain() for option in here]


def _all_rankings() -> list[str]:
    return [
        to_json(
            rank(PainType(condition, phase), patient=Patient(exclude=frozenset({"acupuncture"})))
        )
        for condition in Condition
        for phase in Phase
    ]


def test_ranking_from_many_threads_at_once_gives_identical_results() -> None:
    """Sixteen threads ranking, writing and reading JSON at once all get the same results."""
    expected = _all_rankings()
    start = Barrier(16)

    def work(_: int) -> tuple[list[str], bool]:
        start.wait()
        texts = _all_rankings()
        return texts, all(
            from_json(text, Ranking) == from_json(expected[i], Ranking)
            for i, text in enumerate(texts)
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(work, range(16)))
    assert all(texts == expected and same for texts, same in results)


_COLD_THREADS = """
import sys
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from painmodalities import *
start = Barrier(12)
def work(_):
    start.wait()  # every thread reaches the first (cached, lazily built) catalog at once
    return to_json(rank("neck:chronic", patient=Patient(exclude=frozenset({"acupuncture"}))))
with ThreadPoolExecutor(max_workers=12) as pool:
    texts = set(pool.map(work, range(12)))
sys.stdout.write(texts.pop() if len(texts) == 1 else "DIFFERENT")
"""


def test_first_use_from_many_threads_in_a_fresh_process_gives_identical_results() -> None:
    """Threads racing to build the built-in catalog and converter agree with this process."""
    child = subprocess.run(
        [sys.executable, "-c", _COLD_THREADS], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert child.stdout == to_json(
        rank("neck:chronic", patient=Patient(exclude=frozenset({"acupuncture"})))
    )
    assert len(default_catalog()) > 0
