"""Benchmarks of painmodalities, each a ratio against a baseline measured in the same run.

Usage::

    python benchmarks/run.py            # the full run; rewrites the table in docs/performance.md
    python benchmarks/run.py --quick    # a few iterations and small inputs (CI)

Options: ``--write PATH`` (the Markdown file whose results section to rewrite; the full
run writes ``docs/performance.md`` by default, the quick run writes nothing unless asked),
``--json PATH`` (every row as JSON), ``--strict`` (exit 1 when a target fails).

Every figure is the median of repeated runs, and every comparison is a ratio of medians
taken in the same run with the contenders interleaved, so that a busy machine slows both
sides alike. Targets come from issue 7; each row says PASS or FAIL, or INFO when it has
no target. The baselines (pydantic, msgspec, scikit-criteria, pymcdm) are the ``bench``
extra; a missing one is reported as SKIPPED, never silently dropped.
"""

import argparse
import contextlib
import gc
import importlib.metadata
import itertools
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))  # oracle.py: the reference ranking

START = "<!-- benchmark-results:start -->"
END = "<!-- benchmark-results:end -->"


@dataclass
class Row:
    """One line of the results table."""

    section: str
    measure: str
    ours: str
    baseline: str
    ratio: float | None
    target: str
    status: str  # PASS, FAIL, INFO or SKIPPED


@dataclass
class Settings:
    """How hard to try: the full run, or the quick one for CI."""

    quick: bool
    repeat: int
    import_repeat: int
    cohort: int
    cohort_small: int
    cohort_repeat: int
    sizes: tuple[int, ...]
    json_size: int


FULL = Settings(
    quick=False,
    repeat=15,
    import_repeat=21,
    cohort=1_000_000,
    cohort_small=10_000,
    cohort_repeat=3,
    sizes=(10, 100, 1_000, 10_000),
    json_size=1_000,
)
QUICK = Settings(
    quick=True,
    repeat=3,
    import_repeat=3,
    cohort=20_000,
    cohort_small=2_000,
    cohort_repeat=1,
    sizes=(10, 100, 300),
    json_size=200,
)


# -- timing ------------------------------------------------------------------------------


def per_call(function: Callable[[], object], number: int) -> float:
    """Seconds per call of ``function``, over ``number`` calls."""
    started = time.perf_counter()
    for _ in range(number):
        function()
    return (time.perf_counter() - started) / number


def calibrate(function: Callable[[], object], budget: float = 0.05) -> int:
    """How many calls take about ``budget`` seconds."""
    function()
    once = per_call(function, 1)
    return max(1, min(100_000, int(budget / max(once, 1e-7))))


def interleaved(
    contenders: dict[str, Callable[[], object]], repeat: int, budget: float = 0.05
) -> dict[str, list[float]]:
    """Seconds per call of each contender, ``repeat`` samples each, taken in turn.

    As :mod:`timeit` does, the garbage collector is off while a sample runs (and run
    before it), so that no contender pays for collecting what another one left.
    """
    numbers = {name: calibrate(function, budget) for name, function in contenders.items()}
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, function in contenders.items():
            gc.collect()
            gc.disable()
            try:
                samples[name].append(per_call(function, numbers[name]))
            finally:
                gc.enable()
    return samples


def median(values: list[float]) -> float:
    return statistics.median(values)


def paired_ratio(ours: list[float], baseline: list[float]) -> float:
    """The median of the round-by-round ratios ours / baseline."""
    return median([a / b for a, b in zip(ours, baseline, strict=True)])


