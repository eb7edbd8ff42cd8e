from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from relais.people.importing import run_import
from relais.people.models import ImportJob, Person, SourceRecord
from relais.people.selectors import person_contact_warnings, person_search
from relais.people.services import person_data_from, person_update
from relais.territory.policies import agent_access_scope

HEADER = "source_id,birth_name,usage_name,first_names,sex,birth_date,birth_place,address,postcode,city,phone,email,nir\n"
GOOD = HEADER + (
    'A1,Lefèvre,Martin,"Élodie, Marie",F,1985-04-12,Nanterre,2 rue Pasteur,92000,Nanterre,06 12 34 56 78,elodie@example.fr,\n'
    "A2,N'DIAYE,,Moussa,M,03/02/1990,Dakar,,92230,Gennevilliers,,,\n"
    "A3,de La Fontaine,,Jean-Pierre,M,,,,,,,,\n"
)


def _write(tmp_path, text, name="base.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_persons", str(path), "--source", "GRC92", "--quiet", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_creates_searchable_persons_with_provenance_and_is_idempotent(world, tmp_path):
    path = _write(tmp_path, GOOD)
    out, _ = _run(path)
    assert "3 personnes importées" in out and Person.objects.count() == 3
    person = Person.objects.get(source_records__source_id="A1")
    assert (person.usage_name, person.first_names, str(person.birth_date)) == ("Martin", "Élodie, Marie", "1985-04-12")
    assert person.contact_points.get(kind="phone").value == "+33612345678" and person.organisations.get() == world.org92
    assert SourceRecord.objects.get(source_id="A2").data["birth_name"] == "N'DIAYE"
    assert person_search(scope=agent_access_scope(world.agent92), query="lefevre elodie") == [person]
    out, _ = _run(path)
    assert "0 personne importée, 3 déjà présentes" in out and Person.objects.count() == 3


def test_semicolons_and_windows_1252_from_an_old_excel(world, tmp_path):
    path = _write(tmp_path, GOOD.replace(",", ";").replace('"Élodie; Marie"', '"Élodie, Marie"'), encoding="cp1252")
    out, _ = _run(path)
    assert "Windows-1252" in out and "séparateur « ; »" in out
    assert Person.objects.get(source_records__source_id="A1").birth_name == "Lefèvre"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER.replace("birth_name", "nom") + "A1,x,,,,,,,,,,,\n", "colonne(s) inconnue(s) : nom"),
        (HEADER + "A1,Petit,,Léa,F,30/02/1990,,,,,,,\n", "ligne 5, colonne « birth_date » : Le 30/02/1990 n'existe pas"),
        (HEADER + "A1,Petit,,Léa,F,,,,,,,,\nA1,Petit,,Léa,F,,,,,,,,\n", "« A1 » figure déjà ligne 2"),
        (HEADER + "A1;Petit;;Léa;F;;;;;;;;\n", "séparateurs mélangés"),
        (HEADER + "A1,Petit,,Léa,X,,,,,,06 12,,\n", "sexe attendu F ou M"),
        (HEADER + "A1,Petit,,Léa,F,2099-01-01,,,,,,,\n", "dans le futur"),
        (
            HEADER + "A1,Petit,,Léa,F,1875-05-01,,,,,,,\n",
            "ligne 5, colonne « birth_date » : La date de naissance est antérieure à 1900",
        ),
        # The rules of the person form, since the one person builder (people/building.py):
        (HEADER + "A1,Petit,,,F,,,,,,,,\n", "ligne 5, colonne « first_names » : Indiquez au moins un prénom."),
        (HEADER + "A1,Pe\x00tit,,Léa,F,,,,,,,,\n", "ligne 5, colonne « birth_name » : la valeur contient un caractère nul"),
        (HEADER + f"A1,{'P' * 150},,Léa,F,,,,,,,,\n", "ligne 5, colonne « birth_name » : 150 caractères : 100 au plus"),
        (HEADER + f"A1,Petit,,{'L' * 250},F,,,,,,,,\n", "ligne 5, colonne « first_names » : 250 caractères : 200 au plus"),
        (HEADER + f"{'9' * 70},Petit,,Léa,F,,,,,,,,\n", "ligne 5, colonne « source_id » : 70 caractères"),
    ],
)
def test_bad_files_are_refused_with_a_french_report_and_nothing_imported(world, tmp_path, text, message):
    with pytest.raises(CommandError, match="rien n'a été importé"):
        _run(_write(tmp_path, GOOD + text.split("\n", 1)[1] if text.startswith(HEADER) else text))
    job = ImportJob.objects.get()
    assert job.status == "refused" and any(message in problem for problem in job.problems), job.problems
    assert not Person.objects.exists()


