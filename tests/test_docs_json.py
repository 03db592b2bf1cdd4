"""docs/json.md runs, and its JSON examples are what the library writes.

The page's ```` ```python ```` blocks run in order in one namespace; a block directly followed
by a ```` ```text ```` block must print exactly that text. A ```` ```json ```` block preceded by
``<!-- json: EXPRESSION -->`` must equal ``to_json(EXPRESSION, indent=True)``, the expression
evaluated after the Python blocks above it. ``python -m tests.test_docs_json`` rewrites those
JSON blocks from the objects.
"""

import contextlib
import io
import os
import re
import sys
from pathlib import Path
from typing import Any

from painmodalities import to_json

PAGE = Path(__file__).resolve().parent.parent / "docs" / "json.md"
FENCE = re.compile(
    r"(?:<!-- json: (?P<expression>[^\n]+) -->\n)?^```(?P<language>\w*)\n(?P<code>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


def run_page(text: str, tmp: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Run the page; return (printed, expected) text pairs and (written, shown) JSON pairs."""
    namespace: dict[str, Any] = {"__name__": "docs_json"}
    printed: list[tuple[str, str]] = []
    generated: list[tuple[str, str]] = []
    pending: str | None = None
    here = Path.cwd()
    os.chdir(tmp)
    try:
        for found in FENCE.finditer(text):
            language, code = found["language"], found["code"]
            if language == "python":
                output = io.StringIO()
                with contextlib.redirect_stdout(output):
                    exec(compile(code, str(PAGE), "exec"), namespace)  # noqa: S102 (our own page)
                pending = output.getvalue()
                continue
            if language == "text" and pending is not None:
                printed.append((pending, code))
            elif language == "json" and found["expression"]:
                value = eval(found["expression"], namespace)  # noqa: S307 (our own page)
                generated.append((to_json(value, indent=True) + "\n", code))
            pending = None
    finally:
        os.chdir(here)
    return printed, generated


def test_python_blocks_print_what_the_page_shows(tmp_path: Path) -> None:
    """Every Python block runs, and prints exactly the text block that follows it."""
    printed, _ = run_page(PAGE.read_text(encoding="utf-8"), tmp_path)
    assert len(printed) >= 8
    for output, shown in printed:
        assert output == shown


def test_json_examples_are_written_by_the_library(tmp_path: Path) -> None:
    """Each JSON example equals what to_json writes for its object today."""
    _, generated = run_page(PAGE.read_text(encoding="utf-8"), tmp_path)
    assert len(generated) >= 7
    for written, shown in generated:
        assert written == shown, "run: python -m tests.test_docs_json"


def test_every_document_type_the_issue_names_has_an_example() -> None:
    """Catalogs, pain types, patients, weights, policies, scores and rankings are shown."""
    shown = set(re.findall(r"<!-- json: ([^\n]+) -->", PAGE.read_text(encoding="utf-8")))
    assert {
        "catalog",
        "pain_type",
        "patient",
        "weights",
        "policy",
        "ranking[0].score",
        "ranking",
    } <= shown


def _rewrite(text: str, tmp: Path) -> str:
    _, generated = run_page(text, tmp)
    written = iter(generated)

    def replace(found: re.Match[str]) -> str:
        if found["language"] != "json" or not found["expression"]:
            return found[0]
        fresh, _ = next(written)
        return f"<!-- json: {found['expression']} -->\n```json\n{fresh}```"

    return FENCE.sub(replace, text)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        PAGE.write_text(_rewrite(PAGE.read_text(encoding="utf-8"), Path(directory)), "utf-8")
    sys.stdout.write(f"rewrote the JSON examples of {PAGE}\n")
