"""SMS backends; the Brevo one against pytest-httpserver playing Brevo (SMS_AND_TASKS.md §3, the
"Fake server" table, and §7 G3: only safe failures are retried)."""

import json
import logging
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from werkzeug import Response

from o2r.sms.backends import (
    OutgoingSms,
    SmsNotSent,
    SmsOutcomeUnknown,
    SmsRejected,
    get_backend,
    locmem,
)
from o2r.sms.backends.brevo import BrevoBackend
from o2r.sms.backends.console import ConsoleBackend
from o2r.sms.backends.file import FileBackend

SEND_PATH = "/v3/transactionalSMS/send"
API_KEY = "xkeysib-test-key"
NUMBER = "+33612345678"
BODY = "Rendez-vous demain à 10 h avec votre conseillère. Adoma O2R"


def make_sms(**overrides):
    fields = {
        "id": uuid.uuid4(),
        "to": NUMBER,
        "body": BODY,
        "encoding": "gsm7",
        "callback_url": "https://o2r.example/sms/hooks/brevo/abc/token/",
    }
    return OutgoingSms(**(fields | overrides))


@pytest.fixture
def brevo(settings, httpserver):
    settings.SMS_BREVO_BASE_URL = httpserver.url_for("/")
    settings.SMS_BREVO_API_KEY = API_KEY
    settings.SMS_SENDER = "AdomaO2R"
    settings.SMS_CONNECT_TIMEOUT = 1.0
    settings.SMS_READ_TIMEOUT = 2.0
    yield BrevoBackend()
    # No unexpected request (a "no handler" assertion) and no error raised by a handler.
    httpserver.check()


def expect_send(httpserver):
    return httpserver.expect_ordered_request(SEND_PATH, method="POST")


def sent_requests(httpserver):
    return [request for request, _ in httpserver.log]


# --- Brevo: accepted -------------------------------------------------------------------------


def test_brevo_accepted_returns_the_message_id_and_sends_the_documented_request(brevo, httpserver):
    expect_send(httpserver).respond_with_json({"messageId": 123}, status=201)
    sms = make_sms()

    assert brevo.send(sms) == "123"

    (request,) = sent_requests(httpserver)
    assert request.headers["api-key"] == API_KEY
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    assert request.get_json() == {
        "sender": "AdomaO2R",
        "recipient": "33612345678",
        "content": BODY,
        "type": "transactional",
        "tag": str(sms.id),
        "unicodeEnabled": False,
        "webUrl": "https://o2r.example/sms/hooks/brevo/abc/token/",
    }


def test_brevo_ucs2_enables_unicode_and_no_callback_sends_no_web_url(brevo, httpserver):
    expect_send(httpserver).respond_with_json({"messageId": "abc-42"}, status=200)

    assert brevo.send(make_sms(encoding="ucs2", body="Привет", callback_url="")) == "abc-42"

    (request,) = sent_requests(httpserver)
    body = request.get_json()
    assert body["unicodeEnabled"] is True
    assert body["content"] == "Привет"
    assert "webUrl" not in body


def test_brevo_base_url_without_trailing_slash(brevo, httpserver, settings):
    settings.SMS_BREVO_BASE_URL = httpserver.url_for("/").rstrip("/")
    expect_send(httpserver).respond_with_json({"messageId": 7}, status=201)

    assert brevo.send(make_sms()) == "7"


@pytest.mark.parametrize(
    ("status", "response"),
    [
        (201, {}),
        (201, {"messageId": None}),
        (201, {"messageId": ""}),
        (201, ["not", "an", "object"]),
        (200, "not json"),
        (204, None),
    ],
)
def test_brevo_success_without_message_id_is_unknown(brevo, httpserver, status, response):
    handler = expect_send(httpserver)
    if isinstance(response, str):
        handler.respond_with_data(response, status=status, content_type="text/plain")
    elif response is None:
        handler.respond_with_data("", status=status)
    else:
        handler.respond_with_json(response, status=status)

    with pytest.raises(SmsOutcomeUnknown):
        brevo.send(make_sms())
    assert len(sent_requests(httpserver)) == 1


# --- Brevo: refused for good --------------------------------------------------------------------


