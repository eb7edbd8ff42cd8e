from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relais.people.importing import run_import
from relais.people.models import ImportJob, Person, SourceRecord
from relais.people.selectors import person_search
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
    assert "3 personne(s) importées" in out and Person.objects.count() == 3
    person = Person.objects.get(source_records__source_id="A1")
    assert (person.usage_name, person.first_names, str(person.birth_date)) == ("Martin", "Élodie, Marie", "1985-04-12")
    assert person.contact_points.get(kind="phone").value == "+33612345678" and person.organisations.get() == world.org92
    assert SourceRecord.objects.get(source_id="A2").data["birth_name"] == "N'DIAYE"
    assert person_search(scope=agent_access_scope(world.agent92), query="lefevre elodie") == [person]
    out, _ = _run(path)
    assert "0 personne(s) importées, 3 déjà présente(s)" in out and Person.objects.count() == 3


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
    assert "3 personne(s) seraient importées" in out and not Person.objects.exists()


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
