"""The evaluation kit's commands: the two imports (all or nothing, idempotent) and the report's JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from relais.evaluation.models import SurveyChannel, SurveyResponse, VisitCount, WeekClosure

SURVEY_HEADER = "answer_id,site_code,partner_code,answered_on,satisfaction,expectation,recommend,reason,comment\n"
VISITS_HEADER = "site_code,week,partner_code,kind,count\n"


def _write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _report(*args: str) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("evaluation_report", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def answers_file(tmp_path, network):
    lines = [
        "A1,78-FS-MUREAUX,CAF92,2026-03-02,tres_satisfait,totalement,oui,proximite,Très bon accueil",
        "A2,78-FS-MUREAUX,CAF92,2026-03-03,tres_satisfait,totalement,oui,accompagnement,",
        "A3,78-fs-mureaux,CPAM78,2026-03-10,plutot_satisfait,en_partie,oui,proximite,",
        "A4,78-FS-MUREAUX,,2026-03-11,pas_du_tout_satisfait,pas_du_tout,non,horaires,Trop d'attente",
        "A5,78-FS-MUREAUX,CPAM78,2026-03-12,,totalement,,proximite,",  # satisfaction left empty
        "A6,92-FS-CLICHY,CAF92,2026-03-12,plutot_pas_satisfait,en_partie,non,autre,",
        "A7,78-FS-MUREAUX,CAF92,2026-04-01,tres_satisfait,totalement,oui,proximite,",  # April: out of March
    ]
    return _write(tmp_path, "reponses.csv", SURVEY_HEADER + "\n".join(lines) + "\n")


def test_survey_answers_import_then_report_rates_over_those_who_answered(answers_file):
    call_command("import_survey_answers", str(answers_file))
    assert SurveyResponse.objects.count() == 7
    assert set(SurveyResponse.objects.values_list("channel", flat=True)) == {SurveyChannel.IMPORT}

    report = _report("--from", "2026-03-01", "--to", "2026-03-31", "--site", "78-FS-MUREAUX")
    assert report["answers"] == 5
    # Satisfaction: 4 answered (A5 left it empty); 3 satisfied, 2 very satisfied.
    assert report["satisfied_rate"] == 0.75
    assert report["very_satisfied_rate"] == 0.5
    assert report["denominators"]["satisfied_rate"] == 4
    assert report["fully_met_rate"] == 0.6  # 3 of 5
    assert report["recommend_rate"] == 0.75  # 3 of 4 (A5 left it empty)
    assert report["denominators"]["recommend_rate"] == 4
    assert report["reasons"] == {"proximite": 3, "accompagnement": 1, "horaires": 1, "autre": 0}

    network_wide = _report("--from", "2026-03-01", "--to", "2026-03-31")
    assert network_wide["answers"] == 6
    assert network_wide["satisfied_rate"] == pytest.approx(3 / 5, abs=1e-4)


def test_importing_the_same_answers_twice_changes_nothing_and_a_corrected_line_is_updated(answers_file, tmp_path):
    call_command("import_survey_answers", str(answers_file))
    call_command("import_survey_answers", str(answers_file))
    assert SurveyResponse.objects.count() == 7
    corrected = _write(tmp_path, "corrige.csv", SURVEY_HEADER + "A4,78-FS-MUREAUX,,2026-03-11,plutot_satisfait,,,,\n")
    call_command("import_survey_answers", str(corrected))
    assert SurveyResponse.objects.count() == 7
    assert SurveyResponse.objects.get(external_id="A4").satisfaction == "plutot_satisfait"


def test_a_bad_line_refuses_the_whole_file_with_a_french_line_report(network, tmp_path, capsys):
    path = _write(tmp_path, "faux.csv", SURVEY_HEADER + "\n".join([
        "B1,78-FS-MUREAUX,CAF92,2026-03-02,tres_satisfait,,,,",
        "B2,78-FS-NULLEPART,CAF92,2026-03-02,tres_satisfait,,,,",
        "B3,78-FS-MUREAUX,CAF92,02/03/2026,ravi,,peut-être,,",
        "B1,78-FS-MUREAUX,CAF92,2026-03-02,tres_satisfait,,,,",
    ]) + "\n")  # fmt: skip
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_survey_answers", str(path))
    errors = capsys.readouterr().err
    assert "ligne 3, colonne « site_code » : « 78-FS-NULLEPART » : site inconnu" in errors
    assert "ligne 4, colonne « satisfaction » : « ravi » : valeur inconnue" in errors
    assert "ligne 4, colonne « recommend »" in errors
    assert "ligne 5, colonne « answer_id » : « B1 » figure déjà ligne 2." in errors
    assert SurveyResponse.objects.count() == 0


def test_a_value_over_the_csv_limit_is_a_line_of_the_report_not_a_crash(network, tmp_path, capsys):
    path = _write(tmp_path, "enorme.csv", SURVEY_HEADER + "B1,78-FS-MUREAUX,CAF92,2026-03-02,tres_satisfait,,,,\n"
                  + "B2,78-FS-MUREAUX,CAF92,2026-03-02,tres_satisfait,,,," + "x" * 200_000 + "\n")  # fmt: skip
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_survey_answers", str(path))
    assert "ligne 3 : ligne illisible : une valeur de plus de 128 Ko" in capsys.readouterr().err
    assert SurveyResponse.objects.count() == 0


def test_labels_accents_semicolons_and_windows_1252_are_read(network, tmp_path):
    text = (
        "answer_id;site_code;answered_on;satisfaction;expectation;recommend;reason\n"
        "C1;78-FS-MUREAUX;05/03/2026;Très satisfait;En partie;Oui;Proximité\n"
    )
    path = _write(tmp_path, "excel.csv", text, encoding="cp1252")
    call_command("import_survey_answers", str(path))
    response = SurveyResponse.objects.get(external_id="C1")
    assert (response.satisfaction, response.expectation, response.recommend, response.reasons) == (
        "tres_satisfait", "en_partie", True, ["proximite"],
    )  # fmt: skip
    assert response.partner is None and response.comment == ""


def test_a_future_answer_date_is_refused(network, tmp_path, capsys):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    path = _write(tmp_path, "futur.csv", SURVEY_HEADER + f"D1,78-FS-MUREAUX,,{tomorrow:%Y-%m-%d},tres_satisfait,,,,\n")
    with pytest.raises(CommandError):
        call_command("import_survey_answers", str(path))
    assert "date à venir" in capsys.readouterr().err


@pytest.fixture
def visits_file(tmp_path, network):
    lines = [
        "78-FS-MUREAUX,2026-W10,CAF92,visio,12",
        "78-FS-MUREAUX,2026-W10,CAF92,information,30",
        "78-FS-MUREAUX,2026-W11,CPAM78,online_procedure,8",
        "78-FS-MUREAUX,2026-W11,,printing,5",
        "92-FS-CLICHY,2026-W11,CAF92,visio,4",
        "78-FS-MUREAUX,2026-W14,CAF92,visio,7",  # Thursday 2 April: April
    ]
    return _write(tmp_path, "comptages.csv", VISITS_HEADER + "\n".join(lines) + "\n")


def test_visit_counts_import_then_report_visits_by_partner(visits_file):
    call_command("import_visit_counts", str(visits_file))
    report = _report("--from", "2026-03-01", "--to", "2026-03-31", "--site", "78-FS-MUREAUX")
    assert report["visits_by_partner"] == {"CAF92": 42, "CPAM78": 8}
    assert report["visits_without_partner"] == 5
    assert report["visits_total"] == 55
    assert report["visio_sessions"] == 12
    network_wide = _report("--from", "2026-03-01", "--to", "2026-04-30")
    assert network_wide["visits_by_partner"] == {"CAF92": 53, "CPAM78": 8}
    assert network_wide["visio_sessions"] == 23


def test_a_count_replaces_the_cell_it_never_adds_to_it(visits_file, tmp_path):
    call_command("import_visit_counts", str(visits_file))
    call_command("import_visit_counts", str(visits_file))
    assert VisitCount.objects.count() == 6
    path = _write(tmp_path, "correction.csv", VISITS_HEADER + "78-FS-MUREAUX,2026-W10,caf92,Visio-guichet,15\n")
    call_command("import_visit_counts", str(path))
    assert VisitCount.objects.get(site__code="78-FS-MUREAUX", week=dt.date(2026, 3, 2), kind="visio").count == 15
    assert VisitCount.objects.count() == 6


def test_a_bad_count_line_refuses_the_file(network, tmp_path, capsys):
    path = _write(tmp_path, "faux.csv", VISITS_HEADER + "\n".join([
        "78-FS-MUREAUX,2026-W10,CAF92,visio,12",
        "78-FS-MUREAUX,2026-W54,CAF92,visio,3",
        "78-FS-MUREAUX,2026-W11,CAF92,coiffure,3",
        "78-FS-MUREAUX,2026-W12,CAF92,visio,-2",
        "78-FS-MUREAUX,2026-W10,CAF92,visio,1",
    ]) + "\n")  # fmt: skip
    with pytest.raises(CommandError):
        call_command("import_visit_counts", str(path))
    errors = capsys.readouterr().err
    assert "ligne 3, colonne « week » : « 2026-W54 » : l'année 2026 n'a pas de semaine 54." in errors
    assert "ligne 4, colonne « kind »" in errors
    assert "ligne 5, colonne « count »" in errors
    assert "ligne 6 : Cette case (même site, semaine, partenaire et nature) figure déjà ligne 2." in errors
    assert VisitCount.objects.count() == 0


def test_a_file_may_correct_a_closed_week_and_says_so(visits_file, network, capsys):
    WeekClosure.objects.create(site=network.mureaux, week=dt.date(2026, 3, 2))
    call_command("import_visit_counts", str(visits_file))
    assert "78-FS-MUREAUX 2026-W10" in capsys.readouterr().out


def test_report_options_are_checked_in_french(network):
    with pytest.raises(CommandError, match=r"Site « NULLE-PART » inconnu\. Codes connus : 78-FS-MUREAUX"):
        _report("--from", "2026-03-01", "--to", "2026-03-31", "--site", "NULLE-PART")
    with pytest.raises(CommandError, match="est après --to"):
        _report("--from", "2026-04-01", "--to", "2026-03-31")
    with pytest.raises(CommandError, match="--from : « 2026-02-30 » : date impossible"):
        _report("--from", "2026-02-30", "--to", "2026-03-31")
    with pytest.raises(CommandError, match="--out est obligatoire"):
        _report("--from", "2026-03-01", "--to", "2026-03-31", "--format", "pdf")
    with pytest.raises(CommandError, match="La période se choisit entre le 01/01/2000"):
        _report("--from", "0001-01-01", "--to", "2026-03-31")
    with pytest.raises(CommandError, match="La période se choisit entre le 01/01/2000"):
        _report("--from", "2026-03-01", "--to", "9999-12-31")
    with pytest.raises(CommandError, match="--out désigne un dossier"):
        _report("--from", "2026-03-01", "--to", "2026-03-31", "--format", "pdf", "--out", str(Path.cwd()))


def test_an_empty_period_gives_no_rate_rather_than_zero(network):
    report = _report("--from", "2026-03-01", "--to", "2026-03-31")
    assert report["answers"] == 0
    assert report["satisfied_rate"] is None
    assert report["denominators"]["satisfied_rate"] == 0
    assert report["visits_by_partner"] == {}
    assert report["km_avoided"] == 0
    assert report["emission_factor_kg_per_km"] > 0


def test_pdf_and_xlsx_reports_are_written(answers_file, visits_file, tmp_path):
    call_command("import_survey_answers", str(answers_file))
    call_command("import_visit_counts", str(visits_file))
    pdf = tmp_path / "rapport.pdf"
    call_command("evaluation_report", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    xlsx = tmp_path / "rapport.xlsx"
    call_command("evaluation_report", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "xlsx", "--out", str(xlsx))
    from openpyxl import load_workbook

    workbook = load_workbook(xlsx)
    assert "Visites par partenaire" in workbook.sheetnames
    rows = list(workbook["Visites par partenaire"].iter_rows(values_only=True))
    assert rows[1][:3] == ("CAF92", "CAF des Hauts-de-Seine", 46)  # the network: Les Mureaux 42, Clichy 4


def test_a_week_to_come_and_an_empty_count_are_refused(network, tmp_path, capsys):
    next_week = dt.date.today() + dt.timedelta(days=8)
    year, week, _ = next_week.isocalendar()
    path = _write(tmp_path, "futur.csv", VISITS_HEADER + "\n".join([
        f"78-FS-MUREAUX,{year}-W{week:02d},CAF92,visio,3",
        "78-FS-MUREAUX,1999-W10,CAF92,visio,3",
        "78-FS-MUREAUX,2026-W10,CAF92,visio,",
        "78-FS-MUREAUX,2026-W10,CAF92,information,2.5",
    ]) + "\n")  # fmt: skip
    with pytest.raises(CommandError):
        call_command("import_visit_counts", str(path))
    errors = capsys.readouterr().err
    assert "ligne 2, colonne « week »" in errors and "semaine à venir" in errors
    assert "ligne 3, colonne « week »" in errors and "antérieure à l'an 2000" in errors
    assert "ligne 4, colonne « count » : le nombre de visites est vide (0 si aucune)." in errors
    assert "ligne 5, colonne « count » : « 2.5 » : nombre entier de visites attendu" in errors


def test_a_partner_code_must_be_a_partner_organisation(network, tmp_path, capsys):
    path = _write(tmp_path, "departement.csv", VISITS_HEADER + "78-FS-MUREAUX,2026-W10,78,information,5\n")
    with pytest.raises(CommandError):
        call_command("import_visit_counts", str(path))
    assert "ligne 2, colonne « partner_code » : « 78 » : partenaire inconnu" in capsys.readouterr().err


def test_only_active_service_points_and_partners_are_named(network, tmp_path, capsys):
    """A partner's office has no grid and no answers; the report's --partner is a partner too."""
    path = _write(tmp_path, "agence.csv", VISITS_HEADER + "CAF92-NANTERRE,2026-W10,,information,5\n")
    with pytest.raises(CommandError):
        call_command("import_visit_counts", str(path))
    assert "« CAF92-NANTERRE » : site inconnu" in capsys.readouterr().err
    with pytest.raises(CommandError, match=r"Site « CAF92-NANTERRE » inconnu\. Codes connus : 78-FS-MUREAUX"):
        _report("--from", "2026-03-01", "--to", "2026-03-31", "--site", "CAF92-NANTERRE")
    with pytest.raises(CommandError, match=r"Partenaire « 78 » inconnu\. Codes connus : CAF92, CPAM78\."):
        _report("--from", "2026-03-01", "--to", "2026-03-31", "--partner", "78")
