from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


def _mark_employer_session(sender, request, user, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """An account that is an employer contact and nothing else (no active membership, not staff) is
    kept to the employer space for the whole session (core.auth.AgentLoginRequiredMiddleware)."""
    from relais.core.auth import EMPLOYER_SESSION_KEY

    if request is None or not hasattr(request, "session"):
        return
    contact = getattr(user, "employer_contact", None)  # insertion.EmployerContact (reverse one-to-one)
    employer_only = (
        contact is not None and not (user.is_staff or user.is_superuser) and not user.memberships.filter(is_active=True).exists()
    )
    if employer_only:
        request.session[EMPLOYER_SESSION_KEY] = True
    else:
        request.session.pop(EMPLOYER_SESSION_KEY, None)


class TerritoryConfig(AppConfig):
    name = "relais.territory"
    label = "territory"
    verbose_name = "Territoire"

    def ready(self) -> None:
        user_logged_in.connect(_mark_employer_session, dispatch_uid="relais.territory.employer_session")
