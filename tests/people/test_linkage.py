"""Linking person files and the database: the pairs found, the pairs refused, what happens next."""

import csv
import datetime as dt
from io import StringIO

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from relais.people.database_duplicates import persons_link
from relais.people.importing import run_import
from relais.people.merging import merge_undo, persons_merge
from relais.people.models import LinkJob, MatchPair, Person, PersonMerge
from relais.people.record_linkage import link_files_on_spark, link_frames, prepare_frame, read_person_csv
from tests.people.factories import PersonFactory
from tests.territory.factories import AgentFactory

from .linkage_data import write_base_with_duplicates, write_bases


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    return write_bases(tmp_path_factory.mktemp("bases"))


@pytest.fixture(scope="module")
def linked(bases):
    """One linkage of the two bases, shared by the tests that read its result (Splink takes seconds)."""
    path_a, path_b, _ = bases
    return link_frames(read_person_csv(path_a), read_person_csv(path_b), threshold=0.5, explain=True)


def test_features_read_french_identities_the_same_whichever_way_they_were_typed():
    frame = read_person_csv_from_text(
        "source_id;birth_name;usage_name;first_names;birth_date;phone\n"
        "1;de La Fontaine;;Jean-Pierre, Marc;12/04/1985;06 12 34 56 78\n"
        "2;LAFONTAINE;MARTIN-DUPONT;JEAN PIERRE;1985-04-12;+33 6 12 34 56 78\n"
    )
    first, second = prepare_frame(frame).to_dict("records")
    assert "lafontaine" in set(first["name_keys"]) & set(second["name_keys"])  # 'de La Fontaine' typed 'LAFONTAINE'
    assert first["dob"] == second["dob"] == "1985-04-12" and first["dob_swapped"] == "1985-12-04"
    assert first["phone"] == second["phone"] == "612345678"
    assert "jeanpierre" in first["firsts"] and "jean" in first["firsts"] and "marc" in first["firsts"]
    assert {"martin", "dupont"} <= set(second["name_keys"])


def read_person_csv_from_text(text, tmp_path=None):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    path = folder / "base.csv"
    path.write_text(text, encoding="utf-8")
    return read_person_csv(path)


@pytest.mark.slow  # trains the linkage model (Splink, DuckDB): seconds of processor time
def test_linkage_finds_the_same_people_typed_differently_and_never_pairs_twins(bases, linked):
    _, _, truth = bases
    found = set(zip(linked.id_a, linked.id_b, strict=True))
    true_positives = len(found & truth)
    assert true_positives / len(found) >= 0.98 and true_positives / len(truth) >= 0.97
    assert ("A-MARRIED", "B-MARRIED") in found  # birth name in one base, spouse's name in the other
    assert ("A-CAPS", "B-CAPS") in found  # capitals without accents, day and month swapped
    assert not any(a == "A-TWIN" or b == "B-TWIN" for a, b in found)  # another first name: another person
    assert not any(a == "A-PARENT" or b == "B-CHILD" for a, b in found)  # named alike, a generation apart
    assert not any(b.startswith("BT") for b in linked.id_b)


def test_each_pair_explains_itself_field_by_field(linked):
    row = linked[(linked.id_a == "A-MARRIED") & (linked.id_b == "B-MARRIED")].iloc[0]
    levels = {item["label"]: item for item in row["explanation"]["comparisons"]}
    assert levels["Date de naissance"]["level"] == "identique" and levels["Date de naissance"]["weight"] > 0
    assert levels["Lieu de résidence"]["level"] == "ailleurs" and levels["Lieu de résidence"]["weight"] < 0
    assert levels["Téléphone"]["level"] == "identique"


@pytest.mark.slow  # trains the linkage model (Splink, DuckDB): seconds of processor time
def test_link_files_writes_one_line_per_pair_above_the_threshold(bases, tmp_path):
    path_a, path_b, truth = bases
    out = tmp_path / "pairs.csv"
    stdout = StringIO()
    call_command("link_files", str(path_a), str(path_b), "--out", str(out), "--threshold", "0.9", stdout=stdout)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id_a", "id_b", "match_probability"]
    pairs = {(a, b): float(p) for a, b, p in rows[1:]}
    assert len(pairs) == len(rows) - 1 and all(p >= 0.9 for p in pairs.values())
    assert len(set(pairs) & truth) >= 0.95 * len(truth)
    assert f"{len(pairs)} paires de probabilité" in stdout.getvalue()


