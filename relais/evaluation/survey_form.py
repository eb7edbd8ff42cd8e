"""A questionnaire as the template draws it: one entry per question with its choices, what was
entered and its error (the survey link, the kiosk, the preview and the paper entry share it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from relais.evaluation.models import Question
from relais.evaluation.policies import partner_organisations
from relais.evaluation.surveys import field_name, question_choices


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    input_id: str
    checked: bool


@dataclass(frozen=True)
class QuestionField:
    question: Question
    name: str
    choices: list[Choice]
    value: str  # a text answer
    error: str

    @property
    def is_text(self) -> bool:
        return self.question.kind == Question.Kind.TEXT

    @property
    def input_type(self) -> str:
        return "checkbox" if self.question.kind == Question.Kind.MULTIPLE else "radio"

    @property
    def first_id(self) -> str:
        """Where the summary of errors leads: the text area, or the first choice."""
        return self.choices[0].input_id if self.choices else self.name

    @property
    def described_by(self) -> str:
        ids = [f"{self.name}-help"] if self.question.help_text else []
        if self.error:
            ids.append(f"{self.name}-error")
        return " ".join(ids)


def question_fields(
    questions: Iterable[Question], data: Mapping[int, Any] | None = None, errors: Mapping[str, str] | None = None
) -> list[QuestionField]:
    data, errors = data or {}, errors or {}
    partners = list(partner_organisations())
    fields = []
    for question in questions:
        name = field_name(question)
        given = data.get(question.pk)
        chosen = set(given) if isinstance(given, list) else {given}
        choices = [
            Choice(code=choice["code"], label=choice["label"], input_id=f"{name}-{index}", checked=choice["code"] in chosen)
            for index, choice in enumerate(question_choices(question, partners))
        ]
        value = given if isinstance(given, str) and question.kind == Question.Kind.TEXT else ""
        fields.append(QuestionField(question=question, name=name, choices=choices, value=value, error=errors.get(name, "")))
    return fields


def error_messages(error: Any) -> dict[str, str]:
    """A ValidationError's first message per field."""
    return {name: messages[0] for name, messages in error.message_dict.items()} if hasattr(error, "error_dict") else {}
