"""Lazy access to the ``fhir.resources`` models, and pydantic errors as library errors.

Nothing here imports ``fhir.resources`` (or pydantic) until a model is asked for, so that
``import painmodalities.fhir`` stays cheap and ``import painmodalities`` never pays for it.
"""

import functools
import importlib
import re
import sys
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from painmodalities.errors import MISSING, MissingExtraError, Problem

if TYPE_CHECKING:
    from fhir_core.fhirabstractmodel import FHIRAbstractModel

__all__ = [
    "FHIR_ID",
    "VERSIONS",
    "MissingExtraError",
    "has_type",
    "model",
    "problems_of",
    "validate",
]

#: The FHIR versions the library writes, and the ``fhir.resources`` package of each.
VERSIONS: Final[Mapping[str, str]] = MappingProxyType(
    {"R4B": "fhir.resources.R4B", "R5": "fhir.resources"}
)
#: The FHIR ``id`` datatype: 1 to 64 letters, digits, ``-`` and ``.`` (read, written, and
#: checked by the service).
FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
#: Every package the importer consults, including STU3 (only to name a wrong version).
_PACKAGES: Final[Mapping[str, str]] = {**VERSIONS, "STU3": "fhir.resources.STU3"}


def _module(name: str) -> Any:
    """The module ``name``, from ``sys.modules`` once imported (checked on every resource)."""
    return sys.modules.get(name) or importlib.import_module(name)


def _package(version: str) -> Any:
    try:
        return _module(_PACKAGES[version])
    except ImportError as error:
        raise MissingExtraError.for_extra("fhir", "FHIR support") from error


@functools.lru_cache(maxsize=512)  # asked for every resource read: a few names, many times
def has_type(version: str, name: str) -> bool:
    """Whether FHIR ``version`` defines a resource or data type called ``name``."""
    _package(version)
    fhirtypes = _module(_PACKAGES[version] + ".fhirtypes")
    return hasattr(fhirtypes, name + "Type")


def model(version: str, name: str) -> "type[FHIRAbstractModel]":
    """The ``fhir.resources`` model class of resource ``name`` in FHIR ``version``."""
    found: type[FHIRAbstractModel] = _package(version).get_fhir_model_class(name)
    return found


def _json_path(prefix: str, loc: Iterable[object]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "root" and "[" not in str(part):  # pydantic's own steps, not JSON keys
            path += f".{part}"
    return path


def _message(detail: Mapping[str, Any]) -> str:
    # fhir.resources parses a string given for an element as JSON text: say what it means.
    if detail.get("type") == "json_invalid" and isinstance(detail.get("input"), str):
        return "an object, not a string"
    return str(detail.get("msg", "invalid"))


def problems_of(error: Exception, prefix: str, label: str) -> list[Problem]:
    """The problems of a pydantic validation error, each at its JSON path under ``prefix``."""
    details: list[Mapping[str, Any]] = list(getattr(error, "errors", list)())
    found = [
        Problem(
            _json_path(prefix, detail.get("loc", ())),
            f"valid FHIR {label} ({_message(detail)})",
            MISSING if detail.get("type") == "missing" else detail.get("input", MISSING),
            "fhir_" + str(detail.get("type", "invalid")),
        )
        for detail in details
    ]
    return found or [Problem(prefix, f"valid FHIR {label}", str(error), "fhir_invalid")]


def validate(version: str, resource: Mapping[str, Any], label: str = "") -> list[Problem]:
    """Validate ``resource`` against its ``fhir.resources`` model; the problems (none if valid).

    Paths are relative (``$.code.coding[0]``); ``label`` names the version in messages
    (``R4/R4B`` when reading R4 with the R4B models).
    """
    label = label or version
    from pydantic import ValidationError as PydanticError  # noqa: PLC0415 (lazy on purpose)

    name = resource.get("resourceType")
    if not isinstance(name, str) or not has_type(version, name):
        return [Problem("$.resourceType", f"a FHIR {label} resource type", name, "fhir_type")]
    try:
        model(version, name).model_validate(resource)
    except PydanticError as error:
        return problems_of(error, "$", label)
    except (TypeError, ValueError) as error:  # pragma: no cover (pydantic wraps these)
        return [Problem("$", f"valid FHIR {label}", str(error), "fhir_invalid")]
    return []
