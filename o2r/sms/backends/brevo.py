"""Brevo transactional SMS (SMS_AND_TASKS.md §3): one POST, no retry, classified by outcome.

The classification decides what the sender may do next, so it errs towards "unknown" whenever
the request may have reached Brevo: with no idempotency key, a resend may deliver twice.

- 2xx with a messageId: accepted, the id is returned;
- 2xx without one, 5xx, or a failure once connected (read or write timeout, reset, protocol
  error): SmsOutcomeUnknown;
- 429, or no connection at all (refused, DNS, TLS handshake, connect or pool timeout):
  SmsNotSent;
- any other status (400, 401, 402, 403, 404, 3xx...): SmsRejected.

Exception messages are short and hold neither the number nor the text: the sender stores them.
"""

import functools
import logging
import os

import httpx
from django.conf import settings

from .base import BaseBackend, OutgoingSms, SmsNotSent, SmsOutcomeUnknown, SmsRejected

logger = logging.getLogger("o2r.sms")

SEND_PATH = "/v3/transactionalSMS/send"
# Statuses that need a person: bad or revoked key, no credit, account or IP not allowed.
ALERT_STATUSES = {401, 402, 403}
# Failures raised before any byte of the request could reach Brevo.
NOT_CONNECTED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@functools.cache
def _client_of(pid: int) -> httpx.Client:
    return httpx.Client(
        follow_redirects=False,
        # A new connection for each message: never a pooled one the server may have closed
        # meanwhile (its failure would look like an unknown outcome).
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def _client() -> httpx.Client:
    """One client per process (its TLS context costs about 20 ms to build): a Celery child
    builds its own after the fork."""
    return _client_of(os.getpid())


class BrevoBackend(BaseBackend):
    def send(self, sms: OutgoingSms) -> str:
        api_key = settings.SMS_BREVO_API_KEY
        if not api_key:
            raise SmsRejected("Brevo : clé d'API absente (SMS_BREVO_API_KEY).")
        url = settings.SMS_BREVO_BASE_URL.rstrip("/") + SEND_PATH
        payload = {
            "sender": settings.SMS_SENDER,
            "recipient": sms.to.removeprefix("+"),
            "content": sms.body,
            "type": "transactional",
            "tag": str(sms.id),
            "unicodeEnabled": sms.encoding == "ucs2",
        }
        if sms.callback_url:
            payload["webUrl"] = sms.callback_url
        headers = {
            "api-key": api_key,
            "accept": "application/json",
            "content-type": "application/json",
        }
        timeout = httpx.Timeout(
            connect=settings.SMS_CONNECT_TIMEOUT,
            read=settings.SMS_READ_TIMEOUT,
            write=settings.SMS_READ_TIMEOUT,
            pool=settings.SMS_CONNECT_TIMEOUT,
        )
        try:
            response = _client().post(url, json=payload, headers=headers, timeout=timeout)
        except NOT_CONNECTED as exc:
            raise SmsNotSent(f"Brevo injoignable ({type(exc).__name__}).") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            # A bad SMS_BREVO_BASE_URL: nothing left, a person must fix the setting.
            logger.error("brevo: bad SMS_BREVO_BASE_URL: %s", exc)
            raise SmsNotSent("Brevo : URL de base invalide (SMS_BREVO_BASE_URL).") from exc
        except httpx.TransportError as exc:
            raise SmsOutcomeUnknown(
                f"Brevo : issue inconnue après connexion ({type(exc).__name__})."
            ) from exc
        return _classify(response)


def _classify(response: httpx.Response) -> str:
    status = response.status_code
    if response.is_success:
        message_id = _json_field(response, "messageId")
        if message_id is None or message_id == "" or isinstance(message_id, (dict, list, bool)):
            raise SmsOutcomeUnknown(f"Brevo HTTP {status} sans messageId.")
        return str(message_id)
    code = _json_field(response, "code")
    detail = f"HTTP {status}: {code[:60]}" if isinstance(code, str) and code else f"HTTP {status}"
    if status == 429:
        raise SmsNotSent(f"Brevo {detail} (limite de débit).")
    if response.is_server_error:
        raise SmsOutcomeUnknown(f"Brevo {detail}.")
    if status in ALERT_STATUSES:
        logger.error("brevo: %s: check the API key, the credit or the account", detail)
    raise SmsRejected(f"Brevo {detail}.")


def _json_field(response: httpx.Response, name: str):
    try:
        data = response.json()
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError both are ValueErrors
        return None
    return data.get(name) if isinstance(data, dict) else None
