"""The fake Gemini / Vertex AI routes write what Google writes (runnel.testing._google)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from runnel.testing import FakeProviderServer, Reply, ToolCall, Usage

GEMINI = "/v1beta/models/gemini-2.5-flash"


def post(server: FakeProviderServer, path: str, query: str = "?alt=sse") -> httpx.Response:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    return httpx.post(server.url + path + query, json=body, timeout=5)


def events(response: httpx.Response) -> list[dict[str, Any]]:
    """The ``data:`` payloads of an SSE body, checking Google's framing on the way."""
    text = response.text
    assert text.endswith("\r\n\r\n")
    out = []
    for event in text.split("\r\n\r\n")[:-1]:
        assert event.startswith("data: ") and "\n" not in event
        out.append(json.loads(event.removeprefix("data: ")))
    return out


def test_text_streams_with_running_usage_and_the_finish_on_the_last_chunk(
    server: FakeProviderServer,
) -> None:
    server.push(Reply(["Hello", " there!"], usage=Usage(input_tokens=9, output_tokens=3)))
    response = post(server, f"{GEMINI}:streamGenerateContent")
    assert response.headers["content-type"] == "text/event-stream"
    chunks = events(response)
    response_id = chunks[0]["responseId"]
    # Example J of the protocol reference
    assert chunks == [
        {
            "candidates": [
                {"content": {"parts": [{"text": "Hello"}], "role": "model"}, "index": 0}
            ],
            "usageMetadata": {
                "promptTokenCount": 9,
                "candidatesTokenCount": 1,
                "totalTokenCount": 10,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
            },
            "modelVersion": "gemini-2.5-flash",
            "responseId": response_id,
        },
        {
            "candidates": [
                {
                    "content": {"parts": [{"text": " there!"}], "role": "model"},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 9,
                "candidatesTokenCount": 3,
                "totalTokenCount": 12,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
            },
            "modelVersion": "gemini-2.5-flash",
            "responseId": response_id,
        },
    ]
    assert [c["candidates"][0]["content"]["parts"] for c in chunks]
    assert list(chunks[0]) == ["candidates", "usageMetadata", "modelVersion", "responseId"]


def test_function_calls_arrive_whole_then_an_empty_text_with_the_finish(
    server: FakeProviderServer,
) -> None:
    usage = Usage(input_tokens=29, output_tokens=15, reasoning_tokens=45, cache_read_tokens=8)
    server.push(Reply(tool_calls=[ToolCall("weather", {"location": "San Francisco"})], usage=usage))
    chunks = events(post(server, f"{GEMINI}:streamGenerateContent"))
    assert [c["candidates"][0]["content"]["parts"] for c in chunks] == [
        [{"functionCall": {"name": "weather", "args": {"location": "San Francisco"}}}],
        [{"text": ""}],
    ]
    assert [c["candidates"][0].get("finishReason") for c in chunks] == [None, "STOP"]
    assert chunks[-1]["usageMetadata"] == {
        "promptTokenCount": 29,
        "candidatesTokenCount": 15,
        "totalTokenCount": 89,
        "cachedContentTokenCount": 8,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 29}],
        "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 8}],
        "thoughtsTokenCount": 45,
    }
    assert chunks[0]["usageMetadata"] == chunks[-1]["usageMetadata"]


def test_usage_repeats_the_running_totals(server: FakeProviderServer) -> None:
    server.push(Reply("a b c d", usage=Usage(input_tokens=2, output_tokens=8)))
    chunks = events(post(server, f"{GEMINI}:streamGenerateContent"))
    counts = [c["usageMetadata"]["candidatesTokenCount"] for c in chunks]
    assert counts == [2, 4, 6, 8]
    assert [c["usageMetadata"]["totalTokenCount"] for c in chunks] == [4, 6, 8, 10]


def test_an_unfinished_stream_has_no_finish_reason(server: FakeProviderServer) -> None:
    server.push(Reply("a b", terminal=False), Reply(tool_calls=[ToolCall("f", {})], terminal=False))
    for _ in range(2):
        chunks = events(post(server, f"{GEMINI}:streamGenerateContent"))
        assert chunks and all("finishReason" not in c["candidates"][0] for c in chunks)


