"""The public conformance scenarios (../shared/conformance), run in-process.

Each scenario builds a chain from the contract's names, runs it and compares the
normalized transcript with langchain-core 1.7.2's golden one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"

if not CONFORMANCE.is_dir():  # pragma: no cover - only outside the project's workspace
    pytest.skip("../shared/conformance is not beside this checkout", allow_module_level=True)

sys.path.insert(0, str(CONFORMANCE))

import harness  # type: ignore[import-not-found]  # noqa: E402

SCENARIOS = harness.discover("public")


@pytest.fixture(scope="module")
def lib() -> Any:
    loaded, error = harness.load_adapter("runnel")
    assert loaded is not None, error
    return loaded


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_matches_langchain_golden(scenario: Any, lib: Any) -> None:
    status, result = harness.run_scenario(scenario, lib)
    assert status == "ok", result
    golden = harness.load_golden(scenario)
    assert golden is not None, f"no golden transcript for {scenario.name}"
    diff = harness.first_diff(golden, result)
    assert diff is None, diff
