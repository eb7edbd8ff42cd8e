"""The demo's inhabitants (households of the 78 and the 92) and a year of exchanges with them."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

import holidays
from django.utils import timezone

from relais.demo.names import (
    BIRTH_PLACES,
    COMPLEMENTS,
    STREETS,
    make_email,
    make_landline,
    make_mobile,
    make_nir,
    pick_first_names,
    pick_surname,
)
from relais.demo.world import World
from relais.exchanges.models import Channel, Exchange, ExchangePerson
from relais.people.building import PersonData, person_build, person_data_of
from relais.people.models import ContactPoint, Household, HouseholdMember, Person, PersonOrganisation, SourceRecord
from relais.people.normalization import join_first_names
from relais.people.search import person_index
from relais.territory.models import Commune, Membership


@dataclass
class DemoPerson:
    person: Person
    department: str
    age: int
    household_index: int
    role: str
    has_young_child: bool = False
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    organisations: set[str] = field(default_factory=set)


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _random_birth(rng: random.Random, today: dt.date, min_age: int, max_age: int) -> dt.date:
    start = today.replace(year=today.year - max_age - 1) + dt.timedelta(days=1)
    end = (
        today.replace(year=today.year - min_age)
        if not (today.month == 2 and today.day == 29)
        else today - dt.timedelta(days=365 * min_age)
    )
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


class CommunePicker:
    """Communes of the 78 and the 92, drawn in proportion to their population."""

    def __init__(self) -> None:
        self.communes = list(Commune.objects.order_by("insee_code"))
        self.cumulative = list(itertools.accumulate(max(c.population, 1) for c in self.communes))

    def pick(self, rng: random.Random) -> Commune:
        return self.communes[bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass
class _Home:
    index: int
    commune: Commune
    street: str
    complement: str
    landline: str


def _add_person(
    rng: random.Random,
    people: list[DemoPerson],
    home: _Home,
    today: dt.date,
    *,
    sex: str,
    birth: dt.date,
    birth_name: str,
    usage_name: str,
    role: str,
) -> DemoPerson:
    firsts = pick_first_names(rng, sex, birth)
    person = person_build(
        PersonData(
            birth_name=birth_name.upper() if rng.random() < 0.15 else birth_name,  # legacy bases typed some in capitals
            usage_name=usage_name,
            first_names=join_first_names(firsts),
            sex=sex,
            birth_date=birth,
            birth_place=rng.choice(BIRTH_PLACES) if rng.random() < 0.7 else home.commune.name,
            address=home.street,
            address_complement=home.complement,
            postcode=home.commune.main_postcode,
            city=home.commune.name,
            commune_code=home.commune.insee_code,
        ),
        today=today,
    )
    entry = DemoPerson(
        person=person, department=home.commune.department, age=_age(birth, today), household_index=home.index, role=role
    )
    if entry.age >= 16:
        if rng.random() < 0.85:
            entry.phones.append(make_mobile(rng))
        if home.landline and role != HouseholdMember.Role.CHILD:
            entry.phones.append(home.landline)
        if rng.random() < 0.6:
            entry.emails.append(make_email(rng, firsts[0], usage_name or birth_name, birth))
    people.append(entry)
    return entry


def generate_people(rng: random.Random, target: int, today: dt.date) -> list[DemoPerson]:
    """Households with an adult of reference, often a spouse, and children; until `target` persons."""
    communes = CommunePicker()
    people: list[DemoPerson] = []
    household_index = 0
    while len(people) < target:
        household_index += 1
        home = _Home(
            index=household_index,
            commune=communes.pick(rng),
            street=f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            complement=rng.choice(COMPLEMENTS) if rng.random() < 0.2 else "",
            landline=make_landline(rng) if rng.random() < 0.25 else "",
        )
        family = pick_surname(rng)
        sex = rng.choice("FM")
        reference_birth = _random_birth(rng, today, 19, 88)
        married = rng.random() < 0.5 and _age(reference_birth, today) >= 23
        if sex == "F" and married:
            reference = _add_person(
                rng,
                people,
                home,
                today,
                sex="F",
                birth=reference_birth,
                birth_name=pick_surname(rng),
                usage_name=family,
                role=HouseholdMember.Role.REFERENCE,
            )
        else:
            reference = _add_person(
                rng,
                people,
                home,
                today,
                sex=sex,
                birth=reference_birth,
                birth_name=family,
                usage_name="",
                role=HouseholdMember.Role.REFERENCE,
            )
        if married:
            spouse_birth = min(reference_birth + dt.timedelta(days=rng.randint(-2500, 2500)), today - dt.timedelta(days=365 * 19))
            if sex == "M":
                usage = family if rng.random() < 0.7 else ""
                _add_person(
                    rng,
                    people,
                    home,
                    today,
                    sex="F",
                    birth=spouse_birth,
                    birth_name=pick_surname(rng),
                    usage_name=usage,
                    role=HouseholdMember.Role.SPOUSE,
                )
            else:
                _add_person(
                    rng,
                    people,
                    home,
                    today,
                    sex="M",
                    birth=spouse_birth,
                    birth_name=family,
                    usage_name="",
                    role=HouseholdMember.Role.SPOUSE,
                )
        if reference.age < 55 and rng.random() < 0.6:
            for _ in range(rng.choices([1, 2, 3, 4], weights=[35, 40, 18, 7])[0]):
                youngest = max(0, reference.age - 45)
                child_birth = _random_birth(rng, today, youngest, max(youngest, min(reference.age - 18, 17)))
                child = _add_person(
                    rng,
                    people,
                    home,
                    today,
                    sex=rng.choice("FM"),
                    birth=child_birth,
                    birth_name=family,
                    usage_name="",
                    role=HouseholdMember.Role.CHILD,
                )
                if child.age < 6:
                    reference.has_young_child = True
    return people


# Channels by service family, as a département's activity looks: counters and phones first.
CHANNEL_WEIGHTS = {
    "ACCUEIL": {Channel.COUNTER: 35, Channel.CALL_IN: 30, Channel.EMAIL: 12, Channel.LETTER_IN: 8, Channel.CALL_OUT: 6, Channel.ONLINE_FORM: 5, Channel.LETTER_OUT: 3, Channel.SMS: 1},
    "PMI": {Channel.COUNTER: 55, Channel.CALL_IN: 15, Channel.CALL_OUT: 15, Channel.SMS: 8, Channel.VISIO: 3, Channel.LETTER_OUT: 4},
    "INSERTION": {Channel.COUNTER: 30, Channel.CALL_OUT: 20, Channel.CALL_IN: 15, Channel.EMAIL: 12, Channel.LETTER_OUT: 10, Channel.VISIO: 8, Channel.SMS: 5},
    "ADOPTION": {Channel.COUNTER: 30, Channel.LETTER_IN: 20, Channel.LETTER_OUT: 20, Channel.EMAIL: 15, Channel.CALL_IN: 10, Channel.VISIO: 5},
    "AUTONOMIE": {Channel.CALL_IN: 35, Channel.LETTER_IN: 20, Channel.COUNTER: 15, Channel.LETTER_OUT: 15, Channel.CALL_OUT: 10, Channel.ONLINE_FORM: 5},
    "ASE": {Channel.COUNTER: 40, Channel.CALL_OUT: 25, Channel.CALL_IN: 15, Channel.LETTER_OUT: 10, Channel.EMAIL: 10},
    "PARTNER": {Channel.VISIO: 45, Channel.COUNTER: 20, Channel.CALL_IN: 20, Channel.EMAIL: 15},
}  # fmt: skip

SUMMARIES = {
    Channel.COUNTER: ["Reçu(e) à l'accueil au sujet de : {topic}. Informations données, documents vérifiés.", "Venu(e) sans rendez-vous pour {topic}. Dossier complété sur place."],
    Channel.CALL_IN: ["Appel reçu concernant {topic}. Réponse apportée, rappel non nécessaire.", "Appel au sujet de {topic} ; demande de précisions sur les délais."],
    Channel.CALL_OUT: ["Rappel de l'usager pour {topic}. Message laissé sur le répondeur.", "Appel sortant pour {topic} : rendez-vous convenu."],
    Channel.EMAIL: ["E-mail reçu au sujet de {topic}, réponse envoyée avec la liste des pièces.", "Échange de courriels sur {topic}."],
    Channel.LETTER_IN: ["Courrier reçu : {topic}. Enregistré et transmis au service instructeur."],
    Channel.LETTER_OUT: ["Courrier envoyé : {topic}."],
    Channel.VISIO: ["Rendez-vous en visio-guichet pour {topic}, depuis le point France services.", "Visio pour {topic} : situation étudiée avec l'usager et le médiateur."],
    Channel.ONLINE_FORM: ["Formulaire en ligne déposé : {topic}."],
    Channel.SMS: ["SMS envoyé : rappel concernant {topic}."],
}  # fmt: skip
FOLLOW_UPS = [
    "Rappeler pour confirmer la réception des pièces",
    "Envoyer la liste des justificatifs",
    "Vérifier l'ouverture des droits",
    "Transmettre le dossier au service instructeur",
    "Proposer un rendez-vous",
]

PARTNER_SERVICES = ["CAF92-PRESTATIONS", "CPAM78-DROITS", "FTIDF-ACCOMPAGNEMENT", "MSA-ACCUEIL", "CARSAT-RETRAITE"]


def _service_family(code: str) -> str:
    if code in PARTNER_SERVICES:
        return "PARTNER"
    return code.split("-", 1)[1]


def _working_moments(rng: random.Random, today: dt.date, days: int) -> list[dt.date]:
    closed = holidays.France(years=range(today.year - 2, today.year + 1))
    return [
        day for day in (today - dt.timedelta(days=offset) for offset in range(days)) if day.weekday() < 5 and day not in closed
    ]


def _pick_service(rng: random.Random, entry: DemoPerson) -> str:
    dep = entry.department
    choices: list[tuple[str, float]] = [(f"{dep}-ACCUEIL", 40)]
    if 18 <= entry.age < 65:
        choices.append((f"{dep}-INSERTION", 20))
    if entry.has_young_child or entry.age < 6:
        choices.append((f"{dep}-PMI", 25))
    if entry.age >= 62:
        choices.append((f"{dep}-AUTONOMIE", 22))
    if entry.age < 21:
        choices.append((f"{dep}-ASE", 3))
    if 25 <= entry.age < 55:
        choices.append(("EPI-ADOPTION", 1.5))
    partner = {"92": "CAF92-PRESTATIONS", "78": "CPAM78-DROITS"}[dep]
    choices += [
        (partner, 6),
        ("FTIDF-ACCOMPAGNEMENT", 3 if 18 <= entry.age < 62 else 0),
        ("CARSAT-RETRAITE", 3 if entry.age >= 58 else 0),
        ("MSA-ACCUEIL", 0.5),
    ]
    codes, weights = zip(*[(code, weight) for code, weight in choices if weight > 0], strict=True)
    return rng.choices(codes, weights=weights)[0]


def generate_exchanges(
    rng: random.Random, world: World, people: list[DemoPerson], target: int, today: dt.date
) -> list[tuple[Exchange, list[DemoPerson]]]:
    """About `target` exchanges over the last 12 months, with the agents of each service."""
    members: dict[str, list[Membership]] = {}
    for membership in world.memberships:
        members.setdefault(membership.service.code, []).append(membership)
    days = _working_moments(rng, today, 365)
    # A minority of persons is in frequent contact: draw persons with a skewed weight.
    activity = [rng.paretovariate(1.3) for _ in people]
    cumulative = list(itertools.accumulate(activity))
    adults_by_household: dict[int, list[DemoPerson]] = {}
    for entry in people:
        if entry.age >= 18:
            adults_by_household.setdefault(entry.household_index, []).append(entry)
    exchanges: list[tuple[Exchange, list[DemoPerson]]] = []
    now = timezone.localtime()
    while len(exchanges) < target:
        entry = people[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
        if entry.age < 16:  # children's matters are handled with a parent
            parents = adults_by_household.get(entry.household_index)
            if parents and rng.random() < 0.7:
                entry = rng.choice(parents)
        code = _pick_service(rng, entry)
        membership = rng.choice(members[code])
        family = _service_family(code)
        channel = rng.choices(list(CHANNEL_WEIGHTS[family]), weights=list(CHANNEL_WEIGHTS[family].values()))[0]
        # Recent days weigh more: agents look at recent history most.
        day = days[min(int(rng.expovariate(1 / 90)), len(days) - 1)]
        moment = timezone.make_aware(
            dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.choice([0, 10, 15, 20, 30, 40, 45, 50])))
        )
        if moment > now:
            moment = now - dt.timedelta(minutes=rng.randint(5, 120))
        topic = rng.choice(world.topics[code])
        follow_up = ""
        due = None
        done = None
        if rng.random() < 0.12:
            follow_up = rng.choice(FOLLOW_UPS)
            due = day + dt.timedelta(days=rng.randint(2, 21))
            if due < today - dt.timedelta(days=3) or rng.random() < 0.3:
                done = moment + dt.timedelta(days=rng.randint(1, 10))
                done = min(done, now)
        site = membership.site
        if family == "PARTNER" and channel == Channel.VISIO:
            # Visio-guichet: the person sits at a France services point of their département.
            site = world.sites[
                rng.choice({"78": ["78-FS-MUREAUX", "78-FS-RAMBOUILLET"], "92": ["92-FS-CLICHY"]}[entry.department])
            ]
        exchange = Exchange(
            channel=channel,
            occurred_at=moment,
            duration_minutes=rng.choice([5, 10, 15, 20, 30, 45, 60])
            if channel in (Channel.COUNTER, Channel.CALL_IN, Channel.CALL_OUT, Channel.VISIO)
            else None,
            organisation=membership.organisation,
            service=membership.service,
            site=site,
            agent=membership.agent,
            topic=topic,
            summary=rng.choice(SUMMARIES[channel]).format(topic=topic.name.lower()),
            follow_up=follow_up,
            follow_up_due=due,
            follow_up_done_at=done,
        )
        concerned = [entry]
        if entry.role == HouseholdMember.Role.REFERENCE and rng.random() < 0.1:
            concerned += [p for p in adults_by_household.get(entry.household_index, []) if p is not entry][:1]
        for person in concerned:
            person.organisations.add(membership.organisation.code)
        exchanges.append((exchange, concerned))
    return exchanges


def save_population(
    rng: random.Random, world: World, people: list[DemoPerson], exchanges: list[tuple[Exchange, list[DemoPerson]]]
) -> None:
    """Write everything with bulk inserts (a few seconds on SQLite)."""
    for entry in people:
        # Every resident is known to their département; some moved and are known to both.
        entry.organisations.add(entry.department)
        if rng.random() < 0.06:
            entry.organisations.add("78" if entry.department == "92" else "92")
        if entry.age >= 18 and entry.person.birth_date and rng.random() < 0.2:
            nir = make_nir(rng, entry.person.sex, entry.person.birth_date, entry.department)
            entry.person = person_build(person_data_of(entry.person, nir=nir))  # the NIR checked as any other
    Person.objects.bulk_create([entry.person for entry in people], batch_size=1000)
    person_index([entry.person for entry in people], replace=False)
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(person=entry.person, kind=kind, value=value, position=i)
            for entry in people
            for kind, values in ((ContactPoint.Kind.PHONE, entry.phones), (ContactPoint.Kind.EMAIL, entry.emails))
            for i, value in enumerate(values)
        ],
        batch_size=2000,
    )
    organisations = world.organisations
    PersonOrganisation.objects.bulk_create(
        [
            PersonOrganisation(person=entry.person, organisation=organisations[code])
            for entry in people
            for code in sorted(entry.organisations)
        ],
        batch_size=2000,
    )
    SourceRecord.objects.bulk_create(
        [
            SourceRecord(person=entry.person, source=f"GRC{entry.department}", source_id=f"{entry.department}-{index:06d}")
            for index, entry in enumerate(people, start=1)
        ],
        batch_size=2000,
    )
    households: dict[int, Household] = {}
    for entry in people:
        if entry.household_index not in households:
            households[entry.household_index] = Household(
                name=f"Foyer {entry.person.usage_name or entry.person.birth_name.title()}"
            )
    Household.objects.bulk_create(list(households.values()), batch_size=1000)
    sizes: dict[int, int] = {}
    for entry in people:
        sizes[entry.household_index] = sizes.get(entry.household_index, 0) + 1
    HouseholdMember.objects.bulk_create(
        [
            HouseholdMember(household=households[entry.household_index], person=entry.person, role=entry.role)
            for entry in people
            if sizes[entry.household_index] > 1
        ],
        batch_size=2000,
    )
    Exchange.objects.bulk_create([exchange for exchange, _ in exchanges], batch_size=1000)
    ExchangePerson.objects.bulk_create(
        [ExchangePerson(exchange=exchange, person=entry.person) for exchange, concerned in exchanges for entry in concerned],
        batch_size=2000,
    )


def give_demo_agents_a_day(
    world: World, exchanges: list[tuple[Exchange, list[DemoPerson]]], today: dt.date, logins: set[str]
) -> None:
    """Each demo login opens "Ma journée" on something: follow-ups overdue, due today and soon."""
    offsets = [-2, 0, 1, 4]
    given: dict[int, int] = {}
    for exchange, _ in sorted(exchanges, key=lambda pair: pair[0].occurred_at, reverse=True):
        agent = exchange.agent
        if agent is None or agent.email not in logins or exchange.occurred_at.date() > today - dt.timedelta(days=3):
            continue
        count = given.get(agent.pk, 0)
        if count >= len(offsets):
            continue
        exchange.follow_up = FOLLOW_UPS[count % len(FOLLOW_UPS)]
        exchange.follow_up_due = today + dt.timedelta(days=offsets[count])
        exchange.follow_up_done_at = None
        given[agent.pk] = count + 1
