from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from relais.api.models import ApiToken, hash_token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <jeton>` (or `Bearer <jeton>`): one token per integration."""

    keywords = ("Token", "Bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête d'authentification mal formé : « Token <jeton> » attendu."))
        raw = header[1].decode(errors="replace")
        try:
            token = ApiToken.objects.select_related("organisation", "service").get(key_hash=hash_token(raw))
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Jeton inconnu.")) from None
        if not token.is_active:
            raise exceptions.AuthenticationFailed(_("Ce jeton a été révoqué."))
        token.touch()
        return (token, token)

    def authenticate_header(self, request):
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "relais.api.authentication.ApiTokenAuthentication"
    name = "jeton"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Token <jeton>`"}
