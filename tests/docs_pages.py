"""Reading and running the code blocks of a documentation page (the rules are test_docs.py's).

Shared by ``tests/test_docs.py``, which runs every page in the test interpreter, and
``tests/test_docs_installed.py``, which runs this file as a script in a virtual environment
made from a wheel of the project (``python docs_pages.py PAGE``): it imports nothing but the
standard library and the installed ``painmodalities``, so it needs no test dependency there.
"""

import contextlib
import io
import os
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SKIP = "<!-- docs-test: skip -->"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
PROGRAM = ("painmodalities",)
MODULE = ("python", "-m", "painmodalities")
HEAD = re.compile(r"\|\s*head -(\d+)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    language: str
    code: str
    line: int
    skipped: bool


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of the page at ``path``, in order."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        found.append(
            Block(
                language=match.group(1),
                code=match.group(2),
                line=text.count("\n", 0, match.start()) + 1,
                skipped=before.strip() == SKIP,
            )
        )
    return found


def adjacent(path: Path, first: Block, second: Block) -> bool:
    """Whether only blank lines separate two blocks."""
    lines = path.read_text(encoding="utf-8").splitlines()
    end = first.line + first.code.count("\n") + 1
    return all(not line.strip() for line in lines[end : second.line - 1])


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Run the block with ``path`` as the working directory."""
    here = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(here)


def run_python_blocks(page: Path) -> None:
    """Run every python block of ``page`` in order, in one namespace; check shown output."""
    found = blocks(page)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for index, block in enumerate(found):
        if block.language != "python" or block.skipped:
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = compile(block.code, f"{page.name}:{block.line}", "exec")
            exec(code, namespace)  # noqa: S102 (running the docs is the point)
        following = found[index + 1] if index + 1 < len(found) else None
        if following and following.language == "text" and adjacent(page, block, following):
            assert printed.getvalue().rstrip() == following.code.rstrip(), (
                f"{page.name}:{block.line}: the text block after it is not its output"
            )


def commands(code: str) -> Iterator[tuple[str, int, str]]:
    """Each ``$`` line of a console block: the command, its exit code, its shown output."""
    command: str | None = None
    shown: list[str] = []
    for line in [*code.splitlines(), "$"]:
        if line.startswith("$"):
            if command is not None:
                text, _, comment = command.partition("  # exit ")
                yield text, int(comment or 0), "\n".join(shown)
            command, shown = line[1:].strip() or None, []
        else:
            shown.append(line)


def ours(command: str) -> bool:
    """Whether a console line runs this library's command."""
    words = tuple(shlex.split(command))
    return words[:1] == PROGRAM or words[:3] == MODULE


def compared(command: str) -> bool:
    """Whether the output shown after ``command`` is compared (see test_docs.py)."""
    return "|" not in command or HEAD.search(command) is not None


def run_command(command: str) -> tuple[int, str]:
    """Run one of the library's command lines in this process: its exit code and output."""
    from painmodalities.cli import main

    head = HEAD.search(command)
    argv, target = shlex.split(command.partition("|")[0]), None
    if ">" in argv:
        argv, target = argv[: argv.index(">")], argv[argv.index(">") + 1]
    arguments = argv[1:] if tuple(argv[:1]) == PROGRAM else argv[3:]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(arguments)
    if target is not None:
        Path(target).write_text(out.getvalue(), encoding="utf-8")
        return code, err.getvalue()
    if head is not None:
        return code, "\n".join(out.getvalue().splitlines()[: int(head.group(1))])
    return code, out.getvalue() + err.getvalue()


def shell_commands(code: str) -> Iterator[str]:
    """The library's command lines of a ``sh`` block (``a && b`` split; others not run)."""
    for line in code.splitlines():
        for part in line.split("&&"):
            command = part.split("  #", 1)[0].strip()
            if command and ours(command):
                yield command


def run_console_blocks(page: Path, *, sh_blocks: bool = False) -> None:
    """Run every command of the page's console blocks (and ``sh`` blocks if ``sh_blocks``)."""
    for block in blocks(page):
        if block.skipped:
            continue
        if block.language == "console":
            for command, expected_code, shown in commands(block.code):
                if not ours(command):
                    continue
                code, output = run_command(command)
                where = f"{page.name}:{block.line}: {command}"
                assert code == expected_code, f"{where} exited {code}:\n{output}"
                if shown.strip() and compared(command):
                    assert output.rstrip() == shown.rstrip(), where
        elif sh_blocks and block.language in ("sh", "bash"):
            for command in shell_commands(block.code):
                code, output = run_command(command)
                assert code == 0, f"{page.name}:{block.line}: {command} exited {code}:\n{output}"


if __name__ == "__main__":  # python docs_pages.py PAGE: run the page in the working directory
    page = Path(sys.argv[1]).resolve()
    os.environ.pop("NO_COLOR", None)
    os.environ.pop("COLUMNS", None)
    run_python_blocks(page)
    run_console_blocks(page, sh_blocks=True)
    print(f"{page.name}: ok")
