"""`relais match CANDIDATES.csv OFFERS.csv --out PROPOSALS.csv` end to end, on small files: the
proposals written, the French report of bad lines, the files other tools write."""

import csv
import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

CANDIDATES = """candidate_id,commune_code,rome_codes,education_level,driving_licence,vehicle,max_km,hours_min,hours_max,available_from,nights,weekends
C1,92050,G1602 G1603,3,0,0,15,20,35,2027-01-04,0,1
C2,92012,K2204,0,1,1,20,10,30,2027-01-04,1,1
C3,78003,K2503,3,0,0,5,20,35,2027-01-04,1,1
"""
OFFERS = """offer_id,siret,commune_code,rome_code,education_level,driving_licence,vehicle,hours,nights,weekends,positions,start_date
O1,73282932000074,92050,G1602,3,0,0,35,0,1,1,2027-02-01
O2,73282932000074,92002,K2204,0,0,0,24,0,0,2,2027-02-01
"""


def run(tmp_path, candidates: str, offers: str, encoding: str = "utf-8", *options: str) -> tuple[str, str]:
    (tmp_path / "c.csv").write_text(candidates, encoding=encoding)
    (tmp_path / "o.csv").write_text(offers, encoding=encoding)
    out, err = io.StringIO(), io.StringIO()
    call_command("match", str(tmp_path / "c.csv"), str(tmp_path / "o.csv"), "--out", str(tmp_path / "p.csv"), *options,
                 stdout=out, stderr=err)  # fmt: skip
    return out.getvalue(), err.getvalue()


