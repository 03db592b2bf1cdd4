"""Reads are bounded whatever the file is: a device, a FIFO, a file over the limit.

``st_size`` is 0 for ``/dev/zero`` and a FIFO, so a size check before reading bounds
nothing: each reader must stop at the limit plus one byte. Every way in is tried: the
Python API, the command line (a file, ``--catalog``, ``--fhir`` and standard input) and
the FHIR reader.
"""

import contextlib
import datetime
import io
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from painmodalities import ValidationError, load_catalog
from painmodalities._bounded import read_bounded
from painmodalities.cli import EXIT_ERROR, main
from painmodalities.serialization import MAX_DOCUMENT_BYTES

fhir = pytest.importorskip("painmodalities.fhir")

_DEV_ZERO = Path("/dev/zero")
_SIZE_MESSAGE = f"a document of at most {MAX_DOCUMENT_BYTES} bytes"


@contextlib.contextmanager
def _endless_fifo(directory: Path) -> Iterator[Path]:
    """A FIFO whose writer writes spaces until the reader goes away."""
    path = directory / "endless.fifo"
    os.mkfifo(path)

    def write() -> None:
        chunk = b" " * (1 << 20)
        with contextlib.suppress(BrokenPipeError), path.open("wb") as stream:
            while True:
                stream.write(chunk)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield path
    finally:
        writer.join(timeout=10)


def _over_limit(directory: Path) -> Path:
    """A sparse file one byte over the limit (it takes no disk space)."""
    path = directory / "big.json"
    with path.open("wb") as stream:
        stream.truncate(MAX_DOCUMENT_BYTES + 1)
    return path


_KINDS: dict[str, Callable[[Path], contextlib.AbstractContextManager[Path]]] = {
    "dev_zero": lambda _directory: contextlib.nullcontext(_DEV_ZERO),
    "fifo": _endless_fifo,
    "over_limit": lambda directory: contextlib.nullcontext(_over_limit(directory)),
}

needs_posix = pytest.mark.skipif(
    not _DEV_ZERO.exists() or not hasattr(os, "mkfifo"), reason="needs /dev/zero and FIFOs"
)


def _refused_for_size(error: ValidationError) -> None:
    assert error.rule == "size"
    assert error.path == "$"
    assert error.expected == _SIZE_MESSAGE


def test_read_bounded_reads_up_to_the_limit_and_no_byte_more() -> None:
    assert read_bounded(io.BytesIO(b"x" * 10), 10) == b"x" * 10
    stream = io.BytesIO(b"x" * 100)
    with pytest.raises(ValidationError) as caught:
        read_bounded(stream, 10)
    assert caught.value.rule == "size"
    assert stream.tell() == 11


@needs_posix
@pytest.mark.parametrize("kind", sorted(_KINDS))
def test_error_load_catalog_refuses_an_unbounded_file(kind: str, tmp_path: Path) -> None:
    with _KINDS[kind](tmp_path) as path, pytest.raises(ValidationError) as caught:
        load_catalog(path)
    _refused_for_size(caught.value)


@needs_posix
@pytest.mark.parametrize("kind", sorted(_KINDS))
def test_error_read_bundle_refuses_an_unbounded_file(kind: str, tmp_path: Path) -> None:
    with _KINDS[kind](tmp_path) as path, pytest.raises(ValidationError) as caught:
        fhir.read_bundle(str(path), as_of=datetime.date(2026, 1, 1))
    _refused_for_size(caught.value)


@needs_posix
@pytest.mark.parametrize("kind", sorted(_KINDS))
@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "{path}"),
        ("rank", "--catalog", "{path}", "neck", "chronic"),
        ("rank", "--extend", "{path}", "neck", "chronic"),
        ("rank", "--fhir", "{path}"),
    ],
    ids=["validate", "catalog", "extend", "fhir"],
)
def test_error_the_command_line_refuses_an_unbounded_file(
    kind: str, argv: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _KINDS[kind](tmp_path) as path:
        code = main([part.format(path=path) for part in argv])
    out, err = capsys.readouterr()
    assert code == EXIT_ERROR
    assert out == ""
    assert _SIZE_MESSAGE in err
    assert err.count("\n") == 1


@needs_posix
@pytest.mark.parametrize("argv", [("validate", "-"), ("rank", "--fhir", "-")])
def test_error_the_command_line_refuses_endless_standard_input(
    argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with _DEV_ZERO.open("rb") as zeros:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(zeros))
        code = main(list(argv))
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_ERROR, "")
    assert err.startswith("painmodalities: error: standard input: ")
    assert _SIZE_MESSAGE in err
