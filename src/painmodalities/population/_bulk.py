"""Reading a FHIR Bulk Data export: its files, its lines, each resource keyed by its patient.

An export (a directory of ``.ndjson`` files, or the ``$export`` manifest that lists them) is
read once, line by line, into a staging Parquet file of the resources the measures read,
each keyed by its patient: both engines group that same file, so they read the same
resources with the same checks. Nothing is dropped silently: every line not used is either
an error (with its file and line) or a counted skip.
"""

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlparse

import attrs
import orjson

from painmodalities._json_text import MAX_DOCUMENT_BYTES, parse_json, read_json
from painmodalities.errors import Problem, ValidationError, invalid
from painmodalities.fhir._patients import _patient_id  # the reader's own reference rule
from painmodalities.population._measures import PatientSkip

__all__ = ["READ_TYPES", "Staged", "export_files", "stage"]

#: The resource types the measures read (the single-patient import reads the same).
READ_TYPES: Final = frozenset({"Patient", "Condition", "Procedure", "ServiceRequest"})
_BATCH: Final = 20_000
_CLIP: Final = 60


@attrs.frozen(kw_only=True)
class Staged:
    """An export read into the staging file.

    Attributes:
        path: the staging Parquet file (columns ``patient``, ``rtype``, ``rid``, ``place``,
            ``seq``, ``resource`` and its SHA-256 ``digest``, which the engines compare
            instead of the resources themselves).
        files: the export's files, in reading order.
        lines: how many lines were read.
        resources: how many resources were staged.
        not_read: how many resources of each other type were read and left alone.
    """

    path: Path
    files: tuple[str, ...]
    lines: int
    resources: int
    not_read: tuple[tuple[str, int], ...]


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


class _Skips:
    """What staging skips, handed on a batch at a time (counted there, not held here)."""

    def __init__(self, skipped: Callable[[list[PatientSkip]], None]) -> None:
        self._skipped = skipped
        self._skips: list[PatientSkip] = []

    def __call__(self, rule: str, where: str, detail: str) -> None:
        self._skips.append(PatientSkip(rule=rule, where=where, detail=detail))
        if len(self._skips) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        self._skipped(self._skips)
        self._skips = []


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


def stage(
    files: list[Path],
    staging: Path,
    skipped: Callable[[list[PatientSkip]], None],
    *,
    max_line_bytes: int = MAX_DOCUMENT_BYTES,
) -> Staged:
    """Read ``files`` into ``staging/resources.parquet``, keyed by patient.

    What is skipped goes to ``skipped`` a list at a time (at most one per staging batch):
    it is counted there, not held here.

    A file whose first line is not a JSON object is not NDJSON: an error with its file and
    line. After that, a line that is not JSON (a truncated line), a line over
    ``max_line_bytes``, a resource with no subject naming a Patient and a Patient with no
    id are skipped and counted; other resource types are counted as not read.

    Raises:
        ValidationError: for a file that is not NDJSON, or one that cannot be read.
    """
    target = staging / "resources.parquet"
    writer = _Writer(target)
    skip = _Skips(skipped)
    not_read: Counter[str] = Counter()
    lines = seq = 0
    try:
        for path in files:
            first, name = True, path.name
            for number, line in _lines(path, max_line_bytes):
                lines += 1
                where = f"{name}:{number}"
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
                seq += 1
                text = orjson.dumps(resource)
                writer.add(
                    (
                        patient,
                        kind,
                        rid if isinstance(rid, str) else None,
                        where,
                        seq,
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
    skip.flush()
    return Staged(
        path=target,
        files=tuple(path.name for path in files),
        lines=lines,
        resources=writer.count,
        not_read=tuple(sorted(not_read.items())),
    )
