"""A ranking or plan made without knowing the patient's precautions says so (issue 24 item 5).

``Patient.precautions_known`` tells "checked, none" from "not checked": a patient built with
no precautions is not checked unless the caller says so. Then the ranking, the plan, their
command-line output and the cards say that precautions were not checked and list, for each
option offered with precautions, what to check and the source.
"""

import pytest
from hypothesis import given

from painmodalities import (
    PainType,
    Patient,
    Precaution,
    Ranking,
    ValidationError,
    default_catalog,
    from_json,
    plan,
    rank,
    to_json,
)
from painmodalities._words import PRECAUTIONS_UNCHECKED, precautions_text
from painmodalities.cli import main
from painmodalities.modalities import PhysicalTherapy
from painmodalities.vocabulary import Condition, Phase
from tests.samples import FHIR_FIXTURES
from tests.strategies import rankings

CATALOG = default_catalog()
PAIN_TYPES = [PainType(condition, phase) for condition in Condition for phase in Phase]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_patient_without_precautions_is_not_checked() -> None:
    """By default known exactly when precautions are given; "checked, none" is explicit."""
    assert Patient().precautions_known is False
    assert Patient(exclude={"acupuncture"}).precautions_known is False
    assert Patient(precautions={Precaution.BLOOD_CLOT}).precautions_known is True
    assert Patient(precautions_known=True).precautions_known is True
    partial = Patient(precautions={Precaution.BLOOD_CLOT}, precautions_known=False)
    assert partial.precautions_known is False
    assert Patient() != Patient(precautions_known=True)


def test_error_precautions_known_is_a_boolean() -> None:
    """Anything but a boolean is refused with its path, in Python and in JSON."""
    with pytest.raises(ValidationError) as raised:
        Patient(precautions_known="yes")  # type: ignore[arg-type]
    assert raised.value.problems[0].path == "$.precautions_known"
    with pytest.raises(ValidationError) as raised:
        from_json('{"schema_version": "2.1", "precautions_known": 1}', Patient)
    assert raised.value.problems[0].path == "$.precautions_known"


@pytest.mark.parametrize(
    ("document", "known"),
    [
        ('{"schema_version": "2.1", "precautions": []}', False),
        ('{"schema_version": "2.0", "precautions": ["blood_clot"]}', True),
        ('{"schema_version": "1.0"}', False),
        ('{"schema_version": "2.1", "precautions_known": true}', True),
    ],
)
def test_documents_without_the_key_read_as_before(document: str, known: bool) -> None:
    """A document written before the key existed is read as the default reads it: known
    when it lists precautions, not checked when it lists none.
    """
    patient = from_json(document, Patient)
    assert patient.precautions_known is known
    assert from_json(to_json(patient), Patient) == patient
    assert f'"precautions_known":{str(known).lower()}' in to_json(patient)


@given(rankings())
def test_unchecked_says_what_to_check_before_each_option_offered(ranking: Ranking) -> None:
    """Not checked: the notice, then every ranked option with precautions named with its
    precautions and source (a programme with its components'); checked: nothing.
    """
    found = ranking.unchecked
    catalog = ranking.catalog or CATALOG
    needs = [
        (option.modality, part)
        for option in ranking.options
        for part in [
            option.modality,
            *(
                catalog[component]
                for component in (
                    option.modality.components
                    if isinstance(option.modality, PhysicalTherapy)
                    else ()
                )
                if component in catalog.ids
                and component not in {o.component for o in option.without}
            ),
        ]
        if part.precautions
    ]
    if ranking.patient.precautions_known or not needs:
        assert found == ()
        return
    assert found[0] == PRECAUTIONS_UNCHECKED
    assert list(found[1:]) == [f"- {line}" for line in ranking.precautions_to_check]
    for modality, part in needs:
        assert any(
            modality.name.lower()[:10] in line.lower() and line.endswith(precautions_text(part))
            for line in found[1:]
        ), (modality.id, part.id)
    explained = ranking.explain()
    assert PRECAUTIONS_UNCHECKED in explained
    if ranking.options:
        assert explained.index(PRECAUTIONS_UNCHECKED) < explained.index(
            ranking.options[0].explain()
        )


