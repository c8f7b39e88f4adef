"""Test helpers: fake provider servers that speak each provider's wire protocol.

`FakeProviderServer` runs on 127.0.0.1 with a free port and answers the official SDKs
(pointed at it through their base URL) with scripted `Reply` objects, rendered in the
protocol of the route asked: OpenAI chat/completions/embeddings, Azure deployments,
Anthropic messages, Gemini/Vertex ``streamGenerateContent``, Cohere v2 chat, Mistral,
Groq, Fireworks, Together, NVIDIA and Ollama. Faults are part of the script: HTTP errors
with ``retry-after``, per-token delays, a dropped connection, a mid-stream error event, a
stream without its terminal event. See docs/testing.md.
"""

from runnel.testing._script import Reply, ToolCall, Usage
from runnel.testing._server import Disconnect, FakeProviderServer
from runnel.testing._wire import Frame, Request, Response, Route, Stream, ndjson, sse

__all__ = [
    "Disconnect",
    "FakeProviderServer",
    "Frame",
    "Reply",
    "Request",
    "Response",
    "Route",
    "Stream",
    "ToolCall",
    "Usage",
    "ndjson",
    "sse",
]
