"""Persons (usagers), their contact points, households and where their record came from."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from relais.territory.models import Organisation, insee_code_validator, postcode_validator


class Person(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", "Femme"
        MALE = "M", "Homme"
        UNKNOWN = "", "Non renseigné"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    birth_name = models.CharField("nom de naissance", max_length=100)
    usage_name = models.CharField("nom d'usage", max_length=100, blank=True)
    first_names = models.CharField("prénoms", max_length=200, help_text="Dans l'ordre de l'état civil, séparés par des virgules.")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, blank=True, default="")
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    birth_place = models.CharField("lieu de naissance", max_length=100, blank=True)
    nir = models.CharField("NIR", max_length=15, blank=True)
    address = models.CharField("adresse", max_length=255, blank=True)
    address_complement = models.CharField("complément d'adresse", max_length=255, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True, validators=[postcode_validator])
    city = models.CharField("commune", max_length=100, blank=True)
    commune_code = models.CharField("code INSEE de la commune", max_length=5, blank=True, validators=[insee_code_validator])

    # Normalised copies kept by services.person_search_fields(): lower case, no accents.
    search_names = models.CharField(max_length=400, blank=True, editable=False)
    search_birth_name = models.CharField(max_length=100, blank=True, editable=False)
    search_usage_name = models.CharField(max_length=100, blank=True, editable=False)

    organisations = models.ManyToManyField(
        Organisation, through="PersonOrganisation", related_name="persons", verbose_name="organisations en relation"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="créée par"
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="modifiée par"
    )
    # Optimistic locking: an edit is saved only if nobody saved in between.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Where each identity field's value came from ("GRC92:A1", "saisie", …), kept through merges.
    field_sources = models.JSONField(default=dict, blank=True, editable=False)
    # A person merged into another one stays as a record (so the merge can be undone exactly, and old
    # links still lead somewhere) but is hidden everywhere.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed",
        verbose_name="fusionné dans",
        editable=False,
    )
    # Edit lease: an agent who opened the edit form holds it until they save or 20 minutes pass, and
    # merges touching the person wait (a merge under someone's feet would silently lose their edit).
    editing_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    editing_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "usager"
        ordering = ["birth_name", "first_names"]
        # Beyond managers (who review by role), who else may review duplicates: see people/policies.py.
        permissions = [("merge_person", "Peut examiner les doublons et fusionner des fiches")]
        indexes = [
            models.Index(fields=["search_birth_name"], name="person_search_birth_name_idx"),
            models.Index(fields=["search_usage_name"], name="person_search_usage_name_idx"),
            models.Index(fields=["birth_date"], name="person_birth_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(birth_name=""), name="person_birth_name_required"),
            models.CheckConstraint(condition=Q(nir="") | Q(nir__regex=r"^[0-9][0-9AB]{12}[0-9]{2}$"), name="person_nir_format"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def first_name(self) -> str:
        return self.first_names.split(",")[0].strip()

    @property
    def display_name(self) -> str:
        name = self.usage_name or self.birth_name
        born = f" (née {self.birth_name})" if self.usage_name and self.usage_name != self.birth_name else ""
        if born and self.sex == self.Sex.MALE:
            born = f" (né {self.birth_name})"
        return f"{name.upper()} {self.first_name}{born}"


class PersonOrganisation(models.Model):
    """An organisation has a relationship with the person (created them, logged an exchange, booked…)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="organisation_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="person_links")
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "relation usager–organisation"
        constraints = [models.UniqueConstraint(fields=["person", "organisation"], name="person_organisation_unique")]
        indexes = [models.Index(fields=["organisation", "person"], name="person_org_org_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} ↔ {self.organisation_id}"


class ContactSearchKeyField(models.CharField):
    """The contact point's value as searched, or that key reversed (normalization.contact_search_keys). Filled whenever the ORM writes the row
    (save and bulk_create call pre_save); raw inserts compute it themselves."""

    def __init__(self, *args, reverse: bool = False, **kwargs):
        self.reverse = reverse
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.reverse:
            kwargs["reverse"] = True
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        from relais.people.normalization import contact_search_keys

        key, reversed_key = contact_search_keys(model_instance.kind, model_instance.value)
        value = reversed_key if self.reverse else key
        setattr(model_instance, self.attname, value)
        return value


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", "Téléphone"
        EMAIL = "email", "E-mail"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    value = models.CharField("valeur", max_length=254, help_text="Téléphone au format E.164, e-mail en minuscules.")
    label = models.CharField("libellé", max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    search_key = ContactSearchKeyField()
    search_key_reversed = ContactSearchKeyField(reverse=True)

    class Meta:
        verbose_name = "coordonnée"
        ordering = ["kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "value"], name="contact_point_unique_per_person"),
            models.CheckConstraint(condition=~Q(kind="phone") | Q(value__startswith="+"), name="contact_point_phone_e164"),
        ]
        indexes = [
            models.Index(fields=["kind", "value"], name="contact_point_kind_value_idx"),
            # The beginning of a number or an e-mail, and the end of a number: prefix searches
            # (LIKE '0612%'), which the pattern operator class serves whatever the collation.
            models.Index(fields=["search_key"], opclasses=["varchar_pattern_ops"], name="contact_point_search_key_idx"),
            models.Index(fields=["search_key_reversed"], opclasses=["varchar_pattern_ops"], name="contact_point_search_rev_idx"),
        ]

    def __str__(self) -> str:
        return self.display_value

    @property
    def display_value(self) -> str:
        from relais.people.normalization import phone_display

        return phone_display(self.value) if self.kind == self.Kind.PHONE else self.value


class ProposedContact(models.Model):
    """A phone or e-mail given for a known person by an unauthenticated citizen (online request or
    booking): anyone who knows a name and a birth date could type it, so it joins the person's
    contact points only once an agent confirms it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="proposed_contacts")
    kind = models.CharField("nature", max_length=10, choices=ContactPoint.Kind.choices)
    value = models.CharField("valeur", max_length=254)
    origin = models.CharField("origine", max_length=100)
    proposed_at = models.DateTimeField("proposée le", auto_now_add=True)
    confirmed_at = models.DateTimeField("confirmée le", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "coordonnée proposée en ligne"
        verbose_name_plural = "coordonnées proposées en ligne"
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "value"], condition=Q(confirmed_at__isnull=True), name="proposed_contact_pending_unique"
            )
        ]

    def __str__(self) -> str:
        return self.display_value

    @property
    def display_value(self) -> str:
        from relais.people.normalization import phone_display

        return phone_display(self.value) if self.kind == ContactPoint.Kind.PHONE else self.value


class Household(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("nom du foyer", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "foyer"

    def __str__(self) -> str:
        return self.name or f"Foyer {self.pk}"


class HouseholdMember(models.Model):
    class Role(models.TextChoices):
        REFERENCE = "reference", "Personne de référence"
        SPOUSE = "spouse", "Conjoint·e"
        CHILD = "child", "Enfant"
        PARENT = "parent", "Parent"
        RELATIVE = "relative", "Autre membre de la famille"
        OTHER = "other", "Autre personne du foyer"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household_memberships")
    role = models.CharField("lien", max_length=20, choices=Role.choices)
    since = models.DateField("depuis", null=True, blank=True)

    class Meta:
        verbose_name = "membre du foyer"
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="household_member_unique")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"


class SourceRecord(models.Model):
    """Provenance: the legacy base (code) and its identifier for a record now part of this person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="source_records")
    source = models.CharField("base d'origine", max_length=32)
    source_id = models.CharField("identifiant d'origine", max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField("données d'origine", default=dict, blank=True)
    # Contact values the import could not use (an unallocated phone, a malformed e-mail), as
    # [{"column": "phone", "value": "071 23 45 67 89"}]: the person was imported without them and
    # their file asks for a correction until an agent changes that kind of contact.
    contact_warnings = models.JSONField("coordonnées à corriger", default=list, blank=True)

    class Meta:
        verbose_name = "enregistrement d'origine"
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="source_record_unique")]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"


class NameToken(models.Model):
    """One searchable word of a person: a family name or a part of it, a first name, a phonetic key,
    the commune and postcode they live in.

    The search index of persons (see people/search/ and docs/decisions/0003-person-search.md):
    exact and prefix lookups on `token`, typos through TokenVariant. Rebuilt by search.person_index()
    whenever a name changes.
    """

    class Kind(models.TextChoices):
        FAMILY = "family", "Nom"
        FIRST = "first", "Prénom"
        PHONETIC = "phonetic", "Clé phonétique"
        PLACE = "place", "Commune"

    # No index of its own: name_token_person_idx below serves it.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    token = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The commune the person lives in ("@nanterre", as their place word), on each of their words:
    # a search naming a commune reads only the words of the persons living there.
    place = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["place", "token", "person"], condition=~Q(place=""), name="name_token_place_idx"),
            # A word's persons in id order, read from this index alone (the kind too, on PostgreSQL):
            # the search walks it in step with the other words' and stops at the first results. Its
            # pattern operator class also serves prefix searches (LIKE 'dup%') whatever the collation.
            # Other databases ignore the opclass and the included column.
            models.Index(
                fields=["token", "person"],
                opclasses=["varchar_pattern_ops", "int8_ops"],
                include=["kind"],
                name="name_token_token_person_idx",
            ),
            # A person's words, read from this index alone: does this person bear one of these words?
            # The words are included rather than indexed: PostgreSQL would otherwise descend the index
            # once per word asked (two hundred for "marie" and its variants) instead of once per person.
            models.Index(fields=["person"], include=["token", "kind"], name="name_token_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.token} ({self.kind})"


class TokenVariant(models.Model):
    """A name token and each of its one-deletion variants: two words within one typo share a variant.
    Holds the vocabulary (distinct tokens), not the persons, so it stays small."""

    variant = models.CharField(max_length=100)
    token = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["variant", "token"], name="token_variant_unique")]
        indexes = [
            # The vocabulary itself (a word is its own variant): the words a typed word begins.
            # Variants are looked up by equality, through the unique constraint's index.
            models.Index(
                fields=["variant"],
                opclasses=["varchar_pattern_ops"],
                condition=Q(token=models.F("variant")),
                name="token_variant_word_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant} → {self.token}"


class TokenCount(models.Model):
    """How many persons bear a search word (a vocabulary word or a phonetic key), and how many as a
    family name. The search starts from the rarest word and prefers the commonest of two spellings
    equally close to what was typed (people/search/). Counts are hints, not truths: bulk indexing
    adds to them, a daily task recounts them (people/tasks.py); a word absent here counts as rare."""

    token = models.CharField(max_length=100, primary_key=True)
    persons = models.IntegerField(default=0)
    family = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.token}: {self.persons}"


class ImportJob(models.Model):
    """One run of `relais import-persons`: what was read, what was imported, what was refused and why."""

    class Status(models.TextChoices):
        RUNNING = "running", "En cours"
        INTERRUPTED = "interrupted", "Interrompu (reprise possible)"
        DONE = "done", "Terminé"
        CHECKED = "checked", "Vérifié (essai à blanc)"
        REFUSED = "refused", "Refusé (erreurs dans le fichier)"
        FAILED = "failed", "Échoué (erreur pendant l'import)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField("base d'origine", max_length=32)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField("fichier", max_length=255)
    # "host:pid" of the process running it: a job still "running" whose process is gone was killed.
    process = models.CharField("processus", max_length=100, blank=True, default="")
    file_sha256 = models.CharField(max_length=64)
    dry_run = models.BooleanField("essai à blanc", default=False)
    batch_size = models.PositiveIntegerField(default=0)
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.RUNNING)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    total_lines = models.PositiveIntegerField("lignes lues", default=0)
    imported = models.PositiveIntegerField("importées", default=0)
    skipped = models.PositiveIntegerField("déjà présentes", default=0)
    error_count = models.PositiveIntegerField("erreurs", default=0)
    problems = models.JSONField("rapport", default=list, blank=True)
    # Lines imported without an unusable phone or e-mail (the person is there, the value to correct).
    warning_count = models.PositiveIntegerField("avertissements", default=0)
    warnings = models.JSONField("avertissements listés", default=list, blank=True)
    checkpoint_line = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "import de fichier"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} — {self.file_name} ({self.get_status_display()})"

    def finish(self, status: str, *, problems: list[str] | None = None, error_count: int = 0) -> None:
        from django.utils import timezone

        self.status, self.finished_at, self.error_count = status, timezone.now(), error_count
        if problems is not None:
            self.problems = problems
        self.save()