def test_broken_utf8_in_a_utf8_file_is_reported_by_line(world, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(GOOD.encode("utf-8") + b"A4,P\xe9tit,,L\xe9a,F,,,,,,,,\n")
    with pytest.raises(CommandError):
        _run(path)
    assert "ligne 5 : caractères illisibles en UTF-8" in ImportJob.objects.get().problems[0]
    assert not Person.objects.exists()


def test_dry_run_counts_without_writing(world, tmp_path):
    out, _ = _run(_write(tmp_path, GOOD), "--dry-run")
    assert "3 personnes seraient importées" in out and not Person.objects.exists()


def test_an_interrupted_batched_import_resumes_without_duplicates(world, tmp_path, transactional_db):
    lines = "".join(f"B{i},Nom{i},,Prénom,F,,,,,,,,\n" for i in range(250))
    path = _write(tmp_path, HEADER + lines)
    calls = []

    def crash_after_first_batch(done, total):
        calls.append(done)
        if len(calls) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(path=path, source="GRC92", organisation=world.org92, batch_size=100, progress=crash_after_first_batch)
    assert Person.objects.count() == 100 and ImportJob.objects.get().status == "interrupted"
    job = run_import(path=path, source="GRC92", organisation=world.org92, batch_size=100)
    assert job.status == "done" and job.imported == 250 and Person.objects.count() == 250
    assert ImportJob.objects.count() == 1  # the same job was resumed


DIRTY = HEADER + (
    "D1,Hoarau,,Mickaël,M,1979-06-02,Saint-Denis,,97400,Saint-Denis,0692 12 34 56,,\n"
    "D2,Petit,,Léa,F,,,,,,071 23 45 67 89,lea@example.fr,\n"
    "D3,Roux,,Paul,M,,,,,,06 12 34 56 78,paul.roux@@example,\n"
    "D4,Jean-Baptiste,,Marie,F,,,,,,+33 6 96 12 34 56,,\n"
)


def test_an_unusable_phone_or_email_is_a_warning_and_the_person_is_imported_to_correct(world, tmp_path):
    out, err = _run(_write(tmp_path, DIRTY))
    assert "4 personnes importées" in out and "2 avertissements" in out
    assert "ligne 3, colonne « phone » : « 071 23 45 67 89 » n'est pas un numéro de téléphone valide" in err
    assert "ligne 4, colonne « email »" in err
    job = ImportJob.objects.get()
    assert (job.status, job.imported, job.warning_count, job.error_count) == ("done", 4, 2, 0)
    assert job.warnings[0].startswith("ligne 3, colonne « phone »")
    lea = Person.objects.get(source_records__source_id="D2")
    assert list(lea.contact_points.values_list("value", flat=True)) == ["lea@example.fr"]
    assert SourceRecord.objects.get(source_id="D2").data["phone"] == "071 23 45 67 89"  # provenance keeps it
    page = world.client_for(world.agent92).get(reverse("people:detail", args=[lea.public_id])).content.decode()
    assert "Téléphone illisible à l&#x27;import : « 071 23 45 67 89 » — à corriger" in page
    # Overseas mobiles are valid numbers of their own territory, found as dialled from France.
    scope = agent_access_scope(world.agent92)
    hoarau = Person.objects.get(source_records__source_id="D1")
    assert hoarau.contact_points.get().value == "+262692123456"
    assert person_search(scope=scope, query="0692 12 34 56") == [hoarau]
    assert Person.objects.get(source_records__source_id="D4").contact_points.get().value == "+596696123456"
    assert person_search(scope=scope, query="06 96 12") == [Person.objects.get(source_records__source_id="D4")]


def test_correcting_the_phone_ends_the_request_for_correction(world, tmp_path):
    _run(_write(tmp_path, DIRTY))
    lea = Person.objects.get(source_records__source_id="D2")
    scope = agent_access_scope(world.agent92)
    assert person_contact_warnings(lea) == ["Téléphone illisible à l'import : « 071 23 45 67 89 » — à corriger (base GRC92)"]
    data = person_data_from(lea)
    data.city = "Nanterre"
    lea = person_update(person=lea, data=data, expected_version=lea.version, scope=scope, acting_user=world.agent92)
    assert len(person_contact_warnings(lea)) == 1  # the phones were not touched
    data = person_data_from(lea)
    data.phones = ["07 41 23 45 67"]
    lea = person_update(person=lea, data=data, expected_version=lea.version, scope=scope, acting_user=world.agent92)
    assert person_contact_warnings(lea) == []
    assert SourceRecord.objects.get(source_id="D2").data["phone"] == "071 23 45 67 89"


def test_strict_refuses_the_file_for_an_unusable_contact_as_before(world, tmp_path):
    with pytest.raises(CommandError, match="2 erreurs : rien n'a été importé"):
        _run(_write(tmp_path, DIRTY), "--strict")
    assert ImportJob.objects.get().status == "refused" and not Person.objects.exists()


@pytest.mark.parametrize("batch_size", [None, 100])
def test_a_line_without_a_name_still_stops_the_file_whatever_the_warnings(world, tmp_path, batch_size):
    text = DIRTY + "D5,,,Inconnu,,,,,,,,,\n"
    job = run_import(path=_write(tmp_path, text), source="GRC92", organisation=world.org92, batch_size=batch_size)
    assert job.status == "refused" and job.error_count == 1 and job.warning_count == 2
    assert "ligne 6, colonne « birth_name »" in job.problems[0]
    assert not Person.objects.exists()


@pytest.mark.parametrize("batch_size", [None, 100])
def test_the_planner_knows_the_imported_tables_right_after_the_import(world, tmp_path, batch_size):
    # Without statistics, PostgreSQL plans searches as if the tables were empty: sixty times slower
    # until autovacuum passes (docs/benchmarks.md). SQLite gets its statistics too.
    lines = "".join(f"S{i},Nom{i},,Prénom,F,,,,,,,,\n" for i in range(250))
    run_import(path=_write(tmp_path, HEADER + lines), source="GRC92", organisation=world.org92, batch_size=batch_size)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'people_person'")
            assert cursor.fetchone()[0] == 250
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'people_nametoken'")
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'people_nametoken'")
        assert cursor.fetchone()[0] > 0


@pytest.mark.parametrize("batch", [[], ["--batch-size", "100"]])
def test_a_crash_during_the_import_marks_the_job_failed_with_the_error(world, tmp_path, monkeypatch, batch):
    from django.db import DataError

    def crash(*args, **kwargs):
        raise DataError("valeur trop longue pour le type character varying(100)")

    monkeypatch.setattr("relais.people.importing._write_batch", crash)
    with pytest.raises(CommandError, match="L'import s'est arrêté sur une erreur inattendue"):
        _run(_write(tmp_path, GOOD), *batch)
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.finished_at is not None
    assert "valeur trop longue" in job.problems[0]
    assert not Person.objects.exists()


def test_an_import_left_running_by_a_dead_process_is_reported_and_marked_failed(world, tmp_path):
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    stuck = ImportJob.objects.create(
        source="GRC92", organisation=world.org92, file_name="ancien.csv", file_sha256="0" * 64,
        process=f"{socket.gethostname()}:{dead.stdout.strip()}",
    )  # fmt: skip
    _, err = _run(_write(tmp_path, GOOD))
    assert "L'import précédent de ancien.csv (GRC92) était resté « en cours »" in err and "n'existe plus" in err
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "arrêté avant la fin" in stuck.problems[0]
    assert Person.objects.count() == 3  # the new run itself went through


@pytest.mark.parametrize("written", ["00/00/0000", "01/01/1900", "30/12/1899", "0000-00-00", "01/01/1800"])
def test_a_bases_convention_for_an_unknown_birth_date_imports_the_person_without_one(world, tmp_path, written):
    _run(_write(tmp_path, HEADER + f"A1,Petit,,Léa,F,{written},,,,,,,\n"))
    person = Person.objects.get(source_records__source_id="A1")
    assert person.birth_date is None
    assert person.source_records.get().data["birth_date"] == written  # kept as it was written
    job = ImportJob.objects.get()
    assert job.status == "done" and job.warning_count == 1
    assert any("date conventionnelle pour une date inconnue" in warning for warning in job.warnings)


def test_a_nir_contradicting_the_sex_is_left_out_with_a_warning_not_the_whole_file(world, tmp_path):
    """Legacy bases put a parent's NIR on a child's record: the line is imported without it, the
    report says so without writing the number, and the rest of the file is imported."""
    _run(_write(tmp_path, GOOD + "A4,Petit,,Léa,F,,,,,,,,185057512345673\n"))
    lea = Person.objects.get(source_records__source_id="A4")
    assert lea.nir == "" and Person.objects.count() == 4
    job = ImportJob.objects.get()
    assert any("ligne 5" in w and "NIR non repris" in w for w in job.warnings), job.warnings
    assert not any("185057512345673" in w for w in job.warnings)
