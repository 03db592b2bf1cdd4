"""The per-patient function over staged resources sorted by patient: what every engine runs.

The engines sort the staged resources by patient and hand the sorted record batches to
:func:`grouped`, which cuts them into patients and runs :func:`read_patient` on each. The rows
and skips come out in one Arrow schema (:func:`result_schema`).
"""

import datetime
import itertools
import operator
from collections.abc import Iterable, Iterator
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

__all__ = [
    "BATCH_ROWS",
    "ROW_FIELDS",
    "SKIP_FIELDS",
    "Options",
    "grouped",
    "result_schema",
    "row_schema",
]

#: The result schema's columns: a row's fields, then a skip's.
ROW_FIELDS: Final = tuple(field.name for field in attrs.fields(PatientRow))
SKIP_FIELDS: Final = ("skip_rule", "skip_where", "skip_detail")
_ROW_VALUES: Final = operator.attrgetter(*ROW_FIELDS)
_PAIN_TYPE: Final = operator.attrgetter("pain_type")
_STAGED: Final = ("patient", "rtype", "rid", "place", "resource")
_PATIENT: Final = operator.itemgetter(0)
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
    return pa.schema([schema.field(name) for name in ROW_FIELDS])


def result_schema() -> Any:
    """The Arrow schema of the engines' output: a row's fields, then a skip's."""
    import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

    types = {bool: pa.bool_(), str: pa.string()}
    return pa.schema(
        [(field.name, types[field.type]) for field in attrs.fields(PatientRow)]  # type: ignore[index]
        + [(name, pa.string()) for name in SKIP_FIELDS]
    )


def _patient(
    patient: str,
    group: Iterable[tuple[str, str, str | None, str, bytes]],
    options: Options,
    plans: _Plans,
) -> PatientResult:
    """One patient's result, from their staged resources (:data:`_STAGED`) in export order."""
    seen: set[tuple[str, str]] = set()
    resources, places, duplicates = [], [], []
    for _, rtype, rid, place, resource in group:
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


def _columns(records: list[Any], width: int) -> list[Any]:
    """``records`` (tuples of ``width`` values) column by column."""
    return list(zip(*records, strict=True)) if records else [()] * width


class _Out:
    """The results of a run of patients, gathered column by column into record batches."""

    def __init__(self) -> None:
        import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

        self._pa = pa
        self._schema = result_schema()
        self.rows: list[tuple[Any, ...]] = []
        self.skips: list[tuple[str, str, str]] = []

    def add(self, result: PatientResult) -> None:
        # By pain type as written, the order every engine's output has (DuckDB's and Arrow's
        # sort compare strings by their bytes, as Python compares them by code points).
        rows = result.rows
        if len(rows) > 1:
            rows = tuple(sorted(rows, key=_PAIN_TYPE))
        self.rows.extend(map(_ROW_VALUES, rows))
        self.skips.extend((skip.rule, skip.where, skip.detail) for skip in result.skips)

    def __len__(self) -> int:
        return len(self.rows) + len(self.skips)

    def batch(self) -> Any:
        """The results gathered so far (the rows, then the skips), as one record batch."""
        pa, rows, skips = self._pa, self.rows, self.skips
        self.rows, self.skips = [], []
        row_columns = _columns(rows, len(ROW_FIELDS))
        skip_columns = _columns(skips, len(SKIP_FIELDS))
        no_rows, no_skips = [None] * len(skips), [None] * len(rows)
        columns = [[*column, *no_rows] for column in row_columns] + [
            [*no_skips, *column] for column in skip_columns
        ]
        return pa.RecordBatch.from_arrays(
            [
                pa.array(column, type=field.type)
                for column, field in zip(columns, self._schema, strict=True)
            ],
            schema=self._schema,
        )


def grouped(batches: Iterator[Any], options: Options) -> Iterator[Any]:
    """The results of the patients in ``batches``, staged resources sorted by patient.

    A patient's resources may straddle batches: the last patient of a batch is finished
    with the next one. Yields record batches of :func:`result_schema`: in each, the rows
    (by patient, then pain type), then the skips.
    """
    plans = _Plans(default_catalog() if options.catalog is None else options.catalog)
    out = _Out()
    for patient, group in itertools.groupby(_staged(batches), key=_PATIENT):
        out.add(_patient(patient, group, options, plans))
        if len(out) >= BATCH_ROWS:
            yield out.batch()
    if len(out):
        yield out.batch()


def _staged(batches: Iterator[Any]) -> Iterator[tuple[str, str, str | None, str, bytes]]:
    """Each staged resource of ``batches``, as a tuple of the :data:`_STAGED` columns."""
    for batch in batches:
        yield from zip(*(batch.column(name).to_pylist() for name in _STAGED), strict=True)
