"""Reading a FHIR Bulk Data export: its files, its lines, each resource keyed by its patient.

An export (a directory of ``.ndjson`` files, or the ``$export`` manifest that lists them) is
read once, line by line, into staging Parquet files of the resources the measures read,
each keyed by its patient: one part file per file of the export
(``resources/part-NNNNN.parquet``), which the engines read as one table, so that they read
the same resources with the same checks. The files are staged apart (each by
:func:`stage_file`, streaming, with its own counts), so that they can be staged at once on
several cores: in a pool of processes for DuckDB, in Spark's tasks for Spark. Nothing is
dropped silently: every line not used is either an error (with its file and line) or a
counted skip.
"""

import functools
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlparse

import attrs
import orjson

from painmodalities._json_text import MAX_DOCUMENT_BYTES, parse_json, read_json
from painmodalities.errors import Problem, ValidationError, invalid
from painmodalities.fhir._patients import _patient_id  # the reader's own reference rule
from painmodalities.population._measures import PatientSkip
from painmodalities.population._skips import SkipTally

__all__ = [
    "LINE_BITS",
    "PARTS",
    "READ_TYPES",
    "Runner",
    "Staged",
    "StagedFile",
    "export_files",
    "export_size",
    "stage",
    "stage_file",
]

#: The resource types the measures read (the single-patient import reads the same).
READ_TYPES: Final = frozenset({"Patient", "Condition", "Procedure", "ServiceRequest"})
#: The staging directory's folder of part files, one per file of the export.
PARTS: Final = "resources"
#: A staged resource's ``seq`` is its file's index times 2**40, plus its line number.
LINE_BITS: Final = 40
_BATCH: Final = 20_000
_CLIP: Final = 60

#: Runs a function on each of a list of tasks (each picklable) and gives the results in the
#: tasks' order: ``map`` in this process, a process pool's, or Spark's tasks.
Runner = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


@attrs.frozen(kw_only=True)
class Staged:
    """An export read into the staging files.

    Attributes:
        path: the folder of staging Parquet files, one per file of the export, read as one
            table (columns ``patient``, ``rtype``, ``rid``, ``place``, ``seq``, ``resource``
            and its SHA-256 ``digest``, which the engines compare instead of the resources
            themselves). ``seq`` orders the resources as the export does: by file, then
            line.
        files: the export's files, in reading order.
        lines: how many lines were read.
        resources: how many resources were staged.
        not_read: how many resources of each other type were read and left alone.
        skips: what was skipped.
    """

    path: Path
    files: tuple[str, ...]
    lines: int
    resources: int
    not_read: tuple[tuple[str, int], ...]
    skips: SkipTally = attrs.field(eq=False)


@attrs.frozen(kw_only=True)
class StagedFile:
    """One file of the export, staged: its counts (merged into :class:`Staged`)."""

    lines: int
    resources: int
    not_read: tuple[tuple[str, int], ...]
    skips: SkipTally = attrs.field(eq=False)


def _manifest_files(manifest: Path) -> list[Path]:
    document = read_json(
        manifest,
        unreadable=lambda path, why: Problem(
            "$", f"a readable $export manifest ({why})", path, "file"
        ),
        kinds="an $export manifest file",
    )
    outputs = document.get("output") if isinstance(document, dict) else None
    if not isinstance(outputs, list):
        raise invalid(f"{manifest}: $.output", "a list of {type, url}", outputs, "manifest")
    found: list[Path] = []
    for index, output in enumerate(outputs):
        url = output.get("url") if isinstance(output, dict) else None
        if not isinstance(url, str) or not url:
            raise invalid(f"{manifest}: $.output[{index}].url", "a file URL", url, "manifest")
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https"):  # downloaded next to the manifest
            local = manifest.parent / Path(unquote(parsed.path)).name
        elif parsed.scheme == "file":
            local = Path(unquote(parsed.path))
        else:
            local = manifest.parent / url
        if not local.is_file():
            raise invalid(
                f"{manifest}: $.output[{index}].url",
                "a file of the export, next to the manifest",
                url,
                "missing_file",
            )
        found.append(local)
    return found


