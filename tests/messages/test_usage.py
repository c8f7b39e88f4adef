"""Adding up token usage."""

from __future__ import annotations

from runnel.messages._usage import add_usage


def test_none_is_absent():
    usage = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    assert add_usage([None, None]) is None
    assert add_usage([None, usage, None]) == usage


def test_counters_and_details_add():
    first = {
        "input_tokens": 1,
        "output_tokens": 2,
        "total_tokens": 3,
        "input_token_details": {"cache_read": 1},
    }
    second = {
        "input_tokens": 1,
        "output_tokens": 2,
        "total_tokens": 3,
        "input_token_details": {"cache_read": 2, "audio": 1},
    }
    assert add_usage([first, second, first]) == {
        "input_tokens": 3,
        "output_tokens": 6,
        "total_tokens": 9,
        "input_token_details": {"cache_read": 4, "audio": 1},
    }
    assert first["input_token_details"] == {"cache_read": 1}
