"""Example patient bundles shipped with the package, to try FHIR import without a record.

Two synthetic test patients of AHRQ CDS Connect's "Factors to Consider in Managing Chronic
Pain" app (Apache License 2.0; no real person), unchanged: see ``examples/README.md`` in
this package for their provenance.
"""

from typing import Any, Final

import orjson

from painmodalities import _rules as check
from painmodalities._builtin import package_data
from painmodalities.errors import ValidationError

__all__ = ["EXAMPLE_BUNDLES", "example_bundle"]

#: The names of the example bundles, for :func:`example_bundle`.
EXAMPLE_BUNDLES: Final = ("brenda_jackson", "lois_lane")


def example_bundle(name: str = "brenda_jackson") -> dict[str, Any]:
    """An example patient's FHIR R4 ``Bundle``, as its JSON object (a new copy each call).

    ``brenda_jackson`` has fibromyalgia since 2017 and low back pain since 2013, and was
    referred to a chiropractor, to physical therapy and for psychotherapy; ``lois_lane`` has
    the same problems with other dates. :func:`read_bundle` reads the object as it is; on
    the command line, ``--fhir example:brenda_jackson`` reads the same bundle.

    >>> from datetime import date
    >>> from painmodalities.fhir import read_bundle
    >>> record = read_bundle(example_bundle("brenda_jackson"), as_of=date(2024, 1, 1))
    >>> [str(pain_type) for pain_type in record.pain_types]
    ['low_back:chronic', 'fibromyalgia:chronic']

    Raises:
        ValidationError: at ``$.name``, for a name not in :data:`EXAMPLE_BUNDLES`.
    """
    if not isinstance(name, str) or name not in EXAMPLE_BUNDLES:
        raise ValidationError(
            check.ArgumentProblem("$.name", check.choices(EXAMPLE_BUNDLES), name, "enum")
        )
    bundle: dict[str, Any] = orjson.loads(package_data(f"fhir/examples/{name}.json"))
    return bundle
