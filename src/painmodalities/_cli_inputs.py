"""What the command line reads: files, standard input, catalogs and FHIR bundles.

Every file is read within the library's document limit, standard input at most once, and
a file that cannot be read becomes a :class:`~painmodalities.cli.CliError` naming it.
"""

import argparse
import datetime
import importlib
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from painmodalities._bounded import read_bounded
from painmodalities._builtin import default_catalog
from painmodalities._cli_errors import CliError
from painmodalities.catalog import Catalog
from painmodalities.errors import MissingExtraError, ValidationError
from painmodalities.serialization import MAX_DOCUMENT_BYTES, load_catalog

__all__ = [
    "EXAMPLE_PREFIX",
    "STDIN",
    "fhir_module",
    "load_catalog_of",
    "one_stdin",
    "path_shown",
    "read_bundle",
    "read_text",
]

#: The file name that means standard input, wherever the command takes a file.
STDIN = "-"
#: ``--fhir example:NAME`` reads the example bundle NAME shipped with the package.
EXAMPLE_PREFIX = "example:"


def read_text(path: Path) -> str:
    """The text of ``path``, or of standard input when ``path`` is ``-``.

    At most :data:`~painmodalities.serialization.MAX_DOCUMENT_BYTES` bytes are read
    (:func:`~painmodalities._bounded.read_bounded`), whatever the file is.
    """
    source: Path | IO[bytes] = path
    if str(path) == STDIN:
        # A test's stdin may be text only: its characters, as many as the limit's bytes.
        text = getattr(sys.stdin, "buffer", None)
        source = (
            text
            if text is not None
            else io.BytesIO(
                sys.stdin.read(MAX_DOCUMENT_BYTES + 1).encode("utf-8", "surrogateescape")
            )
        )
    try:
        return read_bounded(source, MAX_DOCUMENT_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{path_shown(path)}: not UTF-8 text") from None
    except ValidationError as error:
        raise CliError(f"{path_shown(path)}: {error}") from None


def path_shown(path: Path) -> str:
    """``path`` as messages name it: ``standard input`` for ``-``."""
    return "standard input" if str(path) == STDIN else str(path)


def one_stdin(*paths: Path | None) -> None:
    """Refuse ``-`` given for two files: standard input can be read once."""
    if sum(1 for path in paths if path is not None and str(path) == STDIN) > 1:
        raise CliError("only one file can be read from standard input (-)")


def load_catalog_of(args: argparse.Namespace) -> Catalog:
    """The catalog to work on: built-in or ``--catalog FILE``, then ``--extend FILE``."""
    catalog = default_catalog()
    one_stdin(args.catalog, args.extend, getattr(args, "fhir", None))
    for path, extend in ((args.catalog, False), (args.extend, True)):
        if path is None:
            continue
        try:
            catalog = load_catalog(read_text(path).encode(), base=catalog if extend else None)
        except ValidationError as error:
            raise CliError(f"{path_shown(path)}: not a valid catalog: {error}") from None
    return catalog


def fhir_module() -> ModuleType:
    """``painmodalities.fhir``, or the error naming the ``fhir`` extra."""
    try:
        return importlib.import_module("painmodalities.fhir")
    except ImportError:
        raise MissingExtraError.for_extra("fhir", "FHIR support") from None


def read_bundle(args: argparse.Namespace) -> Any:
    """What ``--fhir BUNDLE`` holds: a file, standard input, or ``example:NAME``."""
    fhir = fhir_module()
    as_of = args.as_of or datetime.datetime.now(tz=datetime.timezone.utc).date()
    bundle: object = args.fhir
    if str(args.fhir) == STDIN:
        bundle = read_text(args.fhir).encode()
    elif str(args.fhir).startswith(EXAMPLE_PREFIX):  # a bundle shipped with the package
        bundle = fhir.example_bundle(str(args.fhir).removeprefix(EXAMPLE_PREFIX))
    try:
        return fhir.read_bundle(bundle, as_of=as_of, patient=args.patient)
    except ValidationError as error:
        if error.rule != "several_patients":
            raise CliError(f"{path_shown(args.fhir)}: {error}") from None
        listed, shown = error.expected.rpartition(": ")[2], error.value
        assert isinstance(shown, list)  # noqa: S101 (the rule's value: the references)
        raise CliError(
            f"{path_shown(args.fhir)}: the bundle holds {len(shown)} patients: {listed}; "
            "choose one with --patient ID"
        ) from None
