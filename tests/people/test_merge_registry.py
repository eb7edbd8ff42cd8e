"""Every relation to a person says how it follows a merge: a new foreign key to Person fails here
until its app registers a merge handler (people/merge_registry.py) or leaves it alone with a reason."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from relais.people import merge_registry


def test_every_relation_to_person_is_moved_by_a_handler_or_left_alone_with_a_reason():
    assert merge_registry.unhandled_relations() == [], (
        "A relation to Person does not say how it follows a merge: register a handler from the app's "
        "merging.py (people/merge_registry.register) or declare it with merge_registry.leave_alone(reason=...)."
    )
    assert all(reason.strip() for reason in merge_registry.left_alone().values())


def test_no_handler_or_exemption_names_a_relation_that_does_not_exist():
    declared = {label for handler in merge_registry.merge_handlers() for label in handler.relations}
    assert declared | set(merge_registry.left_alone()) <= merge_registry.person_relations()


def test_a_relation_without_a_handler_is_named(monkeypatch):
    messages = ("notifications.OutgoingMessage.person",)
    monkeypatch.setattr(merge_registry, "_handlers", {k: v for k, v in merge_registry._handlers.items() if k != messages})
    assert merge_registry.unhandled_relations() == ["notifications.OutgoingMessage.person"]


def test_the_people_app_imports_no_domain_app_to_merge():
    import inspect

    from relais.people import merge_registry as registry
    from relais.people import merging

    for module in (merging, registry):
        source = inspect.getsource(module)
        for app in ("exchanges", "appointments", "requests", "notifications"):
            assert f"relais.{app}" not in source


def test_a_relation_is_moved_once():
    with pytest.raises(ImproperlyConfigured, match="already covered"):
        merge_registry.register(
            relations=["requests.CitizenRequest.person", "x.Y.person"], move=lambda a, k: {}, undo=lambda k, a, m: None
        )
    with pytest.raises(ImproperlyConfigured, match="both moved and left alone"):
        merge_registry.leave_alone("requests.CitizenRequest.person", reason="no")
