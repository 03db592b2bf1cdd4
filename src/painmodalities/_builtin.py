"""The built-in catalog: the package's data file, read once by the core's converter."""

import functools
import os
import sys

import orjson

from painmodalities._converter import converter
from painmodalities.catalog import Catalog

__all__ = ["default_catalog", "package_data"]


def package_data(name: str) -> bytes:
    """The bytes of the package's own data file ``name`` (a path such as ``data/catalog.json``).

    Read through the package's own loader, as ``pkgutil.get_data`` does (so it also reads
    from a zip file), without importing ``pkgutil`` or ``importlib.resources``: their
    imports are a large share of the import target's budget.
    """
    package = sys.modules[__package__ or "painmodalities"]
    loader = package.__spec__.loader if package.__spec__ else None
    if loader is None or not hasattr(loader, "get_data") or package.__file__ is None:
        raise FileNotFoundError(name)  # pragma: no cover (a package always has a loader)
    data: bytes = loader.get_data(os.path.join(os.path.dirname(package.__file__), name))
    return data


@functools.cache
def default_catalog() -> Catalog:
    """The built-in catalog, from the vetted evidence dossier (loaded once, then shared).

    >>> len(default_catalog()) >= 16
    True
    """
    # The package's own file, not a caller's text: the limits on hostile text (size, depth,
    # repeated keys) are checked by the tests, not on every start.
    document = orjson.loads(package_data("data/catalog.json"))
    assert isinstance(document, dict)  # noqa: S101 (the package's own file)
    document.pop("schema_version")  # the file is written by this version (a test checks)
    return converter().structure(document, Catalog)