def show(seconds: float) -> str:
    """A time with a sensible unit."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def missing(*modules: str) -> list[str]:
    """The modules among ``modules`` that are not installed."""
    absent = []
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            absent.append(module)
    return absent


# -- 1. import -----------------------------------------------------------------------------

#: The import target: what a CLI call or a service start pays (import, then a first ranking).
IMPORT_TARGET = "import painmodalities as pm; pm.rank('low_back:chronic')"
#: Its floor: importing our three dependencies and nothing else.
IMPORT_FLOOR = "import attrs, cattrs, orjson"
#: Shown for information: the package import alone (it loads the core, not the catalog).
IMPORT_ALONE = "import painmodalities"
IMPORT_LIMIT = 1.5


def bench_import(settings: Settings) -> list[Row]:
    """Import and first ``rank()`` against ``import attrs, cattrs, orjson``, whole processes.

    The runs are interleaved (the order alternates from round to round), so that a slow
    spell of the machine hits both sides; the ratio is the median of the per-round ratios.
    The package is byte-compiled first, as an installer does: with ``PYTHONDONTWRITEBYTECODE``
    set and no cache, every run would compile the sources again and measure that instead.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("painmodalities")
    for location in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(location, quiet=1)
    codes = {"target": IMPORT_TARGET, "floor": IMPORT_FLOOR, "alone": IMPORT_ALONE}
    samples: dict[str, list[float]] = {name: [] for name in codes}
    for round_number in range(settings.import_repeat):
        order = list(codes) if round_number % 2 == 0 else list(reversed(codes))
        for name in order:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", codes[name]], check=True)
            samples[name].append(time.perf_counter() - started)
    floor = samples["floor"]
    ratio = paired_ratio(samples["target"], floor)
    return [
        Row(
            "import",
            f'`python -c "{IMPORT_TARGET}"` vs `{IMPORT_FLOOR}`',
            show(median(samples["target"])),
            show(median(floor)),
            ratio,
            f"≤ {IMPORT_LIMIT}x",
            verdict(ratio <= IMPORT_LIMIT),
        ),
        Row(
            "import",
            f"`python -c '{IMPORT_ALONE}'` (the core, no catalog read)",
            show(median(samples["alone"])),
            show(median(floor)),
            paired_ratio(samples["alone"], floor),
            "",
            "INFO",
        ),
    ]


# -- 2. warm ranking ---------------------------------------------------------------------


