"""One TLS context per HTTP library, shared by every client runnel builds on it."""

from __future__ import annotations

import functools
import ssl
from types import ModuleType

__all__ = ["ssl_context"]


@functools.cache
def ssl_context(http: ModuleType) -> ssl.SSLContext:
    """The default TLS context of HTTP library `http` (``httpx`` or ``httpx2``), made once:
    loading the CA bundle costs tens of milliseconds a client."""
    context: ssl.SSLContext = http.create_ssl_context()
    return context
