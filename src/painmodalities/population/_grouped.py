"""The per-patient function over staged resources sorted by patient: what every engine runs.

The engines sort the staged resources by patient and hand the sorted record batches to
:func:`grouped`, which cuts them into patients and runs :func:`read_patient` on each. The rows
and skips come out in one Arrow schema (:func:`result_schema`).
"""

import datetime
from collections.abc import Iterator
from typing import Any, Final, Literal

import attrs
import orjson

from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog
from painmodalities.population._measures import (
    PatientResult,
    PatientRow,
    PatientSkip,
    _Plans,
    read_patient,
)

__all__ = ["BATCH_ROWS", "Options", "grouped", "result_schema", "row_schema"]

_ROW_FIELDS: Final = tuple(field.name for field in attrs.fields(PatientRow))
_SKIP_FIELDS: Final = ("skip_rule", "skip_where", "skip_detail")
#: How many resources or results an Arrow record batch holds.
BATCH_ROWS: Final = 4096


@attrs.frozen(kw_only=True)
class Options:
    """What every patient is read with (sent to Spark's workers, so it pickles)."""

    as_of: datetime.date
    lookback_months: int
    catalog: Catalog | None = None
    validate: Literal["resources", "elements"] = "elements"


def row_schema() -> Any:
    """The Arrow schema of the rows: a :class:`PatientRow`'s fields."""
    import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

    schema = result_schema()
    return pa.schema([schema.field(name) for name in _ROW_FIELDS])


def result_schema() -> Any:
    """The Arrow schema of the engines' output: a row's fields, then a skip's."""
    import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

    types = {bool: pa.bool_(), str: pa.string()}
    return pa.schema(
        [(field.name, types[field.type]) for field in attrs.fields(PatientRow)]  # type: ignore[index]
        + [(name, pa.string()) for name in _SKIP_FIELDS]
    )


def _records(result: PatientResult) -> Iterator[dict[str, Any]]:
    # By pain type as written, the order every engine's output has (DuckDB's and Arrow's
    # sort compare strings by their bytes, as Python compares them by code points).
    for row in sorted(result.rows, key=lambda row: row.pain_type):
        yield attrs.asdict(row)
    for skip in result.skips:
        yield {"skip_rule": skip.rule, "skip_where": skip.where, "skip_detail": skip.detail}


def _patient(
    patient: str, group: list[tuple[str, str | None, str, bytes]], options: Options, plans: _Plans
) -> PatientResult:
    """One patient's result, from their staged resources in export order."""
    seen: set[tuple[str, str]] = set()
    resources, places, duplicates = [], [], []
    for rtype, rid, place, resource in group:
        if rid is not None:
            if (rtype, rid) in seen:  # identical: CONFLICTS found no two that differ
                duplicates.append(
                    PatientSkip(
                        rule="duplicate",
                        where=place,
                        detail=f"{rtype}/{rid} again, identical: read once",
                    )
                )
                continue
            seen.add((rtype, rid))
        resources.append(orjson.loads(resource))
        places.append(place)
    found = read_patient(
        patient,
        resources,
        as_of=options.as_of,
        lookback_months=options.lookback_months,
        places=places,
        catalog=options.catalog,
        plans=plans,
        validate=options.validate,
    )
    return PatientResult(rows=found.rows, skips=(*found.skips, *duplicates))


def grouped(batches: Iterator[Any], options: Options) -> Iterator[Any]:
    """The results of the patients in ``batches``, staged resources sorted by patient.

    A patient's resources may straddle batches: the last patient of a batch is finished
    with the next one. Yields record batches of :func:`result_schema`.
    """
    import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

    schema = result_schema()
    plans = _Plans(default_catalog() if options.catalog is None else options.catalog)
    out: list[dict[str, Any]] = []
    current: str | None = None
    group: list[tuple[str, str | None, str, bytes]] = []
    for batch in batches:
        columns = [
            batch.column(name).to_pylist()
            for name in ("patient", "rtype", "rid", "place", "resource")
        ]
        for patient, rtype, rid, place, resource in zip(*columns, strict=True):
            if patient != current:
                if current is not None:
                    out.extend(_records(_patient(current, group, options, plans)))
                current, group = patient, []
            group.append((rtype, rid, place, resource))
        if len(out) >= BATCH_ROWS:
            yield pa.RecordBatch.from_pylist(out, schema=schema)
            out = []
    if current is not None:
        out.extend(_records(_patient(current, group, options, plans)))
    if out:
        yield pa.RecordBatch.from_pylist(out, schema=schema)