def proposals(tmp_path) -> list[dict[str, str]]:
    with (tmp_path / "p.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_good_pair_of_files_gives_proposals_and_a_french_summary(tmp_path):
    out, err = run(tmp_path, CANDIDATES, OFFERS)
    rows = proposals(tmp_path)
    assert list(rows[0]) == ["candidate_id", "offer_id", "rank", "score", "reasons"]
    assert {(r["candidate_id"], r["offer_id"], r["rank"]) for r in rows} == {("C1", "O1", "1"), ("C2", "O2", "1")}
    for row in rows:
        assert len(row["score"].split(".")[1]) == 3 and 0 <= float(row["score"]) <= 1
        assert row["reasons"].startswith("Métier recherché : ")
        assert " ; À " in row["reasons"] or " ; Même commune" in row["reasons"]
    assert "3 candidats, 2 offres (3 postes) : 2 propositions écrites" in out
    assert "2 candidats sur 3 en reçoivent au moins une (66,7 %)" in out
    assert err == ""


def test_bom_semicolons_decimal_commas_french_booleans_blank_lines_and_another_column_order(tmp_path):
    candidates = (
        "\ufeffCandidate_ID ; rome_codes;commune_code;education_level;driving_licence;vehicle;max_km;hours_min;hours_max;"
        "available_from;nights;weekends;nom\n\n"
        "C1 ; G1602 ;92050;3;non;non;12,5;20;35;04/01/2027;non;oui;Dupont;\n\n"
    )
    offers = OFFERS.replace(",", ";").replace("O2;73282932000074", "O2;732 829 320 00074")
    out, err = run(tmp_path, candidates, offers, "utf-8")
    assert [(r["candidate_id"], r["offer_id"]) for r in proposals(tmp_path)] == [("C1", "O1")]
    assert "jusqu'à 12,5 km accepté" in proposals(tmp_path)[0]["reasons"]
    assert "colonne ignorée : nom" in err
    assert "1 candidat, 2 offres" in out


def test_a_windows_1252_file_with_crlf_lines_is_read(tmp_path):
    candidates = CANDIDATES.replace("C1,", "Cé,").replace("\n", "\r\n")
    run(tmp_path, candidates, OFFERS, "cp1252")
    assert ("Cé", "O1") in {(r["candidate_id"], r["offer_id"]) for r in proposals(tmp_path)}


def test_bad_lines_stop_the_run_and_nothing_is_written(tmp_path):
    candidates = CANDIDATES + (
        "C4,75056,G16,2,peut-être,0,-3,35,20,2027-02-30,0,1\nC1,92050,G1602,3,0,0,15,20,35,2027-01-04,0,1\nC5,92050,G1602,3,0,0\n"
    )
    offers = OFFERS + "O3,73282932000075,92050,G1602,3,0,0,200,0,1,0,2027-13-01\n"
    with pytest.raises(CommandError, match="erreurs : aucune proposition écrite"):
        run(tmp_path, candidates, offers)
    assert not (tmp_path / "p.csv").exists()
    assert not list(tmp_path.glob("*.partial"))


def test_the_report_names_each_line_and_column(tmp_path):
    candidates = CANDIDATES + (
        "C4,75056,G16,2,peut-être,0,-3,20,35,2027-02-30,0,1\n"
        "C6,92050,G1602,3,0,0,15,35,20,2027-01-04,0,1\n"
        "C1,92050,G1602,3,0,0,15,20,35,2027-01-04,0,1\n"
        "C5,92050,G1602,3,0,0\n"
    )
    offers = OFFERS + "O3,73282932000075,92050,G1602,3,0,0,200,0,1,0,2027-13-01\n"
    (tmp_path / "c.csv").write_text(candidates, encoding="utf-8")
    (tmp_path / "o.csv").write_text(offers, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("match", str(tmp_path / "c.csv"), str(tmp_path / "o.csv"), "--out", str(tmp_path / "p.csv"), stderr=err)
    report = err.getvalue()
    for expected in [
        "ligne 5, colonne « commune_code » : « 75056 » : code INSEE de commune inconnu",
        "ligne 5, colonne « rome_codes » : « G16 » : code ROME attendu",
        "ligne 5, colonne « education_level » : « 2 » : niveau de formation attendu",
        "ligne 5, colonne « driving_licence » : « peut-être » : 0 ou 1 attendu",
        "ligne 5, colonne « max_km » : « -3 » : nombre positif ou nul attendu",
        "ligne 5, colonne « available_from » : « 2027-02-30 » : date impossible",
        "ligne 6, colonne « hours_min » : 35 h : minimum supérieur au maximum (20 h)",
        "ligne 7, colonne « candidate_id » : « C1 » figure déjà ligne 2",
        "ligne 8 : 6 colonnes au lieu de 12",
        "ligne 4, colonne « siret » : « 73282932000075 » : SIRET invalide",
        "ligne 4, colonne « hours » : « 200 » : plus de 168 heures par semaine",
        "ligne 4, colonne « positions » : « 0 » : au moins 1 poste ouvert",
        "ligne 4, colonne « start_date » : « 2027-13-01 » : date impossible",
    ]:
        assert expected in report
    assert not (tmp_path / "p.csv").exists()


def test_a_missing_or_repeated_column_stops_the_file(tmp_path):
    err = io.StringIO()
    (tmp_path / "c.csv").write_text(CANDIDATES.replace("max_km", "max_kms"), encoding="utf-8")
    (tmp_path / "o.csv").write_text(OFFERS.replace("rome_code,", "offer_id,"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("match", str(tmp_path / "c.csv"), str(tmp_path / "o.csv"), "--out", str(tmp_path / "p.csv"), stderr=err)
    report = err.getvalue()
    assert (
        "ligne 1 : en-tête incorrect — colonne(s) obligatoire(s) absente(s) : max_km ; colonne(s) inconnue(s) : max_kms" in report
    )
    assert "une colonne est répétée" in report


def test_an_empty_file_and_a_missing_file_are_told_in_french(tmp_path):
    with pytest.raises(CommandError, match="aucune proposition"):
        run(tmp_path, "", OFFERS)
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("match", str(tmp_path / "none.csv"), str(tmp_path / "o.csv"), "--out", str(tmp_path / "p.csv"))


def test_capacities_from_the_command_line(tmp_path):
    many = CANDIDATES.splitlines()[0] + "\n" + "".join(f"C{k},92050,G1602,3,0,0,15,20,35,2027-01-04,0,1\n" for k in range(10))
    run(tmp_path, many, OFFERS, "utf-8", "--per-offer", "2")
    assert len(proposals(tmp_path)) == 2
    with pytest.raises(CommandError, match="1 au moins"):
        run(tmp_path, many, OFFERS, "utf-8", "--per-candidate", "0")


@pytest.mark.slow  # a fresh Python process with Django: seconds of start-up
def test_the_console_command_runs_on_an_unmigrated_database(tmp_path):
    """`relais match` reads two files and writes one: a fresh install, its database never migrated,
    can run it (the tests above already run without database access)."""
    (tmp_path / "c.csv").write_text(CANDIDATES, encoding="utf-8")
    (tmp_path / "o.csv").write_text(OFFERS, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    done = subprocess.run(
        [sys.executable, "-c", "from relais.cli import main; main()", "match", "c.csv", "o.csv", "--out", "p.csv", "--per-offer", "1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 propositions écrites" in done.stdout
    assert len(proposals(tmp_path)) == 2
