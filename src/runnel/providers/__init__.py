"""Provider integrations, one subpackage each (``runnel.providers.openai`` ...).

Each needs its extra (``pip install "runnel[openai]"``); importing `runnel` needs none.
"""

__all__: list[str] = []
