from django.db import transaction

from relais.api.models import TOKEN_PREFIX_LENGTH, ApiToken, generate_token, hash_token
from relais.territory.models import Organisation, Service


@transaction.atomic
def api_token_create(*, organisation: Organisation, name: str, service: Service | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw secret, which is shown once and never stored."""
    raw = generate_token()
    token = ApiToken.objects.create(
        organisation=organisation, name=name, service=service, prefix=raw[: TOKEN_PREFIX_LENGTH + 4], key_hash=hash_token(raw)
    )
    return token, raw


def api_token_rotate(token: ApiToken) -> str:
    """Give a token a new secret (and lift a revocation); the old secret stops working at once."""
    raw = generate_token()
    token.prefix, token.key_hash, token.revoked_at = raw[: TOKEN_PREFIX_LENGTH + 4], hash_token(raw), None
    token.save(update_fields=["prefix", "key_hash", "revoked_at"])
    return raw
