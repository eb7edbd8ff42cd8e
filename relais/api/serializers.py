"""Input serializers that take the schema at its word: DRF's fields coerce what they receive (0 becomes
"0" for a text field, "5" becomes 5 for a number), so a request the OpenAPI schema calls invalid was
accepted. The API is JSON: a value of the wrong JSON type is refused with a French field error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

TEXT_FIELDS = (serializers.CharField, serializers.UUIDField, serializers.DateField, serializers.DateTimeField)
TEXT_EXPECTED = "Chaîne de caractères attendue."
INTEGER_EXPECTED = "Nombre entier attendu."


def _type_error(field: serializers.Field, value: Any) -> str | None:
    if value is None:
        return None  # allow_null decides
    if isinstance(field, TEXT_FIELDS) or (
        isinstance(field, serializers.ChoiceField) and all(isinstance(key, str) for key in field.choices)
    ):
        return None if isinstance(value, str) else TEXT_EXPECTED
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else INTEGER_EXPECTED
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return next((error for item in value if (error := _type_error(field.child, item))), None)
    return None


class StrictInput(serializers.Serializer):
    """Refuses a JSON value of the wrong type before DRF's fields convert it."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors: dict[str, list[str]] = {}
            for field in self.fields.values():
                if field.read_only or field.field_name not in data:
                    continue
                error = _type_error(field, data[field.field_name])
                if error:
                    errors[str(field.field_name)] = [error]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
