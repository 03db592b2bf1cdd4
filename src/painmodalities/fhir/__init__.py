"""FHIR in and out: a patient's record in, the catalog and a ranking out.

Needs the ``fhir`` extra (``pip install 'painmodalities[fhir]'``, which brings
``fhir.resources`` 8). The models are imported only when a bundle is read or written, so
``import painmodalities`` never pays for pydantic.

- :func:`read_bundle` reads a FHIR R4/R4B patient ``Bundle`` as of a date, for one patient:
  the patient's pain types (from Conditions coded with verified SNOMED CT or ICD-10-CM
  codes) and what was already done or referred to (:class:`PriorCare`, from Procedures and
  ServiceRequests), with the reasons for everything it did not use.
  :func:`prior_care_for` says what the record holds about one modality. Each resource read
  is validated in full by default, or only in the elements read (:data:`READ_ELEMENTS`)
  with ``validate="elements"``, for records a FHIR server already validated. A caller that
  reads the same records again (the CDS Hooks service) passes a :class:`ValidatedResources`
  so that a resource already found valid is not validated again.
- :func:`example_bundle` gives one of two synthetic test patients' bundles shipped with
  the package (:data:`EXAMPLE_BUNDLES`), to try the reader without a record of one's own.
- :func:`export_catalog` writes the catalog as a ``Bundle`` of ``ActivityDefinition``,
  ``PlanDefinition``, ``Evidence`` and ``Citation`` resources (R4B by default, or R5).
- :func:`export_ranking` writes a ranking as a ``GuidanceResponse`` with a ``RequestGroup``
  (R4B) or ``RequestOrchestration`` (R5).
- :func:`export_plan` writes a care plan as a ``RequestGroup`` / ``RequestOrchestration``
  with a core group (exactly one) and an adjunct group (any).

Only SNOMED CT codes verified by the dossier (:data:`SNOMED_VERIFIED`) are ever written.

>>> from painmodalities import rank
>>> bundle = export_ranking(rank("neck:chronic"), version="R5")
>>> [entry["resource"]["resourceType"] for entry in bundle["entry"][:3]]
['GuidanceResponse', 'RequestOrchestration', 'ServiceRequest']
>>> SNOMED_VERIFIED["278860009"].display
'Chronic low back pain'
"""

from painmodalities.fhir._care import prior_care_for
from painmodalities.fhir._codes import (
    CERTAINTY_SYSTEMS,
    ICD10CM_PREFIXES,
    ICD10CM_SYSTEM,
    SNOMED_SYSTEM,
    SNOMED_VERIFIED,
    UNCODED_MODALITIES,
    SnomedConcept,
)
from painmodalities.fhir._elements import READ_ELEMENTS
from painmodalities.fhir._examples import EXAMPLE_BUNDLES, example_bundle
from painmodalities.fhir._imported import (
    BundleImport,
    ImportedCondition,
    ImportedProcedure,
    PriorCare,
    Skipped,
)
from painmodalities.fhir._models import MissingExtraError
from painmodalities.fhir._read import CHRONIC_BY_DEFINITION, read_bundle
from painmodalities.fhir._validated import ValidatedResources
from painmodalities.fhir._write import CANONICAL_BASE, EXTENSIONS, export_catalog, fhir_id
from painmodalities.fhir._write_proposals import export_plan, export_ranking

__all__ = [
    "CANONICAL_BASE",
    "CERTAINTY_SYSTEMS",
    "CHRONIC_BY_DEFINITION",
    "EXAMPLE_BUNDLES",
    "EXTENSIONS",
    "ICD10CM_PREFIXES",
    "ICD10CM_SYSTEM",
    "READ_ELEMENTS",
    "SNOMED_SYSTEM",
    "SNOMED_VERIFIED",
    "UNCODED_MODALITIES",
    "BundleImport",
    "ImportedCondition",
    "ImportedProcedure",
    "MissingExtraError",
    "PriorCare",
    "Skipped",
    "SnomedConcept",
    "ValidatedResources",
    "example_bundle",
    "export_catalog",
    "export_plan",
    "export_ranking",
    "fhir_id",
    "prior_care_for",
    "read_bundle",
]
