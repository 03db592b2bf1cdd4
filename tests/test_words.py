"""The plain words of the library, written once: precautions and their source."""

from painmodalities import default_catalog
from painmodalities._words import precautions_text

CATALOG = default_catalog()


def test_precautions_source_or_none_recorded() -> None:
    """Precautions are shown with their source, and an empty list in the dossier's words."""
    assert precautions_text(CATALOG["physical_agent.heat"]) == (
        "no precautions recorded in the evidence dossier"
    )
    assert precautions_text(CATALOG["manual.spinal_manipulation"]) == (
        "bleeding risk, fracture, weakened bones (natural-standard-smt)"
    )
