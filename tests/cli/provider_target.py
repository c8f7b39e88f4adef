"""A target on a real provider: OpenAI's chat model, key and base URL from the environment."""

from __future__ import annotations

from runnel.chat_models import init_chat_model
from runnel.output_parsers import StrOutputParser

chain = init_chat_model("openai:gpt-4o-mini") | StrOutputParser()
