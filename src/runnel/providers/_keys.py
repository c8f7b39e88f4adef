"""API keys and optional SDKs: clear errors for what is missing."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from pydantic import SecretStr

from runnel.exceptions import MissingAPIKeyError

__all__ = ["api_key", "import_sdk"]


def api_key(
    value: SecretStr | str | None, *, variable: str, provider: str, parameter: str = "api_key"
) -> SecretStr:
    """The key given, else the one in environment variable `variable`.

    Raises:
        MissingAPIKeyError: neither is set (the message names the variable).
    """
    if isinstance(value, SecretStr):
        return value
    if value:
        return SecretStr(value)
    found = os.environ.get(variable)
    if not found:
        raise MissingAPIKeyError(provider=provider, variable=variable, parameter=parameter)
    return SecretStr(found)


def import_sdk(module: str, *, extra: str) -> ModuleType:
    """Import a provider SDK.

    Raises:
        ImportError: it is not installed; the message names the extra that installs it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f'{module} is not installed: pip install "runnel[{extra}]"') from error