def test_link_files_refuses_a_file_without_identifiers_or_with_twice_the_same_one(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("source_id,birth_name\n1,Martin\n", encoding="utf-8")
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("nom,birth_name\n1,Martin\n", encoding="utf-8")
    twice = tmp_path / "twice.csv"
    twice.write_text("source_id,birth_name\n7,Martin\n7,Durand\n", encoding="utf-8")
    with pytest.raises(CommandError, match="colonne « source_id » manque"):
        call_command("link_files", str(no_id), str(good), "--out", str(tmp_path / "out.csv"))
    with pytest.raises(CommandError, match="« 7 » apparaît deux fois"):
        call_command("link_files", str(good), str(twice), "--out", str(tmp_path / "out.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_text("source_id,birth_name\n", encoding="utf-8")
    with pytest.raises(CommandError, match="aucune personne après la ligne d'en-tête"):
        call_command("link_files", str(good), str(empty), "--out", str(tmp_path / "out.csv"))
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text('source_id,birth_name\n1,Martin\n2,"Durand\n', encoding="utf-8")
    with pytest.raises(CommandError, match="mal formé à la ligne 3"):
        call_command("link_files", str(good), str(unclosed), "--out", str(tmp_path / "out.csv"))
    broken = tmp_path / "broken.csv"
    broken.write_bytes("source_id,birth_name\n1,Lefèvre\n2,".encode() + b"\xc3\x28\n")
    with pytest.raises(CommandError, match="UTF-8 invalide\\) aux lignes 3"):
        call_command("link_files", str(good), str(broken), "--out", str(tmp_path / "out.csv"))
    with pytest.raises(CommandError, match="introuvable"):
        call_command("link_files", str(tmp_path / "missing.csv"), str(good), "--out", str(tmp_path / "out.csv"))
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.slow  # imports and links two bases of a few thousand records end to end
def test_link_in_the_database_merges_the_sure_pairs_queues_the_others_and_can_be_undone(world, bases):
    path_a, path_b, _ = bases
    run_import(path=path_a, source="GRC92", organisation=world.org92)
    run_import(path=path_b, source="GRC78", organisation=world.org78)
    assert Person.objects.count() == len(read_person_csv(path_a)) + len(read_person_csv(path_b))

    job = persons_link(source="GRC92", against="GRC78", lower=0.5, upper=0.999)

    assert job.status == LinkJob.Status.DONE and job.records == Person.objects.count()
    assert job.auto_merged > 250 and job.to_review == MatchPair.objects.filter(status="pending").count()
    assert job.auto_merged + job.to_review <= job.pairs
    married = Person.objects.get(source_records__source_id="A-MARRIED", merged_into__isnull=True)
    assert set(married.source_records.values_list("source_id", flat=True)) == {"A-MARRIED", "B-MARRIED"}
    assert married.usage_name == "Martin-Dupont"  # the value over the empty one, with its provenance
    assert married.field_sources["usage_name"] == "GRC78:B-MARRIED"
    twin = Person.objects.get(source_records__source_id="A-TWIN")
    assert twin.merged_into_id is None and twin.source_records.count() == 1
    father = Person.objects.get(source_records__source_id="A-PARENT")
    assert father.merged_into_id is None and father.source_records.count() == 1
    # Sure by the model, but a reviewer must look: the sexes differ.
    wrong_sex = MatchPair.objects.get(
        person_a__source_records__source_id="A-SEX", person_b__source_records__source_id="B-SEX", status="pending"
    )
    assert wrong_sex.probability >= 0.999
    assert [f["message"] for f in wrong_sex.explanation["findings"]] == [
        "sexe différent pour un même prénom : erreur de saisie ?"
    ]
    assert not PersonMerge.objects.filter(pair__explanation__has_key="findings").exclude(pair__explanation__findings=[]).exists()
    merge = PersonMerge.objects.get(kept=married)
    assert merge.automatic and merge.pair.status == MatchPair.Status.AUTO_MERGED
    merge_undo(merge=merge, acting_user=None)
    assert Person.objects.get(source_records__source_id="B-MARRIED").merged_into_id is None

    again = persons_link(source="GRC92", against="GRC78", lower=0.5, upper=0.999)
    assert again.auto_merged == 0, "an undone merge is not redone behind the reviewer's back"


@pytest.mark.slow  # trains the linkage model (Splink, DuckDB): seconds of processor time
def test_duplicates_inside_one_base_follow_the_same_rules(world, tmp_path):
    path, truth = write_base_with_duplicates(tmp_path)
    run_import(path=path, source="GRC92", organisation=world.org92)

    job = persons_link(source="GRC92", lower=0.5, upper=0.99)

    def person_of(source_id: str) -> Person:
        return Person.objects.get(source_records__source_id=source_id)

    found = {pair for pair in truth if person_of(pair[0]).pk == person_of(pair[1]).pk}
    queued = {
        pair
        for pair in truth
        if MatchPair.objects.filter(
            person_a_id=min(person_of(pair[0]).pk, person_of(pair[1]).pk),
            person_b_id=max(person_of(pair[0]).pk, person_of(pair[1]).pk),
        ).exists()
    }
    assert len(found | queued) >= 0.95 * len(truth) and job.auto_merged >= 40
    for look_alike, of in (("A-TWIN", "L-TWIN"), ("A-PARENT", "L-CHILD")):
        assert person_of(look_alike).pk != person_of(of).pk, f"{look_alike} merged with {of}"
        assert not MatchPair.objects.filter(
            person_a__source_records__source_id__in=[look_alike, of], person_b__source_records__source_id__in=[look_alike, of]
        ).exists()
    # The sex typed wrong: same person, but only a reviewer merges it.
    assert person_of("A-SEX").pk != person_of("L-SEX").pk and ("A-SEX", "L-SEX") in queued


def test_twins_never_meet_through_a_third_record_that_resembles_both(world, monkeypatch):
    # "Paul" could be either twin's record: the model pairs it surely with both. Merging it with
    # one twin must not then merge the other twin into that group.
    born = dt.date(2010, 4, 12)
    jean = PersonFactory(birth_name="Kerbrat", first_names="Jean, Paul", sex="M", birth_date=born)
    paul = PersonFactory(birth_name="Kerbrat", first_names="Paul", sex="M", birth_date=born)
    pierre = PersonFactory(birth_name="Kerbrat", first_names="Pierre, Paul", sex="M", birth_date=born)

    def model_pairs_the_middle_record_with_both(frame_a, frame_b, **options):
        return pd.DataFrame(
            [
                {
                    "id_a": str(paul.pk),
                    "id_b": str(jean.pk),
                    "match_probability": 0.9999,
                    "identity_agrees": True,
                    "explanation": {},
                },
                {
                    "id_a": str(paul.pk),
                    "id_b": str(pierre.pk),
                    "match_probability": 0.9998,
                    "identity_agrees": True,
                    "explanation": {},
                },
            ]
        )

    monkeypatch.setattr("relais.people.database_duplicates.link_frames", model_pairs_the_middle_record_with_both)
    job = persons_link(lower=0.5, upper=0.99)

    assert job.auto_merged == 1
    assert Person.objects.get(pk=paul.pk).merged_into_id == jean.pk
    assert Person.objects.get(pk=pierre.pk).merged_into_id is None
    queued = MatchPair.objects.get(person_a=jean, person_b=pierre, status=MatchPair.Status.PENDING)
    assert queued.explanation["findings"][0]["code"] == "group_contradicts"
    assert "prénoms sans rapport" in queued.explanation["findings"][0]["message"]
    assert "contredite par une fiche qui vient de lui être fusionnée" in job.report


def test_link_command_checks_its_sources_and_thresholds(world):
    with pytest.raises(CommandError, match="Aucune fiche importée"):
        call_command("link", "--source", "GRC00")
    with pytest.raises(CommandError, match="--against s'emploie avec --source"):
        call_command("link", "--against", "GRC92")
    with pytest.raises(CommandError, match="seuils"):
        call_command("link", "--threshold", "0.9", "--merge-threshold", "0.5")


@pytest.mark.slow
def test_spark_backend_links_like_duckdb_in_memory_and_file_to_file(bases, linked, tmp_path):
    pytest.importorskip("pyspark", reason="the Spark backend is the relais[spark] extra (uv sync installs it with the dev group)")
    path_a, path_b, truth = bases
    pairs = link_frames(read_person_csv(path_a), read_person_csv(path_b), threshold=0.5, backend="spark")
    found = set(zip(pairs.id_a, pairs.id_b, strict=True))
    duckdb_found = set(zip(linked.id_a, linked.id_b, strict=True))
    assert len(found & truth) >= 0.97 * len(truth)
    assert len(found ^ duckdb_found) <= 0.01 * len(duckdb_found)

    # The national-scale path: Spark reads, prepares on its executors, links and writes CSV parts.
    out = tmp_path / "pairs"
    count = link_files_on_spark(str(path_a), str(path_b), str(out), threshold=0.5)
    written = set()
    for part in out.glob("part-*.csv"):
        with part.open(encoding="utf-8") as handle:
            written |= {(row["id_a"], row["id_b"]) for row in csv.DictReader(handle)}
    assert count == len(written) and len(written ^ found) <= 0.01 * len(found)


def _merged_automatically(first: Person, second: Person) -> PersonMerge:
    """A merge as an earlier version of `relais link` made it, without the identity rules."""
    a, b = sorted((first, second), key=lambda person: person.pk)
    pair = MatchPair.objects.create(person_a=a, person_b=b, probability=0.9999, explanation={})
    return persons_merge(kept=first, absorbed=second, acting_user=None, pair=pair, automatic=True)


@pytest.mark.slow  # trains the linkage model (Splink, DuckDB): seconds of processor time
def test_recheck_lists_the_automatic_merges_the_rules_would_not_make_and_undoes_them_on_confirmation(world, monkeypatch):
    father = PersonFactory(
        birth_name="Le Goff", first_names="Ronan", sex="M", birth_date=dt.date(1961, 9, 3), phones=["+33611223344"]
    )
    son = PersonFactory(
        birth_name="LE GOFF", first_names="RONAN", sex="M", birth_date=dt.date(1990, 2, 14), phones=["+33611223344"]
    )
    same = PersonFactory(birth_name="Marchal", first_names="Anne", birth_date=dt.date(1970, 2, 2))
    again = PersonFactory(birth_name="MARCHAL", first_names="ANNE", birth_date=dt.date(1970, 2, 2))
    wrong = _merged_automatically(father, son)
    right = _merged_automatically(same, again)

    out = StringIO()
    call_command("link", "--recheck-merges", stdout=out)
    listed = out.getvalue()
    assert "LE GOFF Ronan ← LE GOFF RONAN — dates de naissance à 28 ans d'écart" in listed
    assert f"/usagers/fusions/?fusion={wrong.public_id}" in listed and str(right.public_id) not in listed
    assert "1 fusion automatique que les règles actuelles" in listed

    monkeypatch.setattr("builtins.input", lambda: "non")
    out = StringIO()
    call_command("link", "--recheck-merges", "--undo", stdout=out)
    assert "Rien n'a été annulé." in out.getvalue()
    assert Person.objects.get(pk=son.pk).merged_into_id == father.pk

    monkeypatch.setattr("builtins.input", lambda: "oui")
    out = StringIO()
    call_command("link", "--recheck-merges", "--undo", stdout=out)
    assert "1 fusion annulée" in out.getvalue()
    assert Person.objects.get(pk=son.pk).merged_into_id is None
    assert MatchPair.objects.get(pk=wrong.pair_id).status == MatchPair.Status.PENDING
    assert Person.objects.get(pk=again.pk).merged_into_id == same.pk  # the right merge stays

    out = StringIO()
    call_command("link", "--recheck-merges", stdout=out)
    assert "Aucune fusion automatique à revoir" in out.getvalue()


def test_the_undo_link_of_a_merge_shows_that_merge_alone(world):
    first = PersonFactory(birth_name="Le Goff", first_names="Ronan", organisations=[world.org92])
    second = PersonFactory(birth_name="Le Goff", first_names="Ronan", organisations=[world.org92])
    other = PersonFactory(birth_name="Petit", first_names="Léa", organisations=[world.org92])
    merge = _merged_automatically(first, second)
    _merged_automatically(other, PersonFactory(birth_name="Petit", first_names="Léa", organisations=[world.org92]))
    client = world.client_for(AgentFactory(memberships=[(world.org92, world.accueil92, "manager")]))
    html = client.get(reverse("people:merges") + f"?fusion={merge.public_id}").content.decode()
    assert html.count("Annuler la fusion") == 1 and "Toutes les fusions" in html
    assert client.get(reverse("people:merges") + "?fusion=pas-un-identifiant").status_code == 404


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("12/04/1985", ("1985-04-12", "1985", "04")),
        ("1985-04-12", ("1985-04-12", "1985", "04")),
        ("1985/04/12", ("1985-04-12", "1985", "04")),
        ("19850412", ("1985-04-12", "1985", "04")),
        ("00/04/1985", (None, "1985", "04")),  # the day unknown
        ("1985", (None, "1985", None)),  # only the year
        ("31/02/1985", (None, None, None)),  # no such day: a missing date, not a failure
        ("inconnue", (None, None, None)),
    ],
)
def test_birth_dates_are_read_in_every_order_bases_write_them_and_partly_when_partial(written, read):
    frame = read_person_csv_from_text(f"source_id,birth_name,birth_date\n1,Martin,{written}\n")
    features = prepare_frame(frame).iloc[0]
    assert (features["dob"], features["dob_year"], features["dob_month"]) == read
