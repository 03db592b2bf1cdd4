"""Rewrite the output the docs show, from what their code prints now.

Usage: ``python scripts/refresh_docs.py [PAGE ...]`` (default: every page tests/test_docs.py runs).

The pages follow the rules of ``tests/test_docs.py``: a ``python`` block followed by a
``text`` block shows its output there, and a ``console`` block shows each command's output
after its ``$`` line. When the catalog or a wording changes, those outputs change; this
script runs the blocks exactly as the test does (its own functions) and writes what they
print in place of what the page showed, so a reviewer reads the difference in ``git diff``.
Commands whose shown output is empty, piped or skipped are left as they are.
"""

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.docs_pages import (  # noqa: E402 (the project root is put on the path first)
    Block,
    adjacent,
    blocks,
    commands,
    ours,
    run_command,
    working_directory,
)
from tests.test_docs import PAGES  # noqa: E402


def _python_outputs(page: Path, found: list[Block]) -> dict[int, str]:
    """The printed output of each python block that a text block shows, by text block index."""
    namespace: dict[str, object] = {"__name__": "__docs__"}
    outputs: dict[int, str] = {}
    for index, block in enumerate(found):
        if block.language != "python" or block.skipped:
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block.code, f"{page.name}:{block.line}", "exec"), namespace)  # noqa: S102
        following = found[index + 1] if index + 1 < len(found) else None
        if following and following.language == "text" and adjacent(page, block, following):
            outputs[index + 1] = printed.getvalue().rstrip() + "\n"
    return outputs


def _console(code: str) -> str:
    """A console block's code with each of our commands' shown output replaced."""
    lines: list[str] = []
    for command, expected, shown in commands(code):
        suffix = f"  # exit {expected}" if expected else ""
        lines.append(f"$ {command}{suffix}")
        output = None
        if ours(command) and "|" not in command:
            _, output = run_command(command)  # run even when unshown: it may write a file
        if shown.strip() and output is not None:
            lines += output.rstrip().splitlines()
        else:
            lines += shown.splitlines() if shown else []
    return "\n".join(lines) + "\n"


def refresh(page: Path) -> bool:
    """Rewrite ``page``'s shown outputs; whether anything changed."""
    text = page.read_text(encoding="utf-8")
    found = blocks(page)
    with tempfile.TemporaryDirectory() as where, working_directory(Path(where)):
        os.environ.pop("NO_COLOR", None)
        outputs = _python_outputs(page, found)
        consoles = {
            index: _console(block.code)
            for index, block in enumerate(found)
            if block.language == "console" and not block.skipped
        }
    new_codes = {**outputs, **consoles}
    lines = text.splitlines(keepends=True)
    # replace from the last block up, so earlier line numbers stay right
    for index in sorted(new_codes, reverse=True):
        block = found[index]
        start = block.line  # the fence's line number (1-based); the code starts after it
        end = start + block.code.count("\n")
        lines[start:end] = [new_codes[index]]
    new = "".join(lines)
    if new != text:
        page.write_text(new, encoding="utf-8")
    return new != text


def main() -> None:
    pages = [Path(arg).resolve() for arg in sys.argv[1:]] or PAGES
    for page in pages:
        if refresh(page):
            print(f"refreshed {page.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
