"""The demo's evaluation of the service network: a year of weekly counting grids and of answers to
the satisfaction questionnaire for the three France services points and the two pilot relais, their
declared hours and partners (one pilot falls short of the label), closed weeks.

The figures are realistic, not perfect: the busy months and the August lull, a site or two less
liked than the others, weeks nobody counted, answers that skip a question, a few hard comments.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from relais.core.calendar import is_holiday
from relais.demo.world import World
from relais.evaluation.models import (
    SATISFIED,
    DeclaredOpening,
    Expectation,
    Reason,
    Satisfaction,
    SitePartner,
    SurveyChannel,
    SurveyResponse,
    VisitCount,
    VisitKind,
    WeekClosure,
    week_monday,
)

# site: weekly visits in an ordinary week, satisfaction bias (0 = as the network), opening days and
# hours (weekday, start, end), declared partners
SITES: dict[str, tuple[int, float, list[tuple[int, str, str]], list[str]]] = {
    "78-FS-MUREAUX": (120, 0.0, [(d, "09:00", "12:30") for d in range(5)] + [(d, "13:30", "17:00") for d in (0, 1, 3, 4)],
                      ["CAF92", "CPAM78", "FTIDF", "MSA", "CARSAT"]),
    "78-FS-RAMBOUILLET": (70, 0.02, [(d, "09:00", "12:00") for d in (0, 1, 2, 3)] + [(d, "14:00", "17:00") for d in (0, 1, 2, 3)],
                          ["CAF92", "CPAM78", "FTIDF", "CARSAT"]),
    "92-FS-CLICHY": (150, -0.06, [(d, "08:30", "12:30") for d in range(5)] + [(d, "13:30", "18:00") for d in range(5)]
                     + [(5, "09:00", "12:00")], ["CAF92", "CPAM78", "FTIDF", "MSA", "CARSAT"]),
    "78-RSP-HOUDAN": (35, 0.03, [(d, "09:00", "12:00") for d in (1, 3, 4)] + [(d, "13:30", "18:30") for d in (1, 3, 4)],
                      ["CAF92", "CPAM78", "MSA", "CARSAT", "FTIDF"]),
    "78-RSP-BONNIERES": (25, -0.03, [(d, "09:00", "12:00") for d in (0, 2)] + [(2, "14:00", "17:00")],
                         ["CAF92", "CARSAT", "MSA"]),
}  # fmt: skip
MANAGERS = {"78": "responsable78", "92": "responsable92"}
# Who people come for (the seed's network: the pension fund first, then the CAF) and what help they get.
PARTNER_WEIGHTS = {"CARSAT": 27, "CAF92": 24, "CPAM78": 18, "FTIDF": 14, "MSA": 6, "": 11}
KIND_WEIGHTS: dict[str, int] = {
    VisitKind.INFORMATION: 34, VisitKind.ONLINE_PROCEDURE: 33, VisitKind.VISIO: 12, VisitKind.PRINTING: 13,
    VisitKind.OTHER: 8,
}  # fmt: skip
MONTH_FACTOR = {1: 1.15, 2: 1.0, 3: 1.05, 4: 1.0, 5: 0.9, 6: 0.95, 7: 0.75, 8: 0.5, 9: 1.2, 10: 1.1, 11: 1.05, 12: 0.8}
ANSWER_SHARE = 0.09  # answers per counted visit
CHANNEL_WEIGHTS = {SurveyChannel.EMAIL: 28, SurveyChannel.SMS: 17, SurveyChannel.KIOSK: 25, SurveyChannel.PAPER: 30}
COMMENTS_GOOD = [
    "Accueil très chaleureux, merci à la médiatrice.", "Dossier de retraite enfin déposé, merci pour votre patience.",
    "Très pratique de ne pas aller jusqu'à Nanterre.", "On m'a aidé à créer mon compte en ligne, je me débrouille maintenant.",
    "Rendez-vous en visio avec la CAF très efficace.", "Personnel à l'écoute et disponible.",
    "Service indispensable dans notre commune.", "Merci pour l'aide à la déclaration de revenus.",
]  # fmt: skip
COMMENTS_BAD = [
    "Trop d'attente le lundi matin.", "Le conseiller CAF n'avait pas mon dossier sous les yeux.",
    "Horaires peu adaptés quand on travaille.", "La connexion en visio a coupé deux fois.",
    "Il faudrait être ouvert le samedi.",
]  # fmt: skip


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _answer(rng: random.Random, bias: float) -> dict:
    """One questionnaire as people fill it in: about 94 % satisfied and 75 % very satisfied overall."""
    draw = rng.random() - bias
    satisfaction = (
        Satisfaction.VERY if draw < 0.75 else Satisfaction.RATHER if draw < 0.94 else
        Satisfaction.RATHER_NOT if draw < 0.985 else Satisfaction.NOT_AT_ALL
    )  # fmt: skip
    happy = satisfaction in SATISFIED
    expectation = rng.choices(list(Expectation), [90, 9, 1] if happy else [15, 55, 30])[0]
    recommend = rng.random() < (0.95 if happy else 0.3)
    reasons = [
        reason
        for reason, share in ((Reason.PROXIMITY, 0.62), (Reason.SUPPORT, 0.44), (Reason.HOURS, 0.14))
        if rng.random() < share
    ]
    comment = ""
    if rng.random() < 0.12:
        comment = rng.choice(COMMENTS_GOOD if happy else COMMENTS_BAD)
    answer = {
        "satisfaction": satisfaction, "expectation": expectation, "recommend": recommend,
        "reasons": reasons or [Reason.OTHER], "comment": comment,
    }  # fmt: skip
    # Not everyone answers every question.
    for question, skipped in (("satisfaction", 0.03), ("expectation", 0.06), ("recommend", 0.08)):
        if rng.random() < skipped:
            answer[question] = None if question == "recommend" else ""
    if rng.random() < 0.1:
        answer["reasons"] = []
    return answer


def _weeks(today: dt.date) -> list[dt.date]:
    """The 52 weeks that ended before this one."""
    this_week = week_monday(today)
    return [this_week - dt.timedelta(weeks=n) for n in range(52, 0, -1)]


def _week_visits(rng: random.Random, base: int, monday: dt.date) -> int:
    open_days = sum(1 for d in range(5) if not is_holiday(monday + dt.timedelta(days=d)))
    factor = MONTH_FACTOR[(monday + dt.timedelta(days=3)).month] * open_days / 5
    return max(0, round(rng.gauss(base * factor, base * 0.12)))


def _split(rng: random.Random, total: int, weights: dict[str, int]) -> dict[str, int]:
    counts = dict.fromkeys(weights, 0)
    for key in rng.choices(list(weights), list(weights.values()), k=total):
        counts[key] += 1
    return counts


def build_evaluation(rng: random.Random, world: World, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    partners = world.organisations
    for code, (_, _, hours, partner_codes) in SITES.items():
        site = world.sites[code]
        DeclaredOpening.objects.bulk_create(
            DeclaredOpening(site=site, weekday=day, start_time=dt.time.fromisoformat(start), end_time=dt.time.fromisoformat(end))
            for day, start, end in hours
        )
        SitePartner.objects.bulk_create(SitePartner(site=site, partner=partners[p]) for p in partner_codes)

    counts: list[VisitCount] = []
    closures: list[WeekClosure] = []
    responses: list[SurveyResponse] = []
    weeks = _weeks(today)
    for code, (base, bias, _, partner_codes) in SITES.items():
        site = world.sites[code]
        manager = world.agents[MANAGERS[code[:2]]]
        weights = {p: w for p, w in PARTNER_WEIGHTS.items() if p in partner_codes or p == ""}
        for monday in weeks:
            if rng.random() < 0.03:  # a week nobody counted (a mediator on leave)
                continue
            total = _week_visits(rng, base, monday)
            for partner_code, visits in _split(rng, total, weights).items():
                partner = partners[partner_code] if partner_code else None
                for kind, count in _split(rng, visits, KIND_WEIGHTS).items():
                    if count:
                        counts.append(VisitCount(site=site, week=monday, partner=partner, kind=kind, count=count,
                                                 updated_by=manager))  # fmt: skip
                answers = sum(1 for _ in range(visits) if rng.random() < ANSWER_SHARE)
                for _ in range(answers):
                    day = monday + dt.timedelta(days=rng.randrange(5))
                    answer = _answer(rng, bias)
                    responses.append(SurveyResponse(
                        site=site, partner=partner if rng.random() < 0.85 else None, answered_on=min(day, today),
                        channel=_weighted(rng, CHANNEL_WEIGHTS), **answer,
                    ))  # fmt: skip
            if monday < week_monday(today) - dt.timedelta(weeks=1):  # last week's grid is still open
                closures.append(WeekClosure(site=site, week=monday, closed_by=manager))
    VisitCount.objects.bulk_create(counts, batch_size=1000)
    WeekClosure.objects.bulk_create(closures, batch_size=1000)
    SurveyResponse.objects.bulk_create(responses, batch_size=1000)
    return {"visit_counts": len(counts), "survey_answers": len(responses)}
