"""The pictures: drawn to PNG and SVG for several pain types, checked without reference images.

An SVG keeps its text (``svg.fonttype`` none), so each expected label can be searched for;
each finding of the timeline is a group ``finding-N``, so the marks can be counted.
"""

import re
from pathlib import Path

import pytest

from painmodalities import PainType, Patient, Precaution, default_catalog, rank
from painmodalities.errors import ValidationError
from painmodalities.plot import plot_map, plot_ranking, plot_timeline

PAIN_TYPES = ["low_back:chronic", "low_back:acute", "neck:chronic", "knee_osteoarthritis:chronic"]
MARK = re.compile(r'<g id="finding-\d+"')


@pytest.mark.parametrize("pain_type", PAIN_TYPES)
def test_timeline_svg_has_one_mark_per_finding(pain_type: str, tmp_path: Path) -> None:
    parsed = PainType.parse(pain_type)
    expected = [m for m in default_catalog() if m.findings_for(parsed)]
    count = sum(len(m.findings_for(parsed)) for m in expected)
    path = tmp_path / "timeline.svg"
    assert plot_timeline(parsed, path) == count
    svg = path.read_text(encoding="utf-8")
    assert len(MARK.findall(svg)) == count
    for modality in expected:
        assert f"{modality.name} ({modality.activity.value})".replace("&", "&amp;") in svg
    assert "active (you do it)" in svg
    assert "passive (done to you)" in svg
    assert f"Benefit over time in {parsed.label}" in svg
    for horizon in ("immediate", "short", "intermediate", "long"):
        assert horizon in svg


@pytest.mark.parametrize("pain_type", PAIN_TYPES[:2])
def test_timeline_png(pain_type: str, tmp_path: Path) -> None:
    path = tmp_path / "timeline.png"
    plot_timeline(pain_type, path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_timeline_with_no_findings_says_so(tmp_path: Path) -> None:
    path = tmp_path / "none.svg"
    assert plot_timeline("neck:acute", path) == 0
    assert "No findings for acute neck pain" in path.read_text(encoding="utf-8")


def test_map_svg_names_every_modality_and_marks_guidelines(tmp_path: Path) -> None:
    path = tmp_path / "map.svg"
    catalog = default_catalog()
    cells = plot_map(path)
    assert cells == len(catalog) * len(catalog.pain_types())
    svg = path.read_text(encoding="utf-8")
    for modality in catalog:
        assert modality.name in svg
    assert "no" in svg
    assert "evidence" in svg
    assert "do not offer" in svg  # NICE NG59 on acupuncture and TENS for low back pain
    assert "consider" in svg  # NICE NG59 on massage: only with exercise (and others)
    assert "AGAINST" not in svg  # the guidelines' own verbs
    assert "recommends" not in svg
    assert "active (you do it)" in svg
    assert "passive (done to you)" in svg
    png = tmp_path / "map.png"
    plot_map(png)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("pain_type", PAIN_TYPES)
def test_ranking_svg_shows_ranks_unranked_and_weights(pain_type: str, tmp_path: Path) -> None:
    ranking = rank(pain_type, patient=Patient(precautions=frozenset({Precaution.FRACTURE})))
    path = tmp_path / "ranking.svg"
    plot_ranking(ranking, path)
    svg = path.read_text(encoding="utf-8")
    for entry in ranking.unranked:
        assert f"not ranked: {entry.modality.name}" in svg
    for option in ranking:
        assert f"{option.modality.name} ({option.modality.activity.value})" in svg
    shared = [o for o in ranking if sum(other.rank == o.rank for other in ranking) > 1]
    for option in shared:
        assert f"={option.rank} {option.modality.name}" in svg
    text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert "weights: function 0.4, durability 0.25, activity 0.25, pain 0.1" in text
    assert "active options" in svg
    assert "passive ones" in svg


def test_ranking_with_nothing_ranked_says_so(tmp_path: Path) -> None:
    path = tmp_path / "none.svg"
    plot_ranking(rank("neck:acute"), path)
    svg = path.read_text(encoding="utf-8")
    assert "No option has scored evidence of benefit for acute neck pain." in svg
    assert "weights: function 0.4" in svg


def test_pictures_are_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for path in (first, second):
        plot_map(path)
    assert first.read_bytes() == second.read_bytes()


def test_error_picture_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        plot_map(tmp_path / "map.pdf")