def export_files(bulk: str | os.PathLike[str]) -> list[Path]:
    """The NDJSON files of an export: a directory's ``*.ndjson``, or a manifest's outputs.

    Raises:
        ValidationError: for a path that is neither, a manifest that is not one, or a
            directory with no ``.ndjson`` file.
    """
    path = Path(bulk)
    if path.is_dir():
        files = sorted(path.glob("*.ndjson"))
        if not files:
            raise invalid(str(path), "a directory of .ndjson files", "none found", "empty")
        return files
    if path.is_file():
        return _manifest_files(path)
    raise invalid(str(path), "a directory of .ndjson files or an $export manifest", "", "file")


def _lines(path: Path, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Each line of ``path`` with its number; ``None`` for a line over ``limit`` bytes."""
    with path.open("rb") as handle:
        number = 0
        while True:
            line = handle.readline(limit + 1)
            if not line:
                return
            number += 1
            if len(line) > limit and not line.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                yield number, None
            else:
                yield number, line


def _clip(line: bytes) -> str:
    return line[:_CLIP].decode("utf-8", "replace")


def _key(resource: dict[str, Any]) -> str | None:
    """The id of the patient a resource belongs to, by the reader's reference rule."""
    if resource.get("resourceType") == "Patient":
        given = resource.get("id")
        return given if isinstance(given, str) and _patient_id(f"Patient/{given}") else None
    subject = resource.get("subject")
    reference = subject.get("reference") if isinstance(subject, dict) else None
    return _patient_id(reference) if isinstance(reference, str) else None


class _Writer:
    """The staging file, written a batch at a time."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)
        import pyarrow.parquet as pq  # noqa: PLC0415 (an extra's, where used)

        self._pa = pa
        self.schema = pa.schema(
            [
                ("patient", pa.string()),
                ("rtype", pa.string()),
                ("rid", pa.string()),
                ("place", pa.string()),
                ("seq", pa.int64()),
                ("resource", pa.binary()),
                ("digest", pa.binary()),
            ]
        )
        self._writer = pq.ParquetWriter(path, self.schema)
        self._rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        columns: list[Any] = list(zip(*self._rows, strict=True)) if self._rows else [()] * 7
        self._writer.write_table(
            self._pa.Table.from_arrays(
                [
                    self._pa.array(column, type=field.type)
                    for column, field in zip(columns, self.schema, strict=True)
                ],
                schema=self.schema,
            )
        )
        self._rows = []

    def close(self) -> None:
        self.flush()
        self._writer.close()


def stage_file(task: tuple[int, str], staging: str, max_line_bytes: int) -> StagedFile:
    """Stage file ``task`` (its index in the export, its path) into its part file.

    The file is read a line at a time and written a batch at a time: memory does not grow
    with it. A first line that is not a JSON object means the file is not NDJSON: an error
    with its file and line. After that, a line that is not JSON (a truncated line), a line
    over ``max_line_bytes``, a resource with no subject naming a Patient and a Patient with
    no id are skipped and counted; other resource types are counted as not read.

    Raises:
        ValidationError: for a file that is not NDJSON, or one that cannot be read.
    """
    index, name = task
    path = Path(name)
    writer = _Writer(Path(staging) / PARTS / f"part-{index:05d}.parquet")
    skips = SkipTally()
    not_read: Counter[str] = Counter()
    lines = 0
    base = index << LINE_BITS

    def skip(rule: str, where: str, detail: str) -> None:
        skips.add((PatientSkip(rule=rule, where=where, detail=detail),))

    try:
        first = True
        for number, line in _lines(path, max_line_bytes):
            lines += 1
            where = f"{path.name}:{number}"
            if line is None:
                skip("oversized_line", where, f"a line over {max_line_bytes} bytes: not read")
                first = False
                continue
            if not line.strip():
                continue
            why = "not a JSON object"
            try:
                resource = parse_json(line)
            except ValidationError as error:
                resource, why = None, f"not JSON ({error.expected})"
            if not isinstance(resource, dict):
                if first:
                    raise invalid(
                        where,
                        "NDJSON: one FHIR resource (a JSON object) per line",
                        _clip(line),
                        "not_ndjson",
                    )
                skip("truncated_line", where, f"{why} (a truncated line?): {_clip(line)!r}")
                continue
            first = False
            kind = resource.get("resourceType")
            if kind not in READ_TYPES:
                not_read[str(kind)] += 1
                continue
            patient = _key(resource)
            if patient is None:
                skip(
                    "no_id" if kind == "Patient" else "no_subject",
                    where,
                    "a Patient with no valid id: not read"
                    if kind == "Patient"
                    else f"a {kind} with no subject naming a Patient: not read",
                )
                continue
            rid = resource.get("id")
            text = orjson.dumps(resource)
            writer.add(
                (
                    patient,
                    kind,
                    rid if isinstance(rid, str) else None,
                    where,
                    base + number,
                    text,
                    hashlib.sha256(text).digest(),
                )
            )
    except OSError as error:
        raise invalid(
            str(error.filename), "a readable NDJSON file", error.strerror, "file"
        ) from None
    finally:
        writer.close()
    return StagedFile(
        lines=lines,
        resources=writer.count,
        not_read=tuple(sorted(not_read.items())),
        skips=skips,
    )


def _staged_or_error(
    task: tuple[int, str], staging: str, max_line_bytes: int
) -> StagedFile | ValidationError:
    """:func:`stage_file`, its error given back as a value (to cross a task's boundary)."""
    try:
        return stage_file(task, staging, max_line_bytes)
    except ValidationError as error:
        return error


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # staging it says why
        return 0


def export_size(files: list[Path]) -> int:
    """How many bytes ``files`` hold (a file that cannot be read counts 0: staging says why)."""
    return sum(map(_size, files))


def stage(
    files: list[Path],
    staging: Path,
    *,
    run: Runner | None = None,
    max_line_bytes: int = MAX_DOCUMENT_BYTES,
) -> Staged:
    """Stage ``files`` into ``staging/resources/``, keyed by patient, one part per file.

    Each file is staged by :func:`stage_file`, the tasks handed to ``run`` (``None``: one
    after the other in this process) largest file first, so that several cores finish
    together. The counts and skips are merged in the export's order, and the first file (in
    that order) with an error raises it, as one pass over the files would.

    Raises:
        ValidationError: for a file that is not NDJSON, or one that cannot be read.
    """
    (staging / PARTS).mkdir(parents=True, exist_ok=True)
    for earlier in (staging / PARTS).glob("part-*.parquet"):  # a staging directory reused
        earlier.unlink()
    tasks = sorted(enumerate(map(str, files)), key=lambda task: -_size(Path(task[1])))
    work = functools.partial(_staged_or_error, staging=str(staging), max_line_bytes=max_line_bytes)
    results = list(map(work, tasks)) if run is None else run(work, tasks)
    done = dict(zip((index for index, _ in tasks), results, strict=True))
    found = [done[index] for index in range(len(files))]
    for each in found:
        if isinstance(each, ValidationError):
            raise each
    staged = [each for each in found if isinstance(each, StagedFile)]
    skips, not_read = SkipTally(), Counter[str]()
    for each in staged:
        skips.merge(each.skips)
        not_read.update(dict(each.not_read))
    return Staged(
        path=staging / PARTS,
        files=tuple(path.name for path in files),
        lines=sum(each.lines for each in staged),
        resources=sum(each.resources for each in staged),
        not_read=tuple(sorted(not_read.items())),
        skips=skips,
    )
