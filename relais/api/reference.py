"""The API's reference page, rendered by the site from the OpenAPI schema: French, in the site's
layout and accessible, which Swagger UI's generated markup is not (it stays at /api/console/ for
trying requests out)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")
LOCATIONS = {"query": "paramètre d'URL", "path": "chemin", "header": "en-tête"}
TYPES = {"string": "texte", "integer": "entier", "number": "nombre", "boolean": "booléen", "array": "liste", "object": "objet"}
FORMATS = {"date": "date AAAA-MM-JJ", "date-time": "date et heure ISO 8601", "uuid": "identifiant UUID", "email": "e-mail", "uri": "adresse URL"}  # fmt: skip


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)


def _inline_code(text: str) -> SafeString:
    """The schema's descriptions mark code with backquotes, as Markdown does."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))  # noqa: S308 — escaped first


@cache
def api_schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], components) | {k: v for k, v in schema.items() if k != "allOf"}
    return schema


def _type(schema: dict[str, Any], components: dict[str, Any]) -> str:
    schema = _resolve(schema, components)
    if "enum" in schema:
        values = [str(value) for value in schema["enum"] if value not in ("", None)]
        return "une valeur parmi : " + ", ".join(values)
    if "oneOf" in schema:
        return " ou ".join(_type(option, components) for option in schema["oneOf"])
    kind = schema.get("type", "objet")
    if kind == "array":
        return f"liste de {_type(schema.get('items', {}), components)}"
    shown = FORMATS.get(schema.get("format", ""), TYPES.get(kind, kind))
    return f"{shown}, facultatif (peut être vide)" if schema.get("nullable") else shown


def _fields(schema: dict[str, Any], components: dict[str, Any]) -> list[Field]:
    schema = _resolve(schema, components)
    required = set(schema.get("required", []))
    return [
        Field(name, _type(prop, components), name in required, _inline_code(_resolve(prop, components).get("description", "")))
        for name, prop in schema.get("properties", {}).items()
    ]


def api_operations() -> list[Operation]:
    schema = api_schema()
    components = schema.get("components", {}).get("schemas", {})
    operations = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            parameters = [
                Field(
                    f"{p['name']} ({LOCATIONS.get(p['in'], p['in'])})",
                    _type(p.get("schema", {}), components),
                    bool(p.get("required")),
                    _inline_code(p.get("description", "")),
                )
                for p in op.get("parameters", [])
            ]
            content: dict[str, Any] = op.get("requestBody", {}).get("content", {})
            media: dict[str, Any] = content.get("application/json") or next(iter(content.values()), {})
            body_schema = media.get("schema")
            operations.append(
                Operation(
                    anchor=op.get("operationId", f"{method}-{path}"),
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=_inline_code(op.get("description", "")),
                    parameters=parameters,
                    body=_fields(body_schema, components) if body_schema else [],
                    responses=[(code, response.get("description", "")) for code, response in op.get("responses", {}).items()],
                )
            )
    return operations


@login_not_required
def api_reference(request: HttpRequest) -> HttpResponse:
    schema = api_schema()
    return render(
        request,
        "api/reference.html",
        {
            "info": schema["info"] | {"description": _inline_code(schema["info"].get("description", ""))},
            "operations": api_operations(),
            "site_url": request.build_absolute_uri("/").rstrip("/"),
        },
    )
