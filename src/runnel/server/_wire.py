"""LangServe's wire: request bodies in, JSON and SSE frames out, byte for byte.

Pure functions and small dataclasses, no I/O. `data` payloads are compact JSON with
UTF-8 left as is (LangServe's orjson); `metadata` and `error` payloads use `json.dumps`
defaults (a space after `:` and `,`), as LangServe writes them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json

from runnel.server._errors import ErrorInfo, HTTPProblem
from runnel.server._sse import frame
from runnel.tracers import to_jsonable

__all__ = [
    "END",
    "FILTER_KEYS",
    "SHUTDOWN_INFO",
    "BatchRequest",
    "RunRequest",
    "data_frame",
    "dumpb",
    "dumps",
    "error_frame",
    "metadata_frame",
    "parse_batch",
    "parse_run",
    "strip_internal",
]

FILTER_KEYS = (
    "include_names",
    "include_types",
    "include_tags",
    "exclude_names",
    "exclude_types",
    "exclude_tags",
)

END = frame("end")
SHUTDOWN_INFO = ErrorInfo(503, "ServerShuttingDown", "server is shutting down; retry the request")


def dumps(value: Any) -> str:
    """Compact JSON of any run value (messages, documents, dicts...), UTF-8 unescaped.

    pydantic's serializer writes models and containers (as LangServe's orjson with
    `default=model_dump` does); anything it does not know goes through `to_jsonable`.
    """
    return to_json(value, by_alias=False, fallback=to_jsonable).decode("utf-8")


def dumpb(value: Any) -> bytes:
    """`dumps` as UTF-8 bytes."""
    return to_json(value, by_alias=False, fallback=to_jsonable)


def data_frame(value: Any) -> bytes:
    """`event: data` with the value's compact JSON (one line: JSON escapes newlines)."""
    return b"event: data\r\ndata: " + dumpb(value) + b"\r\n\r\n"


def metadata_frame(run_id: uuid.UUID) -> bytes:
    """`event: metadata` with `{"run_id": ...}`, sent before the first `data` of `/stream`."""
    return frame("metadata", json.dumps({"run_id": str(run_id)}))


def error_frame(info: ErrorInfo) -> bytes:
    """`event: error` with `{"status_code", "message", "type"}`."""
    return frame("error", json.dumps(info.to_json()))


def strip_internal(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata without the server's `__`-prefixed keys."""
    return {k: v for k, v in metadata.items() if not str(k).startswith("__")}


@dataclass(frozen=True, slots=True)
class RunRequest:
    """The body of /invoke, /stream, /stream_log and /stream_events."""

    input: Any
    config: Any = None
    filters: dict[str, list[str] | None] = field(default_factory=dict)
    version: str | None = None


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """The body of /batch: inputs with one shared config or one config each."""

    inputs: list[Any]
    configs: list[Any]


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HTTPProblem(422, "request body must be a JSON object", type="InvalidRequest")
    kwargs = body.get("kwargs")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise HTTPProblem(422, "kwargs must be a JSON object", type="InvalidRequest")
    return body


def parse_run(body: Any) -> RunRequest:
    """Read a run request: `{input, config?, kwargs?, include_*?, exclude_*?, version?}`.

    `kwargs` is accepted and ignored, as in LangServe (clients' keyword arguments do not
    reach the server's runnable).

    Raises:
        HTTPProblem: 422 for a missing input or a malformed field.
    """
    body = _object(body)
    if "input" not in body:
        raise HTTPProblem(422, "request body has no 'input' field", type="InvalidRequest")
    filters: dict[str, list[str] | None] = {}
    for key in FILTER_KEYS:
        value = body.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            raise HTTPProblem(422, f"{key} must be a list of strings", type="InvalidRequest")
        filters[key] = value
    version = body.get("version")
    if version is not None and not isinstance(version, str):
        raise HTTPProblem(422, "version must be a string", type="InvalidRequest")
    return RunRequest(body["input"], body.get("config"), filters, version)


def parse_batch(body: Any) -> BatchRequest:
    """Read a batch request: `{inputs, config?: {...} | [{...}, ...], kwargs?}`.

    Raises:
        HTTPProblem: 422 for missing inputs or a config list of the wrong length.
    """
    body = _object(body)
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise HTTPProblem(422, "request body needs 'inputs', a list", type="InvalidRequest")
    config = body.get("config")
    if isinstance(config, list):
        if len(config) != len(inputs):
            raise HTTPProblem(
                422,
                f"Number of configs ({len(config)}) must match number of inputs ({len(inputs)})",
                type="InvalidRequest",
            )
        configs = list(config)
    else:
        configs = [config] * len(inputs)
    return BatchRequest(inputs, configs)