def test_an_empty_reply_is_one_finished_chunk(server: FakeProviderServer) -> None:
    server.push(Reply(""))
    [chunk] = events(post(server, "/v1/models/gemini-2.0-flash:streamGenerateContent"))
    assert chunk["candidates"][0] == {
        "content": {"parts": [{"text": ""}], "role": "model"},
        "finishReason": "STOP",
        "index": 0,
    }
    assert chunk["modelVersion"] == "gemini-2.0-flash"


def test_finish_reasons_are_geminis_words(server: FakeProviderServer) -> None:
    server.push(Reply("a", finish_reason="length"), Reply("a", finish_reason="content_filter"))
    found = [
        events(post(server, f"{GEMINI}:streamGenerateContent"))[-1]["candidates"][0]["finishReason"]
        for _ in range(2)
    ]
    assert found == ["MAX_TOKENS", "SAFETY"]


def test_without_alt_sse_the_stream_is_one_json_array(server: FakeProviderServer) -> None:
    server.push(Reply(["a", " b"], model="gemini-x"))
    response = post(server, f"{GEMINI}:streamGenerateContent", query="")
    assert response.headers["content-type"].startswith("application/json")
    body = json.loads(response.text)
    assert [c["candidates"][0]["content"]["parts"][0]["text"] for c in body] == ["a", " b"]
    assert {c["modelVersion"] for c in body} == {"gemini-x"}


def test_generate_content_answers_one_response(server: FakeProviderServer) -> None:
    server.push(Reply("Hello there", tool_calls=[ToolCall("f", {"x": 1})]))
    response = post(server, f"{GEMINI}:generateContent", query="")
    body = response.json()
    assert body["candidates"] == [
        {
            "content": {
                "parts": [
                    {"text": "Hello there"},
                    {"functionCall": {"name": "f", "args": {"x": 1}}},
                ],
                "role": "model",
            },
            "finishReason": "STOP",
            "index": 0,
        }
    ]
    assert body["usageMetadata"]["candidatesTokenCount"] == 3


def test_vertex_chunks_carry_create_time_and_traffic_type(server: FakeProviderServer) -> None:
    server.push(Reply("hi"), Reply("hi"))
    paths = [
        "/v1beta1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash",
        "/v1beta1/publishers/google/models/gemini-2.0-flash",  # express mode
    ]
    for path in paths:
        [chunk] = events(post(server, f"{path}:streamGenerateContent"))
        assert chunk["createTime"].endswith("Z")
        assert chunk["usageMetadata"]["trafficType"] == "ON_DEMAND"
        assert chunk["modelVersion"] == "gemini-2.0-flash"


def test_http_errors_have_googles_body(server: FakeProviderServer) -> None:
    server.push(Reply(status=429, retry_after=2, error_message="Resource has been exhausted"))
    response = post(server, f"{GEMINI}:streamGenerateContent")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.json() == {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted",
            "status": "RESOURCE_EXHAUSTED",
        }
    }
    server.push(Reply(status=400, error_message="bad"), Reply(status=503, error_message="busy"))
    answers = [post(server, f"{GEMINI}:generateContent").json() for _ in range(2)]
    statuses = [answer["error"]["status"] for answer in answers]
    assert statuses == ["INVALID_ARGUMENT", "UNAVAILABLE"]


def test_an_error_mid_stream_is_raw_pretty_printed_json(server: FakeProviderServer) -> None:
    server.push(Reply("a b c", error_after=1, error_message="An internal error has occurred."))
    text = post(server, f"{GEMINI}:streamGenerateContent").text
    first, _, rest = text.partition("\r\n\r\n")
    assert json.loads(first.removeprefix("data: "))["candidates"][0]["content"]["parts"] == [
        {"text": "a"}
    ]
    assert not rest.startswith("data:")
    assert rest.splitlines()[:2] == ["{", '  "error": {']
    assert json.loads(rest) == {
        "error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}
    }