@pytest.mark.parametrize(("status", "alert"), [(400, False), (401, True), (402, True)])
def test_brevo_client_errors_are_rejected_once_and_alert_on_401_402(
    brevo, httpserver, caplog, status, alert
):
    # Brevo's error bodies may echo the number: the exception (stored) must not.
    expect_send(httpserver).respond_with_json(
        {"code": "invalid_parameter", "message": f"Invalid phone number {NUMBER}"}, status=status
    )

    with caplog.at_level(logging.INFO, logger="o2r.sms"), pytest.raises(SmsRejected) as excinfo:
        brevo.send(make_sms())

    assert str(excinfo.value) == f"Brevo HTTP {status}: invalid_parameter."
    assert NUMBER.removeprefix("+") not in str(excinfo.value)
    assert len(sent_requests(httpserver)) == 1
    errors = [r for r in caplog.records if r.name == "o2r.sms" and r.levelno == logging.ERROR]
    assert bool(errors) is alert
    for record in caplog.records:
        assert "33612345678" not in record.getMessage()
        assert BODY not in record.getMessage()


@pytest.mark.parametrize("status", [403, 404, 422])
def test_brevo_other_client_errors_are_rejected(brevo, httpserver, status):
    expect_send(httpserver).respond_with_data("", status=status)

    with pytest.raises(SmsRejected, match=rf"^Brevo HTTP {status}\.$"):
        brevo.send(make_sms())
    assert len(sent_requests(httpserver)) == 1


def test_brevo_redirect_is_not_followed(brevo, httpserver):
    expect_send(httpserver).respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/elsewhere")}
    )

    with pytest.raises(SmsRejected):
        brevo.send(make_sms())
    assert [r.path for r in sent_requests(httpserver)] == [SEND_PATH]


def test_brevo_without_api_key_refuses_and_sends_nothing(brevo, httpserver, settings):
    settings.SMS_BREVO_API_KEY = ""

    with pytest.raises(SmsRejected):
        brevo.send(make_sms())
    assert sent_requests(httpserver) == []


# --- Brevo: not sent, retryable -----------------------------------------------------------------


def test_brevo_429_is_not_sent(brevo, httpserver):
    expect_send(httpserver).respond_with_json(
        {"code": "too_many_requests"}, status=429, headers={"x-sib-ratelimit-reset": "1"}
    )

    with pytest.raises(SmsNotSent):
        brevo.send(make_sms())
    assert len(sent_requests(httpserver)) == 1


def test_brevo_429_then_201_the_retry_returns_the_id(brevo, httpserver):
    expect_send(httpserver).respond_with_json({"code": "too_many_requests"}, status=429)
    expect_send(httpserver).respond_with_json({"messageId": 456}, status=201)
    sms = make_sms()

    with pytest.raises(SmsNotSent):
        brevo.send(sms)
    assert brevo.send(sms) == "456"

    requests = sent_requests(httpserver)
    assert len(requests) == 2
    assert {r.get_json()["tag"] for r in requests} == {str(sms.id)}
    httpserver.check_assertions()  # both ordered expectations consumed, in order


def test_brevo_connection_refused_is_not_sent(brevo, settings):
    # A port nothing listens on: bound by the OS, read, then released.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SMS_BREVO_BASE_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(SmsNotSent) as excinfo:
        brevo.send(make_sms())
    assert isinstance(excinfo.value.__cause__, httpx.ConnectError)


def test_brevo_bad_base_url_is_not_sent(brevo, settings):
    settings.SMS_BREVO_BASE_URL = "api.brevo.com"  # no scheme

    with pytest.raises(SmsNotSent):
        brevo.send(make_sms())


# --- Brevo: outcome unknown, never resent automatically --------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_brevo_server_errors_are_unknown_after_one_request(brevo, httpserver, status):
    expect_send(httpserver).respond_with_data("oops", status=status)

    with pytest.raises(SmsOutcomeUnknown, match=rf"^Brevo HTTP {status}\.$"):
        brevo.send(make_sms())
    assert len(sent_requests(httpserver)) == 1


