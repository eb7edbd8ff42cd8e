"""Where the person has to be for an appointment, said once for every message, page and calendar file.

A visio-guichet booked from a France services point takes place at that point: the person comes to
the point, where a mediator opens the video call. Saying "en visio" alone sent people home to wait
for a call they could not take (field trial, issue 10).
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.appointments.models import Appointment, Motive
from relais.territory.models import Site


@dataclass(frozen=True)
class Place:
    sentence: str  # "en visio-guichet, à l'espace France services de Clichy, 80 boulevard Jean Jaurès, 92110 Clichy"
    address: str  # the postal address the person goes to ("" when they stay where they are)
    at_service_point: bool  # a visio-guichet held at a France services point


def site_address(site: Site) -> str:
    commune = f", {site.commune.main_postcode} {site.commune.name}" if site.commune else ""
    return f"{site.name}, {site.address}{commune}" if site.address else f"{site.name}{commune}"


def _point_name(site: Site) -> str:
    # "France services de Clichy" reads "à l'espace France services de Clichy"; other names as they are.
    return f"l'espace {site.name}" if site.name.lower().startswith("france services") else site.name


def appointment_place(appointment: Appointment) -> Place:
    motive = appointment.motive
    point = appointment.booked_from_site
    if motive.channel == Motive.Channel.VISIO and point is not None:
        commune = f", {point.commune.main_postcode} {point.commune.name}" if point.commune else ""
        address = f"{point.address}{commune}" if point.address else commune.lstrip(", ")
        sentence = f"en visio-guichet, à {_point_name(point)}" + (f", {address}" if address else "")
        return Place(sentence=sentence, address=site_address(point), at_service_point=True)
    if appointment.visio_url or motive.channel == Motive.Channel.VISIO:
        return Place(sentence="en visio", address="", at_service_point=False)
    if motive.channel == Motive.Channel.PHONE:
        return Place(sentence="par téléphone", address="", at_service_point=False)
    if motive.channel == Motive.Channel.HOME:
        return Place(sentence="à votre domicile", address="", at_service_point=False)
    site = appointment.site
    if site is None:
        return Place(sentence="", address="", at_service_point=False)
    return Place(sentence=site_address(site), address=site_address(site), at_service_point=False)
