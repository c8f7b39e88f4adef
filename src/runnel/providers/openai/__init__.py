"""OpenAI models (``pip install "runnel[openai]"``): chat, text completion, embeddings, Azure.

`ChatOpenAI` is also the base of the OpenAI-compatible providers (`runnel.providers.groq`,
``.fireworks``, ``.nvidia``, ``.together``) and, with `base_url`, talks to any
OpenAI-compatible server (vLLM, LM Studio, Ollama's ``/v1``). See docs/providers/openai.md.
"""

from runnel.providers.openai._azure import AzureChatOpenAI, AzureOpenAI
from runnel.providers.openai._chat import ChatOpenAI
from runnel.providers.openai._embeddings import OpenAIEmbeddings
from runnel.providers.openai._llm import OpenAI

__all__ = ["AzureChatOpenAI", "AzureOpenAI", "ChatOpenAI", "OpenAI", "OpenAIEmbeddings"]
