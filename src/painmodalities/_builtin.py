"""The built-in catalog: the package's data file, read once by the core's converter."""

import functools
import pkgutil

from painmodalities._converter import converter
from painmodalities._json_text import parse_json
from painmodalities.catalog import Catalog

__all__ = ["default_catalog", "package_data"]


def package_data(name: str) -> bytes:
    """The bytes of the package's own data file ``name`` (a path such as ``data/catalog.json``).

    Read through the package's loader (``pkgutil.get_data``), which also reads from a zip
    file, rather than ``importlib.resources``: that module's import pulls in ``tempfile``,
    ``zipfile`` and more, a tenth of the import target's budget.
    """
    data = pkgutil.get_data("painmodalities", name)
    assert data is not None  # noqa: S101 (the package's loader reads files)
    return data


@functools.cache
def default_catalog() -> Catalog:
    """The built-in catalog, from the vetted evidence dossier (loaded once, then shared).

    >>> len(default_catalog()) >= 16
    True
    """
    document = parse_json(package_data("data/catalog.json"))
    assert isinstance(document, dict)  # noqa: S101 (the package's own file)
    document.pop("schema_version")  # the file is written by this version (a test checks)
    return converter().structure(document, Catalog)