def bench_ranking(settings: Settings) -> list[Row]:
    """Warm rank() of the built-in catalog against weighted sums of the same matrix."""
    from oracle import rank_uncached
    from painmodalities import PainType, Patient, Precaution, Weights, default_catalog, rank
    from painmodalities.scoring import score

    catalog = default_catalog()
    pain_type = PainType.parse("low_back:chronic")
    patient = Patient(
        precautions={Precaution.BLOOD_CLOT},
        max_session_minutes=45,
        exclude={"acupuncture"},
    )
    contenders: dict[str, Callable[[], object]] = {
        "ours": lambda: rank(pain_type, catalog=catalog, patient=patient),
        "ours_cold": lambda: rank_uncached(pain_type, catalog=catalog, patient=patient),
    }
    # A cache miss: rank() with weights it has not seen, on the whole catalog (no patient),
    # against pymcdm's weighted sum of the whole 16 x 4 decision matrix. The weights are
    # made beforehand (the caller's objects), four times as many as the caches hold.
    fresh = itertools.cycle([Weights(function=0.4 + index * 1e-9) for index in range(1 << 14)])
    misses: dict[str, Callable[[], object]] = {
        "ours_miss": lambda: rank(pain_type, catalog=catalog, weights=next(fresh)),
    }
    absent = missing("numpy", "skcriteria", "pymcdm")
    if not absent:
        import numpy as np
        import skcriteria
        from pymcdm.methods import WSM
        from skcriteria.agg.simple import WeightedSumModel

        kept = [m for m in catalog if not patient.reasons_against(m)]
        matrix = np.array(
            [[float(v) for v in score(m, pain_type).criteria.values()] for m in kept]
        )
        weights = np.array([float(v) for v in Weights().shares().values()])
        decision = skcriteria.mkdm(
            matrix,
            [max] * 4,
            weights=weights,
            alternatives=[m.id for m in kept],
            criteria=["function", "durability", "activity", "pain"],
        )
        skc = WeightedSumModel()
        # The criteria are on fixed [0, 1] scales already: no normalisation, as in ours.
        wsm = WSM(normalization_function=lambda column, cost: column)
        types = np.ones(4)

        def pymcdm_rank() -> object:
            with np.errstate(all="ignore"):
                return wsm.rank(wsm(matrix, weights, types))

        contenders["scikit-criteria"] = lambda: skc.evaluate(decision)
        contenders["pymcdm"] = pymcdm_rank
        whole = np.array(
            [[float(v) for v in score(m, pain_type).criteria.values()] for m in catalog]
        )

        def pymcdm_whole() -> object:
            with np.errstate(all="ignore"):
                return wsm.rank(wsm(whole, weights, types))

        misses["pymcdm_whole"] = pymcdm_whole
    samples = interleaved(contenders, settings.repeat)
    samples.update(interleaved(misses, settings.repeat))
    ours = median(samples["ours"])
    rows = [
        Row(
            "ranking",
            "warm `rank()`, built-in catalog, low_back:chronic, patient with constraints",
            show(ours),
            "25 µs",
            ours / 25e-6,
            "median < 25 µs",
            verdict(ours < 25e-6),
        )
    ]
    if absent:
        rows.append(
            Row(
                "ranking",
                f"weighted-sum baselines ({', '.join(absent)} not installed)",
                show(ours),
                "-",
                None,
                "≥ 20x",
                "SKIPPED",
            )
        )
    for name in ("scikit-criteria", "pymcdm"):
        if name in samples:
            speedup = paired_ratio(samples[name], samples["ours"])
            rows.append(
                Row(
                    "ranking",
                    f"speed-up over {name} weighted sum of the same decision matrix",
                    show(ours),
                    show(median(samples[name])),
                    speedup,
                    "≥ 20x",
                    verdict(speedup >= 20),
                )
            )
    miss = median(samples["ours_miss"])
    if "pymcdm_whole" in samples:
        ratio = paired_ratio(samples["ours_miss"], samples["pymcdm_whole"])
        rows.append(
            Row(
                "ranking",
                "rank() cache miss vs pymcdm WSM: `rank()` with weights it has not seen, "
                "built-in catalog, low_back:chronic, vs pymcdm's weighted sum of the "
                f"already-computed {len(catalog)} x 4 decision matrix",
                show(miss),
                show(median(samples["pymcdm_whole"])),
                ratio,
                "< 1x (faster)",
                verdict(ratio < 1),
            )
        )
    else:
        rows.append(
            Row(
                "ranking",
                "rank() cache miss vs pymcdm WSM (pymcdm not installed)",
                show(miss),
                "-",
                None,
                "< 1x (faster)",
                "SKIPPED",
            )
        )
    rows.append(
        Row(
            "ranking",
            "reference ranking computed afresh (tests/oracle.py: scores every modality)",
            show(median(samples["ours_cold"])),
            show(ours),
            paired_ratio(samples["ours_cold"], samples["ours"]),
            "",
            "INFO",
        )
    )
    return rows


# -- 3. cohort and scaling -----------------------------------------------------------------


