from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from relais.notifications.services import message_queue_email
from relais.territory.throttling import password_reset_throttled


class AgentAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class AgentPasswordResetForm(PasswordResetForm):
    """Same as Django's, but throttled, and the e-mail goes through the recorded, retried outgoing queue."""

    email = forms.EmailField(label="Adresse e-mail", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def save(self, *, request=None, **kwargs):  # type: ignore[no-untyped-def,override]  # Django's view passes keywords only
        # A throttled request sends nothing, and the view still shows the usual neutral answer.
        if request is not None and password_reset_throttled(request, self.cleaned_data["email"]):
            return
        super().save(request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None):  # type: ignore[no-untyped-def,override]
        subject = "Relais — choisir un nouveau mot de passe"
        body = loader.render_to_string(email_template_name, context)
        message_queue_email(recipient=to_email, subject=subject, body=body, kind="password_reset")
