"""The OpenAPI schema documents the errors every endpoint really answers with, in the shapes of
`relais.api.errors`: {"detail": "…"} or {"field": ["…"]}. Added by a drf-spectacular
postprocessing hook rather than on each view, so that a new endpoint gets them too; an answer a
view documents itself (a 409 with the next free slots, a 412…) is left as it is.

The API contract test (`uv run pytest -m contract`) fuzzes the API against this schema."""

from __future__ import annotations

from typing import Any

# Query parameters: a filter left empty (`?person=`) is no filter; anything else must be well formed.
UUID_OR_EMPTY = {"type": "string", "anyOf": [{"format": "uuid"}, {"maxLength": 0}]}
DATE_OR_EMPTY = {"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}]}
DATE_OR_DATETIME = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}, {"maxLength": 0}]}

ERROR_REF = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR_REF = {"$ref": "#/components/schemas/ValidationError"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Une erreur, expliquée en français dans `detail`.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Requête refusée : `detail` pour une erreur d'ensemble, sinon, pour chaque champ en cause, la liste de "
    "ses erreurs en français (un objet de même forme pour un champ composé, `non_field_errors` pour une erreur "
    "qui tient à plusieurs champs).",
    "additionalProperties": True,
}

DESCRIPTIONS = {
    "400": "Requête invalide : paramètres ou corps refusés, avec la raison par champ.",
    "401": "Jeton absent, inconnu ou révoqué.",
    "403": "Action hors du périmètre de ce jeton (ou de cet agent).",
    "404": "Ressource introuvable, ou invisible pour ce jeton.",
    "413": "Corps de la requête trop volumineux.",
    "415": "Type de contenu non pris en charge : envoyez du JSON.",
    "422": "Clé Idempotency-Key déjà utilisée pour une autre requête.",
    "429": "Trop de requêtes pour ce jeton : réessayez plus tard (en-tête Retry-After).",
}

# Answers that only some operations give, beyond what their parameters and body imply.
EXTRA_STATUSES: dict[str, tuple[str, ...]] = {
    # An unknown or invisible motive, agenda or person named in the query or the body.
    "slots_list": ("404",),
    "sessions_list": ("404",),
    "appointments_create": ("404", "422"),
}


# What the serializers cannot say by themselves.
COMPONENT_CONSTRAINTS: dict[str, dict[str, Any]] = {
    # Exactly one of an existing person or a new person's identity.
    "BookingInputRequest": {"oneOf": [{"required": ["person"]}, {"required": ["new_person"]}]},
}


def _statuses(operation: dict[str, Any], method: str) -> list[str]:
    statuses = ["401", "403", "429"]
    parameters = operation.get("parameters", [])
    if "requestBody" in operation or any(p.get("in") in ("query", "header") for p in parameters):
        statuses.append("400")
    # A path naming an unknown resource, or a page past the last one.
    if any(p.get("in") == "path" or p.get("name") == "page" for p in parameters):
        statuses.append("404")
    if "requestBody" in operation:
        statuses += ["413", "415"]
    statuses += EXTRA_STATUSES.get(operation.get("operationId", ""), ())
    return sorted(set(statuses))


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for name, constraints in COMPONENT_CONSTRAINTS.items():
        if name in schemas:
            schemas[name].update(constraints)
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                # An error a view documents without a body (`409: None`) still answers {"detail": …}.
                if status.startswith("4") and not response.get("content"):
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
            for status in _statuses(operation, method):
                if status in responses:
                    continue
                body = VALIDATION_ERROR_REF if status == "400" else ERROR_REF
                responses[status] = {
                    "content": {"application/json": {"schema": body}},
                    "description": DESCRIPTIONS[status],
                }
    return result
