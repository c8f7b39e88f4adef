"""Fixtures for the provider tests: a running `FakeProviderServer`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runnel.testing import FakeProviderServer


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    """A fake server speaking every provider's protocol, on a free local port."""
    with FakeProviderServer() as running:
        yield running


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Run a test with the sync API (``stream``, ``invoke``) and with the async one."""
    return str(request.param)
