"""The evaluation kit of the service network (seed 003): satisfaction questionnaires and their
answers, the weekly counting grid, the label rules a service point is checked against.

Answers are stored apart from the person: a `SurveyResponse` keeps only the site, partner,
service, channel and day. The `SurveyInvitation` that carried the single-use link knows the person
(for the rule of one solicitation per 30 days) but not the answer it led to.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from relais.people.models import Person
from relais.territory.models import Organisation, Service, Site


class Satisfaction(models.TextChoices):
    """The overall question of the State's Services Publics+ programme, on four levels."""

    VERY = "tres_satisfait", "Très satisfait"
    RATHER = "plutot_satisfait", "Plutôt satisfait"
    RATHER_NOT = "plutot_pas_satisfait", "Plutôt pas satisfait"
    NOT_AT_ALL = "pas_du_tout_satisfait", "Pas du tout satisfait"


SATISFIED = (Satisfaction.VERY, Satisfaction.RATHER)
# The codes of a yes/no answer, in the answers' files and in the report's counts.
YES, NO = "oui", "non"


class Expectation(models.TextChoices):
    FULLY = "totalement", "Totalement"
    PARTLY = "en_partie", "En partie"
    NOT_AT_ALL = "pas_du_tout", "Pas du tout"


class Reason(models.TextChoices):
    """Why people came to this service point rather than elsewhere."""

    PROXIMITY = "proximite", "La proximité"
    SUPPORT = "accompagnement", "L'accompagnement"
    HOURS = "horaires", "Les horaires"
    OTHER = "autre", "Autre raison"


class VisitKind(models.TextChoices):
    """The kinds of help of the weekly counting grid."""

    INFORMATION = "information", "Information, orientation"
    ONLINE_PROCEDURE = "online_procedure", "Aide à une démarche en ligne"
    VISIO = "visio", "Visio-guichet"
    PRINTING = "printing", "Impression, numérisation"
    OTHER = "other", "Autre"


WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


