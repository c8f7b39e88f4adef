"""Gemini chat models through Google's official SDK, google-genai.

`ChatGoogleGenerativeAI` talks to the Gemini API (``GOOGLE_API_KEY``), `ChatVertexAI` to
Vertex AI (a project and OAuth credentials, or an express-mode API key). Both stream
``streamGenerateContent`` responses token by token. Needs ``pip install "runnel[google]"``.
"""

from runnel.providers._keys import import_sdk

import_sdk("google.genai", extra="google")

from runnel.providers.google._genai import ChatGoogleGenerativeAI  # noqa: E402
from runnel.providers.google._vertex import ChatVertexAI  # noqa: E402

__all__ = ["ChatGoogleGenerativeAI", "ChatVertexAI"]
