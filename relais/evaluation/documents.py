"""The evaluation report as people read it: the dashboard's tables and charts, the printable PDF
activity report (it reads like the seed's), the XLSX workbook. One `ReportView` feeds all three, so
that the page, the PDF and the spreadsheet never disagree.

No answer is shown by itself below EVALUATION_MIN_GROUP_SIZE: a rate over fewer answers is written
« moins de N réponses », and the comments are listed only above that many answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from relais.core import charts
from relais.core.tables import IndicatorTable, tables_xlsx
from relais.core.wording import plural_suffix
from relais.evaluation.indicators import EvaluationFigures, MonthFigures, monthly_figures, rate, responses_in
from relais.evaluation.labels import LabelCheck, format_hours, label_checks
from relais.evaluation.models import NO, YES, Expectation, Reason, Satisfaction, SurveyChannel, VisitKind
from relais.evaluation.policies import service_points
from relais.territory.models import Organisation

MAX_COMMENTS = 30


def percent(value: float | None) -> str:
    """0.9412 → « 94,1 % »; None → « — »."""
    if value is None:
        return "—"
    return f"{100 * value:.1f}".replace(".", ",") + "\u202f%"


def km(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") + "\u202fkm"


@dataclass
class Card:
    title: str
    value: str
    detail: str = ""


@dataclass
class Chart:
    title: str
    svg: SafeString
    table_key: str  # the table beside it holds the same figures


@dataclass
class ReportView:
    figures: EvaluationFigures
    scope_label: str
    cards: list[Card]
    tables: list[IndicatorTable]
    charts: list[Chart]
    months: list[MonthFigures]
    comments: list[tuple[str, str]] = field(default_factory=list)  # (date, text)
    comments_hidden: bool = False
    label_checks: list[LabelCheck] = field(default_factory=list)
    min_group_size: int = 5
    emission_factor_source: str = ""
    generated_at: Any = None

    @property
    def by_key(self) -> dict[str, IndicatorTable]:
        return {table.key: table for table in self.tables}


def _shown_rate(value: float | None, denominator: int, minimum: int) -> str:
    if denominator == 0:
        return "—"
    if denominator < minimum:
        return f"moins de {minimum} réponses"
    return percent(value)


def _partner_names(codes: list[str]) -> dict[str, str]:
    return dict(Organisation.objects.filter(code__in=codes).values_list("code", "name"))


def build_report(figures: EvaluationFigures, *, scope_label: str, with_charts: bool = True) -> ReportView:
    minimum = settings.EVALUATION_MIN_GROUP_SIZE
    survey, visits, visio, travel = figures.survey, figures.visits, figures.visio, figures.travel
    answered = survey.satisfaction_answered
    cards = [
        Card("Réponses au questionnaire", number(survey.answers), f"dont {number(answered)} sur la satisfaction globale"),
        Card("Usagers satisfaits", _shown_rate(survey.satisfied_rate, answered, minimum),
             f"très ou plutôt satisfaits, sur {answered} réponse{plural_suffix(answered)}"),
        Card("Très satisfaits", _shown_rate(survey.very_satisfied_rate, answered, minimum),
             f"sur {number(answered)} réponse{plural_suffix(answered)}"),
        Card("Attente totalement satisfaite", _shown_rate(survey.fully_met_rate, survey.expectation_answered, minimum),
             f"sur {survey.expectation_answered} réponse{plural_suffix(survey.expectation_answered)}"),
        Card("Recommanderaient le service", _shown_rate(survey.recommend_rate, survey.recommend_answered, minimum),
             f"sur {survey.recommend_answered} réponse{plural_suffix(survey.recommend_answered)}"),
        Card("Visites comptées", number(visits.total),
             f"{visits.weeks} semaine{plural_suffix(visits.weeks)} de comptage (grille hebdomadaire)"),
        Card("Séances de visio-guichet", number(visits.visio_sessions),
             f"rendez-vous pris depuis les points : {visio.honoured} honoré{plural_suffix(visio.honoured)}, "
             f"{visio.no_shows} absence{plural_suffix(visio.no_shows)}"),
        Card("Déplacements évités", km(travel.km_avoided),
             f"{travel.co2_avoided_kg:,.0f}".replace(",", "\u202f") + " kg de CO₂ évités"),
    ]  # fmt: skip
    names = _partner_names(list(visits.by_partner))
    months = monthly_figures(figures.scope)
    tables = [
        IndicatorTable("partenaires", "Visites par partenaire", ["Code", "Partenaire", "Visites", "Part des visites (%)"],
                       [[code, names.get(code, code), count, _pct(rate(count, visits.total))]
                        for code, count in visits.by_partner.items()]
                       + ([["", "Sans partenaire", visits.without_partner, _pct(rate(visits.without_partner, visits.total))]]
                          if visits.without_partner else [])),
        IndicatorTable("aides", "Visites par nature de l'aide", ["Nature de l'aide", "Visites", "Part des visites (%)"],
                       [[label, visits.by_kind[kind], _pct(rate(visits.by_kind[kind], visits.total))]
                        for kind, label in VisitKind.choices]),
        IndicatorTable("satisfaction", "Satisfaction globale", ["Réponse", "Réponses", "Part (%)"],
                       _distribution(survey.satisfaction, Satisfaction.choices, answered, minimum)),
        IndicatorTable("attente", "Attente satisfaite", ["Réponse", "Réponses", "Part (%)"],
                       _distribution(survey.expectation, Expectation.choices, survey.expectation_answered, minimum)),
        IndicatorTable("recommandation", "Recommanderaient le service", ["Réponse", "Réponses", "Part (%)"],
                       _distribution(survey.recommend, [(YES, "Oui"), (NO, "Non")], survey.recommend_answered, minimum)),
        IndicatorTable("raisons", "Raisons de la venue", ["Raison", "Réponses la citant", "Part des répondants (%)"],
                       _distribution(survey.reasons, Reason.choices, survey.reasons_answered, minimum)),
        IndicatorTable("canaux", "Réponses par canal", ["Canal", "Réponses"],
                       [[label, survey.by_channel.get(code, 0) if survey.answers >= minimum else None]
                        for code, label in SurveyChannel.choices]),
        IndicatorTable("mois", "Mois par mois",
                       ["Mois", "Visites", "Séances de visio-guichet", "Réponses", "Usagers satisfaits (%)"],
                       [[m.label, m.visits, m.visio_sessions, m.answers if m.answers >= minimum else None,
                         _pct(m.satisfied_rate) if m.satisfaction_answered >= minimum else None] for m in months]),
        IndicatorTable("deplacements", "Déplacements évités", ["Mesure", "Valeur"], [
            ["Séances honorées depuis un point (personnes présentes)", travel.trips_counted + travel.trips_unknown],
            ["dont trajets mesurés", travel.trips_counted],
            ["dont commune ou agence du partenaire inconnue", travel.trips_unknown],
            ["Kilomètres évités (aller-retour)", travel.km_avoided],
            ["CO₂ évité (kg)", travel.co2_avoided_kg],
            ["Facteur d'émission (kg CO₂ par km)", travel.emission_factor_kg_per_km],
            ["Source du facteur", travel.emission_factor_source],
            ["Coefficient de détour routier", travel.road_factor],
        ]),
        IndicatorTable("visio", "Rendez-vous de visio-guichet", ["Mesure", "Valeur"], [
            ["Rendez-vous (non annulés)", visio.booked],
            ["Honorés", visio.honoured],
            ["Absences non excusées", visio.no_shows],
            ["Taux d'absence (%)", _pct(visio.no_show_rate)],
        ]),
    ]  # fmt: skip
    checks = _label_checks(figures)
    tables.append(_label_table(checks))
    view = ReportView(
        figures=figures, scope_label=scope_label, cards=cards, tables=tables, charts=[], months=months,
        min_group_size=minimum, emission_factor_source=travel.emission_factor_source, generated_at=timezone.now(),
        label_checks=checks,
    )  # fmt: skip
    if survey.answers >= minimum:
        comments = responses_in(figures.scope).exclude(comment="").order_by("-answered_on", "-pk")[:MAX_COMMENTS]
        view.comments = [(f"{c.answered_on:%d/%m/%Y}", c.comment) for c in comments]
    else:
        view.comments_hidden = survey.answers > 0
    if with_charts:
        view.charts = _charts(view, names)
    return view


def _label_checks(figures: EvaluationFigures) -> list[LabelCheck]:
    """Each service point of the report against each active label, today."""
    return label_checks(figures.scope.sites or tuple(service_points()))


def _label_table(checks: list[LabelCheck]) -> IndicatorTable:
    rows = [
        [check.site.name, check.label.name, format_hours(check.weekly_hours), check.open_days, check.partner_count,
         "oui" if check.ok else "non", " ".join(check.missing)]
        for check in checks
    ]  # fmt: skip
    headers = [
        "Point d'accueil",
        "Label",
        "Ouverture par semaine",
        "Jours d'ouverture",
        "Partenaires",
        "Conforme",
        "Ce qui manque",
    ]
    return IndicatorTable("labels", "Conformité aux labels", headers, rows)


def _pct(value: float | None) -> float | None:
    """A share as a percentage with one decimal (parsed back from its text: no 70.40000000000001 in a sheet)."""
    return None if value is None else float(f"{100 * value:.1f}")


def number(value: int) -> str:
    """12 345 with a narrow no-break space, as French prints numbers."""
    return f"{value:,}".replace(",", "\u202f")


def _distribution(counts: dict[str, int], choices: Any, denominator: int, minimum: int) -> list[list]:
    """Counts and shares per answer; below the minimum group size neither (a count of 1 is an answer)."""
    if denominator < minimum:
        return [[label, None, None] for _, label in choices]
    return [[label, counts.get(code, 0), _pct(rate(counts.get(code, 0), denominator))] for code, label in choices]


def _charts(view: ReportView, names: dict[str, str]) -> list[Chart]:
    figures = view.figures
    result = []
    rows: list[tuple[str, float]]
    if figures.visits.by_partner:
        rows = [(names.get(code, code), count) for code, count in figures.visits.by_partner.items()]
        result.append(Chart("Visites par partenaire", charts.bar_chart(
            rows, label="Graphique : visites par partenaire (les nombres sont dans le tableau qui suit).",
            value_title="Visites"), "partenaires"))  # fmt: skip
    answered = figures.survey.satisfaction_answered
    if answered and answered >= view.min_group_size:  # the setting may be 0: never a chart of no answers
        rows = [(label, figures.survey.satisfaction[code] / answered) for code, label in Satisfaction.choices]
        result.append(Chart("Satisfaction globale", charts.bar_chart(
            rows, label="Graphique : répartition des réponses sur la satisfaction globale (tableau qui suit).",
            value_title="Part des réponses", percent=True), "satisfaction"))  # fmt: skip
    if figures.survey.reasons_answered and figures.survey.reasons_answered >= view.min_group_size:
        rows = [(label, figures.survey.reasons[code] / figures.survey.reasons_answered) for code, label in Reason.choices]
        result.append(Chart("Raisons de la venue", charts.bar_chart(
            rows, label="Graphique : raisons de la venue, part des répondants qui les citent (tableau qui suit).",
            value_title="Part des répondants", percent=True), "raisons"))  # fmt: skip
    if any(m.visits for m in view.months):
        rows = [(m.label, m.visits) for m in view.months]
        result.append(Chart("Visites mois par mois", charts.column_chart(
            rows, label="Graphique : visites comptées mois par mois (tableau « Mois par mois »).",
            value_title="Visites"), "mois"))  # fmt: skip
    return result


def report_xlsx(figures: EvaluationFigures, *, scope_label: str = "") -> bytes:
    view = build_report(figures, scope_label=scope_label or _default_label(figures), with_charts=False)
    summary = IndicatorTable("synthese", "Synthèse", ["Indicateur", "Valeur", "Précision"],
                             [[card.title, card.value, card.detail] for card in view.cards])  # fmt: skip
    return tables_xlsx([summary, *view.tables])


def report_pdf(figures: EvaluationFigures, *, scope_label: str = "") -> bytes:
    """The printable activity report, a tagged PDF (PDF/UA-1) in French."""
    from weasyprint import HTML  # imported when a report is printed: the library is large

    view = build_report(figures, scope_label=scope_label or _default_label(figures))
    html = render_to_string("evaluation/report_pdf.html", {"report": view})
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def _default_label(figures: EvaluationFigures) -> str:
    sites = figures.scope.sites
    label = ", ".join(site.name for site in sites) if sites else "Tout le réseau des points d'accueil"
    if figures.scope.partner:
        label += f" — {figures.scope.partner.name}"
    if figures.scope.service:
        label += f" — {figures.scope.service.name}"
    return label