class LinkJob(models.Model):
    """One run of `relais link`: the pairs it found, what it merged, what it left for review."""

    class Status(models.TextChoices):
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    description = models.CharField(max_length=255)
    backend = models.CharField(max_length=10, default="duckdb")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    records = models.PositiveIntegerField("personnes comparées", default=0)
    pairs = models.PositiveIntegerField("paires trouvées", default=0)
    auto_merged = models.PositiveIntegerField("fusions automatiques", default=0)
    to_review = models.PositiveIntegerField("à examiner", default=0)
    lower_threshold = models.FloatField(default=0.5)
    upper_threshold = models.FloatField(default=0.99)
    seconds = models.FloatField(default=0)
    report = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "rapprochement"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.description


class MatchPair(models.Model):
    """Two records probably of the same person, with why the model thinks so."""

    class Status(models.TextChoices):
        PENDING = "pending", "À examiner"
        MERGED = "merged", "Fusionnées"
        AUTO_MERGED = "auto_merged", "Fusionnées automatiquement"
        REJECTED = "rejected", "Personnes différentes"
        SKIPPED = "skipped", "Reportée"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(LinkJob, on_delete=models.CASCADE, null=True, blank=True, related_name="match_pairs")
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField("probabilité")
    explanation = models.JSONField("niveaux de comparaison", default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-probability", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="match_pair_unique"),
            models.CheckConstraint(condition=Q(person_a__lt=models.F("person_b")), name="match_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-probability"], name="match_pair_queue_idx")]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id} ({self.probability:.3f})"


class PersonMerge(models.Model):
    """A merge, with everything needed to undo it exactly: the absorbed record stays (marked), the
    kept record's values before, and the ids of every row moved from one to the other."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    absorbed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    pair = models.ForeignKey(MatchPair, on_delete=models.SET_NULL, null=True, blank=True, related_name="merges")
    kept_before = models.JSONField("fiche conservée avant fusion")
    moved = models.JSONField("lignes déplacées", default=dict)
    automatic = models.BooleanField(default=False)
    merged_at = models.DateTimeField(auto_now_add=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.kept_id}"
