from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kpis.models import Kpi
from kpis.services.library import kpi_library_load
from okrs.models import Guardrail, Initiative, KeyResult, Objective
from tests.okrs.factories import MembershipFactory, TeamFactory, UserFactory, quarter, series

pytestmark = pytest.mark.django_db

SEEDS_YAML = """\
period: 2026-Q1
objectives:
  - title: Reduce Escalated Calls Rate
    team: Tier 1
    owner: alice
    state: active
    key_results:
      - title: Decrease escalated calls by 20% compared to the previous quarter
        kind: kpi_relative
        kpi: contact_escalation_rate
        segment: team=Tier 1
        change_percent: -20
        initiatives:
          - title: Knowledge-base improvements and agent training
            owner: alice
            due: 2026-03-31
      - title: Increase First Call Resolution rate from 70% to 80%
        kind: kpi_from_to
        kpi: first_contact_resolution_rate
        baseline: 70
        target: 80
        initiatives:
          - title: Agent decision-making tools
      - title: Decrease average call duration by 10% without compromising quality
        kind: kpi_relative
        kpi: average_handle_time
        change_percent: -10
        guardrails:
          - csat >= 85
        initiatives:
          - title: Call scripts and call analytics
"""

_OBJECTIVE = "2026-Q1,Tier 1,alice,Reduce Escalated Calls Rate,active,"
SEEDS_CSV = (
    "period,team,owner,objective,objective_state,key_result,kind,kpi,segment,"
    "baseline,target,change_percent,guardrails,initiatives\n"
    f"{_OBJECTIVE}Cut escalations,kpi_relative,contact_escalation_rate,team=Tier 1,,,-20,,KB work|Training\n"
    f"{_OBJECTIVE}FCR 70 to 80,kpi_from_to,first_contact_resolution_rate,,70,80,,,Decision tools\n"
    f"{_OBJECTIVE}AHT -10%,kpi_relative,average_handle_time,,,,-10,csat >= 85,\n"
)


@pytest.fixture
def setup() -> None:
    kpi_library_load()
    # alice owns Tier 1's objective and initiatives: she is in the team.
    MembershipFactory(team=TeamFactory(name="Tier 1"), user=UserFactory(username="alice"))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _nothing_written() -> bool:
    return not (Objective.objects.exists() or KeyResult.objects.exists() or Initiative.objects.exists())


@pytest.mark.usefixtures("setup")
def test_it_loads_the_seeds_example_from_yaml_and_computes_it(tmp_path: Path) -> None:
    # given FCR data for the quarter
    series(Kpi.objects.get(key="first_contact_resolution_rate"), quarter("2026-Q1"), 75.0)

    # when
    call_command("import_okrs", str(_write(tmp_path, "okrs.yaml", SEEDS_YAML)))

    # then
    objective = Objective.objects.get()
    assert (objective.team.name, objective.owner.username, objective.period.label) == ("Tier 1", "alice", "2026-Q1")
    assert objective.key_results.count() == 3
    kr1 = objective.key_results.get(kpi__key="contact_escalation_rate")
    assert (kr1.kind, kr1.change_percent, kr1.segment_label) == ("kpi_relative", -20.0, "team=Tier 1")
    assert kr1.initiatives.get().due_date.isoformat() == "2026-03-31"
    assert objective.key_results.get(kpi__key="first_contact_resolution_rate").progress == pytest.approx(50.0)
    guardrail = Guardrail.objects.get()
    assert (guardrail.kpi.key, guardrail.comparison, guardrail.threshold) == ("csat", ">=", 85.0)


@pytest.mark.usefixtures("setup")
def test_loading_the_same_file_again_updates_in_place(tmp_path: Path) -> None:
    path = _write(tmp_path, "okrs.yaml", SEEDS_YAML)

    call_command("import_okrs", str(path))
    call_command("import_okrs", str(path))

    assert Objective.objects.count() == 1
    assert KeyResult.objects.count() == 3
    assert Initiative.objects.count() == 3
    assert Guardrail.objects.count() == 1


@pytest.mark.usefixtures("setup")
def test_it_loads_a_csv_with_one_row_per_key_result(tmp_path: Path) -> None:
    call_command("import_okrs", str(_write(tmp_path, "okrs.csv", SEEDS_CSV)))

    objective = Objective.objects.get()
    assert objective.state == "active"
    assert list(objective.key_results.values_list("title", flat=True)) == [
        "Cut escalations",
        "FCR 70 to 80",
        "AHT -10%",
    ]
    assert Initiative.objects.count() == 3
    assert Guardrail.objects.get().key_result.title == "AHT -10%"


