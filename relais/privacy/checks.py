from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=True)
def access_log_key_is_set(app_configs, **kwargs) -> list[CheckMessage]:
    """Derived from SECRET_KEY, the access log's key would change with it (breaking the chain) and
    would sit wherever SECRET_KEY sits: production sets its own."""
    if settings.ACCESS_LOG_KEY:
        return []
    return [
        CheckWarning(
            "ACCESS_LOG_KEY n'est pas définie : le journal des accès est scellé avec une clé dérivée de SECRET_KEY.",
            hint="Définissez ACCESS_LOG_KEY (une longue chaîne aléatoire, gardée hors de la base et jamais changée).",
            id="privacy.W001",
        )
    ]
