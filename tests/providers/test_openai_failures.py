"""ChatOpenAI failures beyond the contract every provider keeps (see test_contract.py:
retries, timeouts, errors mid-stream, truncated streams, cancellation)."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.exceptions import ProviderError, ProviderTimeout
from runnel.messages import AIMessageChunk
from runnel.providers.openai import ChatOpenAI
from runnel.testing import FakeProviderServer, Reply

pytestmark = pytest.mark.anyio


def chat(server: FakeProviderServer, **kwargs: Any) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", base_url=server.url + "/v1", **kwargs)


@pytest.fixture(params=["sync", "async"])
def consume(request: pytest.FixtureRequest) -> Any:
    """Stream into a list (kept on failure) with `stream` or `astream`."""

    async def run(model: Any, input: Any, into: list[Any]) -> None:
        if request.param == "sync":
            for chunk in model.stream(input):
                into.append(chunk)
        else:
            async for chunk in model.astream(input):
                into.append(chunk)

    return run


# -- HTTP errors -----------------------------------------------------------------------------
async def test_a_4xx_error_surfaces_the_message_without_retrying(
    server: FakeProviderServer, consume: Any
) -> None:
    server.push(Reply(status=400, error_message="Invalid value for 'temperature': 9"))
    with pytest.raises(ProviderError, match="Invalid value for 'temperature': 9") as info:
        await consume(chat(server), "hi", [])
    assert info.value.status_code == 400
    assert info.value.body["message"] == "Invalid value for 'temperature': 9"
    assert len(server.requests) == 1


# -- timeouts --------------------------------------------------------------------------------
async def test_a_stalled_stream_times_out_keeping_what_arrived(
    server: FakeProviderServer, consume: Any
) -> None:
    server.push(Reply("one two three", delay=1.0))
    got: list[AIMessageChunk] = []
    with pytest.raises(ProviderTimeout) as info:
        await consume(chat(server, timeout=0.15, max_retries=0), "hi", got)
    assert [c.content for c in got] == [""]  # the role chunk came before the stall
    assert info.value.partial is not None