class Questionnaire(models.Model):
    """A questionnaire managers build: its questions, in order. The default one asks what the
    seed's report measures; a site's kiosk and invitations use the default unless told otherwise."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("intitulé", max_length=200)
    introduction = models.TextField("texte d'accueil", blank=True)
    is_default = models.BooleanField("questionnaire par défaut", default=False)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "questionnaire"
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="questionnaire_one_default"),
            models.UniqueConstraint(fields=["name"], name="questionnaire_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", "Échelle (du meilleur au moins bon)"
        SINGLE = "single", "Choix unique"
        MULTIPLE = "multiple", "Choix multiples"
        YES_NO = "yes_no", "Oui / non"
        TEXT = "text", "Texte libre"

    # What a question measures for the indicators. Custom questions have none: their answers are
    # kept and exported, and counted on the questionnaire's own page.
    class Measure(models.TextChoices):
        NONE = "", "Aucun indicateur"
        SATISFACTION = "satisfaction", "Satisfaction globale"
        EXPECTATION = "expectation", "Attente satisfaite"
        RECOMMEND = "recommend", "Recommanderait le service"
        REASON = "reason", "Raison de la venue"
        PARTNER = "partner", "Partenaire concerné"
        COMMENT = "comment", "Commentaire"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    label = models.CharField("question", max_length=300)
    help_text = models.CharField("aide", max_length=300, blank=True)
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    required = models.BooleanField("réponse obligatoire", default=False)
    # [{"code": "tres_satisfait", "label": "Très satisfait"}, …] for scales and choices.
    choices = models.JSONField("réponses proposées", default=list, blank=True)
    measure = models.CharField("indicateur", max_length=20, choices=Measure.choices, blank=True, default="")

    class Meta:
        verbose_name = "question"
        ordering = ["questionnaire", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "measure"], condition=~Q(measure=""), name="question_one_measure_per_questionnaire"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SurveyChannel(models.TextChoices):
    EMAIL = "email", "Lien par e-mail"
    SMS = "sms", "Lien par SMS"
    KIOSK = "kiosk", "Borne sur place"
    PAPER = "paper", "Questionnaire papier"
    IMPORT = "import", "Fichier importé"


class SurveyInvitation(models.Model):
    """A single-use link sent after a visit. Knows the person (one solicitation per 30 days), the
    visit it follows (never twice for one visit), not the answer."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="survey_invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField("canal", max_length=10, choices=SurveyChannel.choices)
    # "appointment:<uuid>" or "exchange:<uuid>": the visit the survey asks about.
    visit_key = models.CharField(max_length=80, unique=True)
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    partner = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    visit_date = models.DateField("date de la visite")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("lien valable jusqu'au")
    used_at = models.DateTimeField("lien utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "invitation à répondre"
        indexes = [models.Index(fields=["person", "-created_at"], name="survey_invitation_person_idx")]

    def __str__(self) -> str:
        return f"Invitation du {self.created_at:%d/%m/%Y}"


class SurveyResponse(models.Model):
    """One answer to a questionnaire, apart from the person. The measures of the seed's report are
    kept in their own columns (empty when not answered); every answer is in `answers` by question."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The answer_id of an imported file: importing the same file again changes nothing.
    external_id = models.CharField("identifiant importé", max_length=64, blank=True)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, null=True, blank=True, related_name="responses")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="survey_responses")
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField("canal", max_length=10, choices=SurveyChannel.choices)
    answered_on = models.DateField("date de la réponse")
    satisfaction = models.CharField("satisfaction", max_length=25, choices=Satisfaction.choices, blank=True)
    expectation = models.CharField("attente satisfaite", max_length=15, choices=Expectation.choices, blank=True)
    recommend = models.BooleanField("recommanderait", null=True, blank=True)
    reasons = models.JSONField("raisons de la venue", default=list, blank=True)
    comment = models.TextField("commentaire", blank=True)
    answers = models.JSONField("réponses", default=dict, blank=True)  # {question id: value} for custom questions
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="saisi par",
    )  # fmt: skip

    class Meta:
        verbose_name = "réponse au questionnaire"
        verbose_name_plural = "réponses aux questionnaires"
        ordering = ["-answered_on", "-pk"]
        indexes = [models.Index(fields=["site", "answered_on"], name="survey_response_site_date_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="survey_response_unique_import_id"
            ),
        ]

    def __str__(self) -> str:
        return f"Réponse du {self.answered_on:%d/%m/%Y}"


class Kiosk(models.Model):
    """A tablet at a service point where visitors answer without giving anything about themselves.
    Whoever has its link answers as that site: the link can be revoked."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="kiosks", verbose_name="site")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="kiosks")
    name = models.CharField("nom", max_length=100, default="Tablette de l'accueil")
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "borne"

    def __str__(self) -> str:
        return f"{self.name} ({self.site})"


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class VisitCount(models.Model):
    """One cell of the weekly counting grid: visits at a site in an ISO week, for a partner (or none)
    and a kind of help. `week` is the Monday."""

    class Source(models.TextChoices):
        GRID = "grid", "Grille"
        IMPORT = "import", "Fichier importé"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="visit_counts", verbose_name="site")
    week = models.DateField("semaine (lundi)")
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="partenaire"
    )
    kind = models.CharField("nature de l'aide", max_length=20, choices=VisitKind.choices)
    count = models.PositiveIntegerField("visites", validators=[MaxValueValidator(100_000)])
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.GRID)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "comptage hebdomadaire"
        ordering = ["site", "week"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "week", "partner", "kind"], condition=Q(partner__isnull=False), name="visit_count_unique_cell"
            ),
            models.UniqueConstraint(
                fields=["site", "week", "kind"], condition=Q(partner__isnull=True), name="visit_count_unique_cell_no_partner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.week.isocalendar().year}-W{self.week.isocalendar().week:02d} {self.kind}: {self.count}"


class WeekClosure(models.Model):
    """The site's manager closed the week's grid: mediators no longer change it."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closed_weeks")
    week = models.DateField("semaine (lundi)")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "semaine clôturée"
        constraints = [models.UniqueConstraint(fields=["site", "week"], name="week_closure_unique")]

    def __str__(self) -> str:
        return f"{self.site} — semaine du {self.week:%d/%m/%Y}"


class Label(models.Model):
    """A label's rules, as data: minimum opening, days, partners (and those required by name)."""

    code = models.SlugField("code", max_length=40, unique=True)
    name = models.CharField("nom", max_length=200)
    description = models.TextField("référence", blank=True)
    min_weekly_hours = models.DecimalField(
        "heures d'ouverture par semaine (minimum)", max_digits=4, decimal_places=1, validators=[MinValueValidator(0)]
    )
    min_open_days = models.PositiveSmallIntegerField("jours d'ouverture (minimum)", validators=[MaxValueValidator(7)])
    min_partners = models.PositiveSmallIntegerField("partenaires (minimum)")
    max_partners = models.PositiveSmallIntegerField("partenaires (maximum)", null=True, blank=True)
    min_mediators = models.PositiveSmallIntegerField("médiateurs formés (minimum)", default=0)
    required_partners = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name="partenaires exigés",
        limit_choices_to={"kind": Organisation.Kind.PARTNER},
    )  # fmt: skip
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "label"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_partners__isnull=True) | Q(max_partners__gte=F("min_partners")), name="label_partner_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DeclaredOpening(models.Model):
    """Opening hours a service point declares, when its agendas in Relais do not say them all."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="declared_openings", verbose_name="site")
    weekday = models.PositiveSmallIntegerField("jour", validators=[MaxValueValidator(6)])  # 0 = Monday
    start_time = models.TimeField("de")
    end_time = models.TimeField("à")

    class Meta:
        verbose_name = "horaire déclaré"
        ordering = ["site", "weekday", "start_time"]
        constraints = [models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="declared_opening_order")]

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class SitePartner(models.Model):
    """A partner organisation present at a service point (a permanence or visio-guichet), as declared."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="declared_partners", verbose_name="site")
    partner = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name="partenaire",
        limit_choices_to={"kind": Organisation.Kind.PARTNER},
    )  # fmt: skip

    class Meta:
        verbose_name = "partenaire du site"
        constraints = [models.UniqueConstraint(fields=["site", "partner"], name="site_partner_unique")]

    def __str__(self) -> str:
        return f"{self.partner} à {self.site}"
