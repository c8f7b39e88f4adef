"""Mistral chat models (``pip install "runnel[mistralai]"``).

`ChatMistralAI` streams Mistral's chat completions through the official ``mistralai`` SDK;
the key comes from ``MISTRAL_API_KEY`` or ``api_key=``. See docs/providers/mistralai.md.
"""

from runnel.providers.mistralai._chat import ChatMistralAI

__all__ = ["ChatMistralAI"]
