"""Provider failures become typed runnel errors, and retries follow the server's hints."""

from __future__ import annotations

import email.utils
import time

import pytest

from runnel.exceptions import MissingAPIKeyError, ProviderError, ProviderTimeout
from runnel.providers._errors import Attempts, retry_after, to_provider_error
from runnel.providers._keys import api_key, import_sdk


class _Response:
    def __init__(self, status_code: int, headers: dict[str, str]) -> None:
        self.status_code = status_code
        self.headers = headers


class StatusError(Exception):
    def __init__(self, status: int, body: object = None, headers: dict[str, str] | None = None):
        super().__init__(f"status {status}")
        self.status_code = status
        self.body = body
        self.response = _Response(status, headers or {})


class ReadTimeout(Exception):
    pass


class RemoteProtocolError(Exception):
    pass


def test_status_error_keeps_status_and_the_providers_message() -> None:
    error = StatusError(400, {"error": {"message": "model 'x' does not exist"}})
    converted = to_provider_error(error, "openai")
    assert isinstance(converted, ProviderError)
    assert converted.status_code == 400
    assert "model 'x' does not exist" in str(converted)
    assert str(converted).startswith("openai: HTTP 400")
    assert converted.__cause__ is error
    assert not converted.retryable


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503, 529])
def test_retryable_statuses(status: int) -> None:
    assert to_provider_error(StatusError(status), "p").retryable


def test_message_from_flat_and_string_bodies() -> None:
    assert "flat" in str(to_provider_error(StatusError(422, {"message": "flat"}), "p"))
    assert "plain" in str(to_provider_error(StatusError(404, {"error": "plain"}), "p"))


def test_timeouts_and_dropped_connections() -> None:
    timeout = to_provider_error(ReadTimeout("read timed out"), "p")
    assert isinstance(timeout, ProviderTimeout) and isinstance(timeout, TimeoutError)
    dropped = to_provider_error(RemoteProtocolError("peer closed connection"), "p")
    assert dropped.retryable and "connection failed" in str(dropped)
    other = to_provider_error(KeyError("x"), "p")
    assert not other.retryable and "KeyError" in str(other)


def test_retry_after_forms() -> None:
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after": "1.5"}) == 1.5
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < (retry_after({"retry-after": date}) or 0) <= 30
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None and retry_after(None) is None


def test_attempts_honour_the_hint_then_give_up() -> None:
    attempts = Attempts("p", max_retries=2)
    error = StatusError(429, {"error": {"message": "slow down"}}, {"retry-after": "0.01"})
    assert attempts.failed(error, delivered=False)[1] == 0.01
    assert attempts.failed(error, delivered=False)[1] == 0.01
    converted, delay = attempts.failed(error, delivered=False)
    assert delay is None and converted.status_code == 429 and "slow down" in str(converted)


def test_attempts_back_off_without_a_hint_and_never_after_delivery() -> None:
    attempts = Attempts("p", max_retries=5)
    delays = [attempts.failed(StatusError(503), delivered=False)[1] for _ in range(3)]
    assert all(d is not None for d in delays)
    assert 0.375 <= delays[0] <= 0.5 and 0.75 <= delays[1] <= 1.0 and 1.5 <= delays[2] <= 2
    assert Attempts("p", 5).failed(StatusError(503), delivered=True)[1] is None
    assert Attempts("p", 5).failed(StatusError(400), delivered=False)[1] is None


def test_a_hint_longer_than_a_minute_falls_back_to_back_off() -> None:
    error = StatusError(429, None, {"retry-after": "3600"})
    delay = Attempts("p", 1).failed(error, delivered=False)[1]
    assert delay is not None and delay <= 0.5


def test_api_key_from_parameter_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNNEL_TEST_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="RUNNEL_TEST_KEY") as info:
        api_key(None, variable="RUNNEL_TEST_KEY", provider="p")
    assert isinstance(info.value, ValueError) and info.value.variable == "RUNNEL_TEST_KEY"
    monkeypatch.setenv("RUNNEL_TEST_KEY", "sk-secret")
    key = api_key(None, variable="RUNNEL_TEST_KEY", provider="p")
    assert key.get_secret_value() == "sk-secret" and "sk-secret" not in repr(key)
    assert api_key("given", variable="RUNNEL_TEST_KEY", provider="p").get_secret_value() == "given"


def test_missing_sdk_names_the_extra() -> None:
    with pytest.raises(ImportError, match=r'pip install "runnel\[nope\]"'):
        import_sdk("runnel_no_such_sdk", extra="nope")


class HeaderError(Exception):
    def __init__(self, status: int, body: object, headers: dict[str, str]) -> None:
        super().__init__("failed")
        self.status_code = status
        self.body = body
        self.headers = headers


def test_headers_and_json_text_bodies_on_the_error_itself() -> None:
    error = HeaderError(429, '{"message": "too many"}', {"retry-after": "2"})
    converted = to_provider_error(error, "p")
    assert converted.retry_after == 2.0 and "too many" in str(converted)


def test_validation_detail_lists_are_joined() -> None:
    body = {"detail": [{"msg": "field required"}, {"msg": "bad value"}]}
    assert "field required; bad value" in str(to_provider_error(StatusError(422, body), "p"))


def test_the_servers_x_should_retry_overrides_the_status() -> None:
    assert not to_provider_error(StatusError(500, None, {"x-should-retry": "false"}), "p").retryable
    assert to_provider_error(StatusError(400, None, {"x-should-retry": "true"}), "p").retryable
