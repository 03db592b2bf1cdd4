"""The engines' output as it streams in: rows written out, measures counted, skips counted.

Nothing here grows with the number of patients unless the caller keeps the rows: the rows go
to a Parquet or CSV file batch by batch, the measures and the skips are counted, and only a
bounded number of skips is kept as examples (the first of each rule in a fixed order, so
that every engine keeps the same ones).
"""

import os
from collections import Counter
from pathlib import Path
from typing import Any

from painmodalities.errors import invalid
from painmodalities.population._grouped import ROW_FIELDS, SKIP_FIELDS
from painmodalities.population._measures import MEASURES, PatientSkip
from painmodalities.population._skips import SkipTally

__all__ = ["Results"]


class _Rows:
    """The rows file, written a batch at a time (Parquet for ``.parquet``, else CSV)."""

    def __init__(self, path: Path, schema: Any, suffix: str) -> None:
        import pyarrow.parquet as pq  # noqa: PLC0415 (an extra's, where used)
        from pyarrow import csv  # noqa: PLC0415 (an extra's, where used)

        try:
            self._writer: Any = (
                pq.ParquetWriter(path, schema)
                if suffix == ".parquet"
                else csv.CSVWriter(path, schema)
            )
        except OSError as error:
            where = str(path.parent / path.name.removeprefix(".").removesuffix(".partial"))
            raise invalid("$.rows_to", "a file that can be written", where, "file") from error

    def write(self, batch: Any) -> None:
        self._writer.write_batch(batch)

    def close(self) -> None:
        self._writer.close()


class Results:
    """What the engines' output adds up to, taken a record batch at a time.

    The batches (of the engines' result schema: a row's fields, then a skip's) must come
    with the rows by patient, then pain type: every engine gives them so.
    """

    def __init__(
        self, *, rows_to: str | os.PathLike[str] | None, keep_rows: bool, row_schema: Any
    ) -> None:
        self._schema = row_schema
        self.rows_file = None if rows_to is None else Path(rows_to)
        # Written beside the target and moved onto it once complete: a run that fails
        # leaves no partial file of personal data, and no earlier file half overwritten.
        self._partial = (
            None
            if self.rows_file is None
            else self.rows_file.with_name(f".{self.rows_file.name}.partial")
        )
        self._file = (
            None
            if self._partial is None or self.rows_file is None
            else _Rows(self._partial, row_schema, self.rows_file.suffix)
        )
        self._kept: list[Any] | None = [] if keep_rows else None
        self.row_count = 0
        self.patients = 0
        self._last: str | None = None
        self.denominators: Counter[str] = Counter()
        self.numerators: Counter[tuple[str, str]] = Counter()
        self.skips = SkipTally()

    def add(self, batch: Any) -> None:
        """Take one record batch of the engines' output."""
        import pyarrow.compute as pc  # noqa: PLC0415 (an extra's, where used)

        is_row = pc.is_null(batch.column("skip_rule"))
        skips = batch.filter(pc.invert(is_row))
        if skips.num_rows:
            self.skips.add(
                PatientSkip(rule=rule, where=where, detail=detail)
                for rule, where, detail in zip(
                    *(skips.column(name).to_pylist() for name in SKIP_FIELDS), strict=True
                )
            )
        rows = batch.filter(is_row).select(list(ROW_FIELDS))
        if not rows.num_rows:
            return
        rows = rows.cast(self._schema)
        self._count(rows)
        if self._file is not None:
            self._file.write(rows)
        if self._kept is not None:
            self._kept.append(rows)

    def _count(self, rows: Any) -> None:
        pain_types = rows.column("pain_type").to_pylist()
        self.row_count += len(pain_types)
        for patient in rows.column("patient").to_pylist():
            if patient != self._last:
                self.patients += 1
                self._last = patient
        self.denominators.update(pain_types)
        for measure in MEASURES:
            self.numerators.update(
                (measure.id, pain_type)
                for pain_type, met in zip(
                    pain_types, rows.column(measure.id).to_pylist(), strict=True
                )
                if met
            )

    def close(self, *, complete: bool) -> None:
        """Close the rows file: moved onto ``rows_to`` if ``complete``, else removed."""
        if self._file is None or self._partial is None or self.rows_file is None:
            return
        self._file.close()
        self._file = None
        if complete:
            self._partial.replace(self.rows_file)
        else:
            self._partial.unlink(missing_ok=True)

    def kept_rows(self) -> Any:
        """The rows kept, as one ``pyarrow.Table`` (``None`` when not kept)."""
        import pyarrow as pa  # noqa: PLC0415 (an extra's, where used)

        if self._kept is None:
            return None
        return pa.Table.from_batches(self._kept, schema=self._schema)
