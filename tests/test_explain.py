"""Plain-language explanations of scores and rankings: the findings that drove them, with
their sources, and every reason an option is not ranked.
"""

from painmodalities import Patient, Precaution, UnrankedOption, rank


def test_explain_massage_zero_for_acute_low_back() -> None:
    """The explanation says why massage scores 0 for acute low back pain, citing sources."""
    option = rank("low_back:acute").entry("massage.swedish")
    assert isinstance(option, UnrankedOption)
    text = option.explain()
    assert option.score.value == 0
    assert "score 0: no scored finding shows benefit for acute low back pain" in text
    assert "Not scored, below low certainty:" in text
    assert (
        "large effect on pain at short horizon, very low certainty: SMD -1.24 "
        "(95% CI -1.85 to -0.64), 1 study, 51 participants, cochrane-massage-2015" in text
    )
    assert text.startswith("Swedish (relaxation) massage (passive): not ranked: ")


def test_explain_names_findings_and_exclusions() -> None:
    """The ranking's explanation names the driving findings and every exclusion reason."""
    patient = Patient(precautions=frozenset({Precaution.BLEEDING_RISK}), max_session_minutes=30)
    text = rank("low_back:chronic", patient=patient).explain()
    assert text.splitlines()[0] == ("Ranking for chronic low back pain, best scored first:")
    assert "1. Therapeutic exercise (active): score 0.683 = function 0.133 from moderate " in text
    assert (
        "moderate effect on function at long horizon, low certainty: "
        "MD -10.2 (95% CI -17.5 to -2.9) on 0-100, jenkins-2025" in text
    )
    assert (
        "- Deep tissue massage (massage.deep_tissue): excluded: precaution: bleeding risk "
        "(nccih-massage); sessions of 45 minutes exceed the patient's 30" in text
    )