@pytest.mark.usefixtures("setup")
@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.yaml", SEEDS_YAML.replace("team: Tier 1", "team: Tier 9"), "line 4: unknown team 'Tier 9'"),
        (
            "bad.yaml",
            SEEDS_YAML.replace("owner: alice\n    state", "owner: bob\n    state"),
            "line 5: unknown user 'bob'",
        ),
        ("bad.yaml", SEEDS_YAML.replace("period: 2026-Q1", "period: 2026-Q5"), "line 1: unknown period '2026-Q5'"),
        ("bad.yaml", SEEDS_YAML.replace("kpi: average_handle_time", "kpi: aht"), "line 26: unknown KPI 'aht'"),
        ("bad.yaml", SEEDS_YAML.replace("change_percent: -20", "change_percent: 20"), "line 12: change_percent: "),
        ("bad.yaml", SEEDS_YAML.replace("target: 80", "target: eighty"), "line 21: target must be a number"),
        ("bad.yaml", SEEDS_YAML.replace("segment: team=Tier 1", "segment: Tier 1"), "line 11: segment 'Tier 1' must"),
        ("bad.yaml", SEEDS_YAML.replace("csat >= 85", "csat > 85"), "line 28: guardrail 'csat > 85' must read"),
        ("bad.yaml", SEEDS_YAML.replace("due: 2026-03-31", "due: soon"), "line 16: due must be a date"),
        ("bad.yaml", SEEDS_YAML.replace("baseline: 70", "basline: 70"), "line 20: unknown key result field 'basline'"),
        ("bad.yaml", SEEDS_YAML.replace("kind: kpi_from_to", "kind: kpi_fromto"), "line 18: kind: Value 'kpi_fromto'"),
        (
            "bad.yaml",
            SEEDS_YAML.replace("    owner: alice\n    state", "    owner: [alice\n    state"),
            "line 6: not valid YAML",
        ),
        ("bad.yaml", "objectives: 3\n", "line 1: the file must have a top-level 'objectives:' list"),
        ("bad.csv", SEEDS_CSV.replace("change_percent", "change"), "line 1: unknown column 'change'"),
        ("bad.csv", SEEDS_CSV.replace(",70,80,", ",70,,"), "line 3: target: Give the target value."),
        (
            "bad.csv",
            SEEDS_CSV.replace("Tier 1,alice,Reduce Escalated Calls Rate,active,AHT", "Tier 1,al,Reduce,x,AHT"),
            "line 4: unknown user 'al'",
        ),
        ("bad.csv", SEEDS_CSV + "2026-Q1,Tier 1,alice\n", "line 5: 3 cells where the header has 14"),
    ],
)
def test_it_rejects_a_bad_file_naming_the_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, expected: str
) -> None:
    # given a file with one mistake
    path = _write(tmp_path, name, text)

    # when
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_okrs", str(path))

    # then the error names the line, and no objective, key result or initiative was written
    assert f"{name}, {expected}" in capsys.readouterr().err
    assert _nothing_written()


@pytest.mark.usefixtures("setup")
def test_it_reports_every_problem_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SEEDS_YAML.replace("kpi: average_handle_time", "kpi: aht").replace("target: 80", "target: eighty")

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_okrs", str(_write(tmp_path, "bad.yaml", text)))

    err = capsys.readouterr().err
    assert "line 21: target must be a number" in err
    assert "line 26: unknown KPI 'aht'" in err
    assert _nothing_written()


def test_it_rejects_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_okrs", str(tmp_path / "missing.yaml"))


@pytest.mark.usefixtures("setup")
def test_a_key_result_in_a_file_can_freeze_its_baseline(tmp_path: Path) -> None:
    text = SEEDS_YAML.replace("change_percent: -20\n", "change_percent: -20\n        freeze_baseline: true\n", 1)

    call_command("import_okrs", str(_write(tmp_path, "okrs.yaml", text)))

    frozen = KeyResult.objects.filter(freeze_baseline=True)
    assert list(frozen.values_list("kpi__key", flat=True)) == ["contact_escalation_rate"]


@pytest.mark.usefixtures("setup")
def test_a_freeze_that_is_not_true_or_false_names_its_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SEEDS_YAML.replace("change_percent: -20\n", "change_percent: -20\n        freeze_baseline: maybe\n", 1)

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_okrs", str(_write(tmp_path, "okrs.yaml", text)))

    assert "line 13: freeze_baseline must be true or false, got 'maybe'" in capsys.readouterr().err
    assert _nothing_written()