def test_brevo_slower_than_the_read_timeout_is_unknown_after_one_request(
    brevo, httpserver, settings
):
    settings.SMS_READ_TIMEOUT = 0.5
    arrived, release = threading.Event(), threading.Event()

    def slow(request):
        arrived.set()
        release.wait(timeout=5)  # "sleeps" until the client has given up
        return Response(json.dumps({"messageId": 789}), status=201, mimetype="application/json")

    expect_send(httpserver).respond_with_handler(slow)

    started = datetime.now()
    with pytest.raises(SmsOutcomeUnknown) as excinfo:
        brevo.send(make_sms())
    assert datetime.now() - started < timedelta(seconds=3)
    assert isinstance(excinfo.value.__cause__, httpx.ReadTimeout)
    assert arrived.is_set()  # Brevo did get the request: it may well send the SMS

    # The single-threaded fake server logs the request only once the handler returns: let it
    # finish, so that the next test finds the server free.
    assert httpserver.log == []
    release.set()
    for _ in range(100):
        if httpserver.log:
            break
        time.sleep(0.02)
    assert len(sent_requests(httpserver)) == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectError, SmsNotSent),
        (httpx.ConnectTimeout, SmsNotSent),
        (httpx.PoolTimeout, SmsNotSent),
        (httpx.ReadTimeout, SmsOutcomeUnknown),
        (httpx.WriteTimeout, SmsOutcomeUnknown),
        (httpx.ReadError, SmsOutcomeUnknown),
        (httpx.WriteError, SmsOutcomeUnknown),
        (httpx.RemoteProtocolError, SmsOutcomeUnknown),
        (httpx.LocalProtocolError, SmsOutcomeUnknown),
        (httpx.ProxyError, SmsOutcomeUnknown),
    ],
)
def test_brevo_transport_errors_classification(brevo, monkeypatch, error, expected):
    def fail(self, request, **kwargs):
        raise error("boom", request=request)

    monkeypatch.setattr(httpx.Client, "send", fail)

    with pytest.raises(expected) as excinfo:
        brevo.send(make_sms())
    assert isinstance(excinfo.value.__cause__, error)


# --- Development and test backends --------------------------------------------------------------


def test_file_backend_appends_one_json_line_per_message(settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "var" / "sms" / "outbox.jsonl"  # parents created
    first, second = make_sms(), make_sms(body="Deuxième message € ", encoding="ucs2")
    backend = FileBackend()

    assert backend.send(first) == f"file-{first.id}"
    assert backend.send(second) == f"file-{second.id}"

    lines = settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [str(first.id), str(second.id)]
    assert records[1] | {"at": None} == {
        "id": str(second.id),
        "to": NUMBER,
        "encoding": "ucs2",
        "body": "Deuxième message € ",
        "at": None,
    }
    at = datetime.fromisoformat(records[0]["at"])
    assert at.utcoffset() == timedelta(0)


@pytest.fixture
def clean_locmem():
    locmem.reset()
    yield
    locmem.reset()


def test_locmem_backend_keeps_the_messages_until_reset(settings, clean_locmem):
    settings.SMS_BACKEND = "locmem"
    backend = get_backend()
    sms = make_sms()

    assert backend.send(sms) == f"locmem-{sms.id}"
    assert locmem.outbox == [sms]
    assert locmem.calls == [sms]

    locmem.reset()
    assert locmem.outbox == []
    assert locmem.calls == []


def test_locmem_script_raises_on_the_next_sends(clean_locmem):
    backend = locmem.LocmemBackend()
    first, second, third = make_sms(), make_sms(), make_sms()
    locmem.script.extend([SmsNotSent("429"), None])

    with pytest.raises(SmsNotSent):
        backend.send(first)
    assert backend.send(second) == f"locmem-{second.id}"
    assert backend.send(third) == f"locmem-{third.id}"  # script exhausted: accepted

    assert locmem.outbox == [second, third]
    assert locmem.calls == [first, second, third]
    assert locmem.script == []


def test_console_backend_logs_one_line_per_message(caplog):
    sms = make_sms()

    with caplog.at_level(logging.INFO, logger="o2r.sms"):
        assert ConsoleBackend().send(sms) == f"console-{sms.id}"

    (record,) = [r for r in caplog.records if r.name == "o2r.sms"]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "\n" not in message
    assert NUMBER in message
    assert "gsm7" in message
    assert BODY in message
