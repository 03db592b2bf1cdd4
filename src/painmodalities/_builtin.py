"""The built-in catalog: the package's data file, read once by the core's converter."""

import functools
from importlib import resources

from painmodalities._converter import converter
from painmodalities._json_text import parse_json
from painmodalities.catalog import Catalog

__all__ = ["default_catalog"]


@functools.cache
def default_catalog() -> Catalog:
    """The built-in catalog, from the vetted evidence dossier (loaded once, then shared).

    >>> len(default_catalog()) >= 16
    True
    """
    data = resources.files("painmodalities").joinpath("data/catalog.json").read_bytes()
    document = parse_json(data)
    assert isinstance(document, dict)  # noqa: S101 (the package's own file)
    document.pop("schema_version")  # the file is written by this version (a test checks)
    return converter().structure(document, Catalog)