def cohort_worker(size: int, repeat: int) -> dict[str, Any]:
    """Rank ``size`` generated patients on one core; runs in its own process."""
    import synthetic

    from painmodalities import default_catalog, rank_many
    from painmodalities.ranking import _memo

    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    catalog = default_catalog()
    # Wall time (perf_counter costs 60 ns; process_time 700 ns, too much to call per
    # patient), in a process pinned to one core; the CPU share it got is reported too.
    clock = time.perf_counter
    generate, rank, total, cpu_share = [], [], [], []
    top: dict[str, int] = {}
    for _ in range(repeat):
        spent = [0.0]

        def timed(pairs: Iterator[Any], spent: list[float] = spent) -> Iterator[Any]:
            # Charges the time spent generating each patient to generation, not ranking.
            iterator = iter(pairs)
            while True:
                started = clock()
                pair = next(iterator, None)
                spent[0] += clock() - started
                if pair is None:
                    return
                yield pair

        started, started_cpu = clock(), time.process_time()
        for ranking in rank_many(timed(synthetic.cohort(catalog, size)), catalog=catalog):
            best = ranking.options[0].modality.id if ranking.options else "-"
            top[best] = top.get(best, 0) + 1
        elapsed = clock() - started
        cpu_share.append((time.process_time() - started_cpu) / elapsed)
        total.append(elapsed)
        generate.append(spent[0])
        rank.append(elapsed - spent[0])
    memo = _memo(catalog)
    return {
        "size": size,
        "generate": median(generate),
        "total": median(total),
        "rank": median(rank),
        "cpu_share": median(cpu_share),
        "maxrss_mb": peak_rss_mb(),
        "hit_rate": memo.rankings.cache_info().hits
        / max(1, memo.rankings.cache_info().hits + memo.rankings.cache_info().misses),
        "cache": {name: getattr(memo, name).cache_info()._asdict() for name in memo.__slots__},
        "top": top,
    }


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM: unlike ru_maxrss, reset by exec)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_worker(size: int, repeat: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(Path(__file__)), "--worker-cohort", str(size), str(repeat)],
        check=True,
        capture_output=True,
        text=True,
    )
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def bench_cohort(settings: Settings) -> list[Row]:
    """A generated cohort streamed through rank_many() on one core; memory at three sizes."""
    small = run_worker(settings.cohort_small, 1)
    middle = run_worker(settings.cohort // 10, 1)
    big = run_worker(settings.cohort, settings.cohort_repeat)
    budget = 10.0 * settings.cohort / 1_000_000
    # On a shared machine the worker does not get its whole core: the CPU it used for
    # ranking is the wall time times the share of the core it had.
    cpu = big["rank"] * big["cpu_share"]
    growth = big["maxrss_mb"] / middle["maxrss_mb"]
    # Streaming keeps nothing per patient: what memory grows by from the middle cohort to
    # the big one is the bounded caches filling up, a few bytes per extra patient. Keeping
    # each patient's Ranking would cost hundreds of bytes per patient.
    per_patient = (
        (big["maxrss_mb"] - middle["maxrss_mb"]) * 2**20 / max(1, big["size"] - middle["size"])
    )
    return [
        Row(
            "cohort",
            f"rank {big['size']:,} generated patients streamed through `rank_many()` on "
            f"one core, generating the patients excluded: CPU time (wall {show(big['rank'])}"
            f", {big['cpu_share']:.0%} of the core; cache hit rate {big['hit_rate']:.0%})",
            show(cpu),
            show(budget),
            cpu / budget,
            f"< {show(budget)}",
            verdict(cpu < budget),
        ),
        Row(
            "cohort",
            f"the same, wall time including generating the patients "
            f"({show(big['generate'])} of it)",
            show(big["total"]),
            show(budget),
            big["total"] / budget,
            "",
            "INFO",
        ),
        Row(
            "cohort",
            f"peak RSS, {big['size']:,} patients vs {middle['size']:,} "
            f"({small['maxrss_mb']:.0f} MB at {small['size']:,}): "
            f"{max(0.0, per_patient):.1f} bytes per extra patient, as the bounded caches fill",
            f"{big['maxrss_mb']:.0f} MB",
            f"{middle['maxrss_mb']:.0f} MB",
            growth,
            "< 64 bytes per extra patient",
            verdict(per_patient < 64),
        ),
    ]


def bench_scaling(settings: Settings) -> list[Row]:
    """Uncached and cohort cost against catalog size, each against n log n."""
    import synthetic

    from oracle import rank_uncached
    from painmodalities import rank_many

    rows = []
    base: tuple[int, float, float] | None = None
    worst = 0.0
    pain_type = synthetic.PAIN_TYPES[-1]
    for size in settings.sizes:
        catalog = synthetic.catalog(size)
        repeat = 3 if size >= 1_000 else settings.repeat
        cold = median(
            interleaved(
                {"cold": lambda c=catalog: rank_uncached(pain_type, catalog=c)},
                repeat,
                budget=0.02,
            )["cold"]
        )
        patients = max(50, 200_000 // size)
        # One pain type, its scores computed first: what grows with n here is the work
        # per patient (exclusions, options), not the O(n log n) board measured above.
        pairs = [(pain_type, p) for _, p in synthetic.cohort(catalog, patients, seed=size)]
        next(rank_many([(pain_type, None)], catalog=catalog))
        started = time.perf_counter()
        for _ranking in rank_many(pairs, catalog=catalog):
            pass
        each = (time.perf_counter() - started) / patients
        nlogn = size * math.log2(size)
        if base is None:
            base = (size, cold / nlogn, each / size)
        normalised = (cold / nlogn) / base[1]
        worst = max(worst, normalised)
        rows.append(
            Row(
                "scaling",
                f"n = {size:,} modalities: reference ranking afresh; per patient in a cohort "
                f"of {patients:,} (one pain type, its scores cached): {show(each)}",
                show(cold),
                f"n log n x {show(base[1] * nlogn)}",
                normalised,
                "",
                "INFO",
            )
        )
    rows.append(
        Row(
            "scaling",
            "worst (time / n log n) relative to the smallest n: O(n log n) if bounded",
            f"{worst:.2f}",
            "1.00",
            worst,
            "≤ 2",
            verdict(worst <= 2),
        )
    )
    return rows


# -- 4. JSON -------------------------------------------------------------------------------


def bench_json(settings: Settings) -> list[Row]:
    """Load and dump catalog documents against pydantic v2 and msgspec models.

    No target: the old one (load within 1.5x of pydantic) measured a once-per-process cost
    of about 2 ms and bought a second copy of every rule (issue 11); the ratios are shown.
    """
    from importlib import resources

    import synthetic

    from painmodalities import Catalog, from_json, to_json

    documents = {
        "built-in catalog": resources.files("painmodalities")
        .joinpath("data/catalog.json")
        .read_text("utf-8"),
        f"{settings.json_size:,}-modality catalog": to_json(synthetic.catalog(settings.json_size)),
    }
    absent = missing("pydantic", "msgspec")
    rows = []
    for label, text in documents.items():
        loaders: dict[str, Callable[[], object]] = {"ours": lambda t=text: from_json(t, Catalog)}
        ours_obj = from_json(text, Catalog)
        dumpers: dict[str, Callable[[], object]] = {"ours": lambda o=ours_obj: to_json(o)}
        if not absent:
            import models_msgspec
            import models_pydantic

            for name, module in (("pydantic", models_pydantic), ("msgspec", models_msgspec)):
                loaded = module.load(text)
                if len(loaded.modalities) != len(ours_obj.modalities):
                    raise AssertionError(f"{name} read a different catalog")
                loaders[name] = lambda t=text, m=module: m.load(t)
                dumpers[name] = lambda o=loaded, m=module: m.dump(o)
        repeat = settings.repeat if len(text) < 1_000_000 else 7
        loads = interleaved(loaders, repeat)
        dumps = interleaved(dumpers, repeat)
        kb = len(text.encode()) / 1024
        if absent:
            rows.append(
                Row(
                    "json",
                    f"load {label} ({kb:.0f} KiB; {', '.join(absent)} not installed)",
                    show(median(loads["ours"])),
                    "-",
                    None,
                    "",
                    "SKIPPED",
                )
            )
            continue
        for name in ("pydantic", "msgspec"):
            ratio = paired_ratio(loads["ours"], loads[name])
            rows.append(
                Row(
                    "json",
                    f"load {label} ({kb:.0f} KiB), full validation, vs {name}",
                    show(median(loads["ours"])),
                    show(median(loads[name])),
                    ratio,
                    "",
                    "INFO",
                )
            )
        rows += [
            Row(
                "json",
                f"dump {label} vs {name}",
                show(median(dumps["ours"])),
                show(median(dumps[name])),
                paired_ratio(dumps["ours"], dumps[name]),
                "",
                "INFO",
            )
            for name in ("pydantic", "msgspec")
        ]
    return rows


# -- report --------------------------------------------------------------------------------

# -- 6. care plans, stability and acceptability (issue 14) -----------------------------------

#: Targets of issue 14, on one core, for the built-in catalog.
STABILITY_LIMIT = 1e-3
ACCEPTABILITY_LIMIT = 1.0
#: Steps per weight of the brute-force stability sweep.
SWEEP_STEPS = 50


def bench_plans(settings: Settings) -> list[Row]:
    """plan() cold and warm, stability() against a sweep, acceptability(10_000)."""
    import attrs

    from painmodalities import (
        Catalog,
        Criterion,
        Weights,
        acceptability,
        default_catalog,
        plan,
        rank,
        stability,
    )

    catalog = default_catalog()
    pain = "neck:chronic"

    def fresh() -> Catalog:
        return Catalog(modalities=catalog.modalities, sources=catalog.sources)

    ranking = rank(pain, catalog=catalog)
    first = {option.modality.id for option in ranking if option.rank == 1}

    def sweep() -> object:
        # The same weights, one at a time over a grid: re-rank at every step.
        changed = []
        for criterion in Criterion:
            for step in range(1, SWEEP_STEPS + 1):
                moved = attrs.evolve(Weights(), **{criterion.value: step / 10})
                found = rank(pain, catalog=catalog, weights=moved)
                if {option.modality.id for option in found if option.rank == 1} != first:
                    changed.append((criterion, step))
        return changed

    samples = interleaved(
        {
            "plan_warm": lambda: plan(pain, catalog=catalog),
            "rank_warm": lambda: rank(pain, catalog=catalog),
            "plan_cold": lambda: plan(pain, catalog=fresh()),
            "catalog_copy": fresh,
            "stability": lambda: stability(ranking),
            "sweep": sweep,
        },
        settings.repeat,
    )
    stable = median(samples["stability"])
    draws = 1_000 if settings.quick else 10_000
    weights_drawn = [
        Weights(function=0.1 + index * 1e-6, durability=0.3, activity=0.2, pain=0.4)
        for index in range(draws)
    ]

    def naive() -> object:
        # SMAA by brute force: one rank() call (a cache miss) per weight vector.
        return [rank(pain, catalog=catalog, weights=w).ids for w in weights_drawn]

    smaa = interleaved(
        {"ours": lambda: acceptability(pain, samples=draws), "naive": naive},
        max(1, min(settings.repeat, 3)),
        budget=0,
    )
    accept = median(smaa["ours"])
    return [
        Row(
            "plans",
            "warm `plan()`, built-in catalog, neck:chronic, vs warm `rank()` it builds on",
            show(median(samples["plan_warm"])),
            show(median(samples["rank_warm"])),
            paired_ratio(samples["plan_warm"], samples["rank_warm"]),
            "",
            "INFO",
        ),
        Row(
            "plans",
            "cold `plan()` (a new catalog each call: nothing cached) vs the catalog copy alone",
            show(median(samples["plan_cold"])),
            show(median(samples["catalog_copy"])),
            paired_ratio(samples["plan_cold"], samples["catalog_copy"]),
            "",
            "INFO",
        ),
        Row(
            "plans",
            f"`stability()` (exact) vs a brute-force sweep of the same weights "
            f"({SWEEP_STEPS} steps per weight, re-ranked)",
            show(stable),
            show(median(samples["sweep"])),
            paired_ratio(samples["stability"], samples["sweep"]),
            "< 1 ms",
            verdict(stable < STABILITY_LIMIT),
        ),
        Row(
            "plans",
            f"`acceptability(samples={draws})`, built-in catalog, vs {draws} `rank()` calls "
            "with other weights (SMAA by brute force)",
            show(accept),
            show(median(smaa["naive"])),
            paired_ratio(smaa["ours"], smaa["naive"]),
            "< 1 s" if not settings.quick else "",
            verdict(accept < ACCEPTABILITY_LIMIT) if not settings.quick else "INFO",
        ),
    ]


SECTIONS: dict[str, Callable[[Settings], list[Row]]] = {
    "import": bench_import,
    "ranking": bench_ranking,
    "cohort": bench_cohort,
    "scaling": bench_scaling,
    "json": bench_json,
    "plans": bench_plans,
}


def versions() -> dict[str, str]:
    found = {}
    for name in (
        "painmodalities",
        "attrs",
        "cattrs",
        "orjson",
        "pydantic",
        "msgspec",
        "scikit-criteria",
        "pymcdm",
        "numpy",
    ):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = (
        ", ".join(f"{value:.1f}" for value in os.getloadavg())
        if hasattr(os, "getloadavg")
        else "?"
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average at start {load}"
    )


def ratio_text(row: Row) -> str:
    return "-" if row.ratio is None else f"{row.ratio:.2f}"


def table(rows: list[Row], settings: Settings, header: str) -> str:
    lines = [
        header,
        "",
        "| section | measure | ours | baseline | ratio | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.section} | {r.measure} | {r.ours} | {r.baseline} | {ratio_text(r)} | "
        f"{r.target or '-'} | {r.status} |"
        for r in rows
    ]
    lines.append("")
    mode = "quick" if settings.quick else "full"
    lines.append(f"Mode: {mode}. Generated by `python benchmarks/run.py`.")
    return "\n".join(lines)


def rewrite(path: Path, block: str) -> None:
    """Replace the text between the result markers of ``path`` with ``block``."""
    text = path.read_text("utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no {START} ... {END} markers")
    path.write_text(pattern.sub(lambda _: f"{START}\n{block}\n{END}", text), "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few iterations, small inputs")
    parser.add_argument("--write", type=Path, help="Markdown file whose results to rewrite")
    parser.add_argument("--json", type=Path, help="write every row as JSON here")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    parser.add_argument("--worker-cohort", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_cohort:
        print(json.dumps(cohort_worker(*args.worker_cohort)))
        return 0
    warnings.simplefilter("ignore")  # the baselines' deprecation chatter is not ours
    settings = QUICK if args.quick else FULL
    header = (
        f"Machine: {machine()}.  \n"
        f"Versions: {', '.join(f'{k} {v}' for k, v in versions().items())}.  \n"
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."
    )
    print(header.replace("  \n", "\n"))
    rows: list[Row] = []
    for name, bench in SECTIONS.items():
        if args.only and name not in args.only:
            continue
        started = time.perf_counter()
        found = bench(settings)
        rows += found
        for row in found:
            print(
                f"{row.status:7} {row.section:8} {row.measure}: ours {row.ours}, "
                f"baseline {row.baseline}, ratio {ratio_text(row)}, target {row.target or '-'}"
            )
        print(f"        ({name}: {time.perf_counter() - started:.1f} s)", flush=True)
    # Only a full run of every section replaces the published table by default.
    partial = args.quick or bool(args.only)
    target = args.write or (None if partial else ROOT / "docs" / "performance.md")
    if target is not None:
        rewrite(target, table(rows, settings, header))
        print(f"wrote {target}")
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=2), "utf-8")
    failed = [row for row in rows if row.status == "FAIL"]
    print(f"{len(rows)} rows: {sum(r.status == 'PASS' for r in rows)} PASS, {len(failed)} FAIL")
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