@pytest.mark.parametrize("pain_type", PAIN_TYPES, ids=str)
def test_plans_and_rankings_say_when_precautions_were_not_checked(pain_type: PainType) -> None:
    """Every pain type: without the patient's precautions, the ranking and the plan say so
    when an option they offer has precautions, naming its source; checked, they do not.
    """
    for patient in (None, Patient()):
        ranking = rank(pain_type, patient=patient)
        care = plan(pain_type, patient=patient)
        offered = [o.modality for o in ranking.options if o.modality.precautions]
        assert bool(ranking.unchecked) == bool(ranking.precautions_to_check)
        for modality in offered:
            assert any(
                f"({modality.precautions_source})" in line and "check for:" in line
                for line in ranking.unchecked
            )
        members = [i.modality for i in care.members if i.modality.precautions]
        assert bool(care.unchecked) == bool(care.precautions_to_check)
        assert bool(members) <= bool(care.unchecked)
        if care.unchecked:
            assert PRECAUTIONS_UNCHECKED in care.explain()
    checked = Patient(precautions_known=True)
    assert rank(pain_type, patient=checked).unchecked == ()
    assert plan(pain_type, patient=checked).unchecked == ()
    assert PRECAUTIONS_UNCHECKED not in plan(pain_type, patient=checked).explain()


def test_neck_pain_names_massage_and_the_programmes_structural_massage() -> None:
    """The example of the issue: massage offered beside the core, its checks and source."""
    care = plan("neck:chronic")
    assert care.unchecked[0] == PRECAUTIONS_UNCHECKED
    assert care.unchecked[1] == (
        "- Before physical therapy programme (exercise-led) (its structural massage), deep "
        "tissue massage, myofascial release, structural massage and trigger point massage, "
        "check for: blood clot, bleeding risk, fracture, weakened bones, open wound, skin "
        "infection, recent surgery (nccih-massage)"
    )
    clot = plan("neck:chronic", patient=Patient(precautions={Precaution.BLOOD_CLOT}))
    assert clot.unchecked == ()


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ([], True),
        (["--precautions-checked"], False),
        (["--precaution", "open_wound"], False),
    ],
)
@pytest.mark.parametrize("command", ["rank", "plan"])
def test_cli_says_when_precautions_were_not_checked(
    command: str, extra: list[str], says: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rank`` and ``plan`` say it unless ``--precautions-checked`` or ``--precaution``;
    the JSON carries ``precautions_known``.
    """
    assert main([command, "neck", "chronic", *extra]) == 0
    out = _flat(capsys.readouterr().out)
    assert ("Precautions not checked" in out) is says
    assert ("check for: blood clot" in out) is says
    assert main([command, "neck", "chronic", *extra, "--format", "json"]) == 0
    shown = capsys.readouterr().out
    assert f'"precautions_known": {str(not says).lower()}' in shown


def test_a_fhir_record_read_checks_no_precaution(capsys: pytest.CaptureFixture[str]) -> None:
    """The FHIR reader reads no precaution from a record: a ranking made from one says the
    precautions were not checked (unless the command line gives them).
    """
    bundle = str(FHIR_FIXTURES / "brenda_jackson.json")
    assert main(["rank", "--fhir", bundle, "--as-of", "2024-01-01"]) == 0
    out = _flat(capsys.readouterr().out)
    assert "Precautions not checked" in out
    arguments = ["rank", "--fhir", bundle, "--as-of", "2024-01-01", "--precautions-checked"]
    assert main(arguments) == 0
    assert "Precautions not checked" not in capsys.readouterr().out
