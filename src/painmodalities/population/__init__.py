"""Population care-gap reports from a FHIR Bulk Data export: DuckDB on one machine, Spark beyond.

Needs the ``population`` extra (DuckDB, pyarrow) or the ``spark`` extra (PySpark, which needs
a Java 17+ runtime), and the ``fhir`` extra: each patient is read by the single-patient FHIR
import (:func:`painmodalities.fhir.read_bundle`) and planned with :func:`painmodalities.plan`.
This package imports the core; the core never imports it.

- :func:`population_report` reads an export (a directory of ``.ndjson`` files or an
  ``$export`` manifest) and gives a :class:`PopulationReport`: one :class:`PatientRow` per
  patient and pain type, the :data:`MEASURES` counted per pain type
  (:class:`MeasureCount`), and every line or resource it did not use, counted by rule with
  examples (:class:`PatientSkip`, :data:`SKIP_EXAMPLES` of each rule). The rows are written
  to a file as they are made (``rows_to``): memory does not grow with the export.
- :meth:`PopulationReport.measure_report` writes the counts as a FHIR R4B ``MeasureReport``.
- :func:`read_patient` is the pure per-patient function the engines run.
- :func:`plot_report` draws the report: a bar chart per pain type (the ``plot`` extra).
- :func:`write_synthetic_export` writes a seeded synthetic export for tests and benchmarks.
"""

from painmodalities.population._measures import (
    DEFAULT_LOOKBACK_MONTHS,
    MEASURES,
    Measure,
    PatientResult,
    PatientRow,
    PatientSkip,
    lookback_start,
    read_patient,
)
from painmodalities.population._plot import plot_report
from painmodalities.population._report import (
    MEASURE_URL,
    MeasureCount,
    PopulationReport,
    population_report,
)
from painmodalities.population._skips import SKIP_EXAMPLES
from painmodalities.population._synthetic import write_synthetic_export

__all__ = [
    "DEFAULT_LOOKBACK_MONTHS",
    "MEASURES",
    "MEASURE_URL",
    "SKIP_EXAMPLES",
    "Measure",
    "MeasureCount",
    "PatientResult",
    "PatientRow",
    "PatientSkip",
    "PopulationReport",
    "lookback_start",
    "plot_report",
    "population_report",
    "read_patient",
    "write_synthetic_export",
]
