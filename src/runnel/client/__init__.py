"""Call runnables served over HTTP (`runnel serve`, `add_routes`, or LangServe).

Needs the `server` extra (httpx).
"""

from runnel.client._errors import (
    RemoteAuthError,
    RemoteError,
    RemoteInputError,
    RemoteTimeout,
    RemoteUnavailable,
)
from runnel.client._remote import RemoteRunnable

__all__ = [
    "RemoteAuthError",
    "RemoteError",
    "RemoteInputError",
    "RemoteRunnable",
    "RemoteTimeout",
    "RemoteUnavailable",
]
