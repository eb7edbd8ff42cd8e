"""SMS sending behind one interface. SMS_BACKEND picks the implementation:

- `relais.notifications.sms.ConsoleSmsBackend` (default): writes the SMS to the log;
- `relais.notifications.sms.FileSmsBackend`: appends one JSON line per SMS to SMS_FILE_PATH (development);
- `relais.notifications.sms.BrevoSmsBackend`: Brevo's transactional SMS HTTP API (SMS_API_KEY,
  SMS_SENDER, optionally SMS_API_URL).

A backend returns a SmsResult or raises SmsError; the caller records either on the message.
`reference` is the same at every attempt of one message: the provider's record of a duplicate
(a worker killed after the provider accepted the SMS, before it was recorded) carries it too.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


@dataclass(frozen=True)
class SmsResult:
    provider_message_id: str
    response: str


class ConsoleSmsBackend:
    def send(self, *, to: str, text: str, reference: str = "") -> SmsResult:
        logger.info("SMS à %s : %s", to, text)
        return SmsResult(provider_message_id="", response="affiché dans le journal (développement)")


class FileSmsBackend:
    def send(self, *, to: str, text: str, reference: str = "") -> SmsResult:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": timezone.now().isoformat(), "to": to, "text": text, "reference": reference}
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return SmsResult(provider_message_id="", response=f"écrit dans {path}")


class BrevoSmsBackend:
    """POST {sender, recipient, content, type, tag} to Brevo's /v3/transactionalSMS/sms with the api-key
    header. Brevo takes no idempotency key: the message's reference goes in `tag`, so a duplicate
    can at least be found in Brevo's logs."""

    def __init__(self) -> None:
        self.url = settings.SMS_API_URL or "https://api.brevo.com/v3/transactionalSMS/sms"
        self.api_key = settings.SMS_API_KEY
        self.sender = settings.SMS_SENDER

    def send(self, *, to: str, text: str, reference: str = "") -> SmsResult:
        fields = {"sender": self.sender, "recipient": to.lstrip("+"), "content": text, "type": "transactional"}
        if reference:
            fields["tag"] = reference
        payload = json.dumps(fields).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, not from users
            self.url,
            data=payload,
            method="POST",
            headers={"api-key": self.api_key, "content-type": "application/json", "accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
                body = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"HTTP {exc.code} : {exc.read().decode('utf-8', 'replace')[:500]}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"prestataire injoignable : {exc}") from exc
        try:
            message_id = str(json.loads(body).get("messageId", ""))
        except (ValueError, AttributeError):
            message_id = ""
        return SmsResult(provider_message_id=message_id, response=body[:2000])


def sms_backend() -> ConsoleSmsBackend | FileSmsBackend | BrevoSmsBackend:
    return import_string(settings.SMS_BACKEND)()
