"""The built site: ``mkdocs build --strict`` succeeds, and its pictures are there.

The figures are drawn from the built-in catalog by ``scripts/mkdocs_hooks.py`` while the site
is built, so these tests build it for real, once, into a temporary directory.
"""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from painmodalities import vocabulary

ROOT = Path(__file__).resolve().parent.parent
#: The pages that must show at least one figure (issue 16).
PAGES_WITH_FIGURES = ("tutorial", "concepts", "evidence", "teaching", "scoring")


def build_site(target: Path) -> Path:
    """Build the documentation with ``mkdocs build --strict`` into ``target``; return it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])]
    )
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
    done = subprocess.run(
        [*command, "--site-dir", str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return target


class _Images(HTMLParser):
    """The ``src`` of every ``<img>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources += [value for name, value in attrs if name == "src" and value]


def images(page: Path) -> list[str]:
    """Every image source a built page references."""
    parser = _Images()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.sources


def local_file(site: Path, page: Path, source: str) -> Path | None:
    """The file in ``site`` that ``source`` on ``page`` points at; ``None`` if it is remote."""
    parts = urlsplit(source)
    if parts.scheme or parts.netloc:
        return None
    base = "/" + page.relative_to(site).as_posix()
    path = urlsplit(urljoin(base, unquote(parts.path))).path.lstrip("/")
    return site / path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.mark.parametrize("name", PAGES_WITH_FIGURES)
def test_page_shows_a_figure(site: Path, name: str) -> None:
    """Each teaching page holds at least one figure drawn from the catalog."""
    page = site / name / "index.html"
    figures = [source for source in images(page) if "figures/" in source]
    assert figures, f"{name}: no figure"


def test_every_referenced_image_exists(site: Path) -> None:
    """Every image any built page references is a non-empty file of the site."""
    checked = 0
    for page in site.rglob("*.html"):
        for source in images(page):
            target = local_file(site, page, source)
            if target is None:
                continue
            assert target.is_file(), f"{page.relative_to(site)}: {source} does not exist"
            assert target.stat().st_size > 0, f"{page.relative_to(site)}: {source} is empty"
            checked += 1
    assert checked >= len(PAGES_WITH_FIGURES)


def test_figures_are_pictures(site: Path) -> None:
    """The drawn figures are PNG files, not placeholders."""
    figures = sorted((site / "figures").glob("*.png"))
    assert len(figures) >= 4
    for figure in figures:
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", figure.name


def test_evidence_page_is_a_grid_not_a_list(site: Path) -> None:
    """The evidence page is the evidence map and tables, with no bulleted list of claims."""
    html = (site / "evidence" / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    assert "figures/evidence-map.png" in article
    assert article.count("<table>") >= 3
    assert "<ul>" not in article


def test_api_reference_lists_every_enum_member(site: Path) -> None:
    """The API reference lists each vocabulary enum's members and their values."""
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    enums = [
        value
        for value in vars(vocabulary).values()
        if isinstance(value, type) and issubclass(value, vocabulary.RankedEnum)
    ]
    assert {cls.__name__ for cls in enums} >= {"Condition", "Precaution", "Coverage"}
    for cls in enums:
        for member in cls:
            assert f"<code>{cls.__name__}.{member.name}</code>" in html
            assert f"<code>{member.value}</code>" in html


def test_output_blocks_are_labelled(site: Path) -> None:
    """A block showing what code prints carries the title Output."""
    html = (site / "tutorial" / "index.html").read_text(encoding="utf-8")
    assert html.count('<span class="filename">Output</span>') >= 5
