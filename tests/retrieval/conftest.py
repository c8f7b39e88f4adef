"""Fixtures: the shared recording handler and sync/async invoker (see tests/recording.py)."""

from recording import Call, Recorder, call, recorder

__all__ = ["Call", "Recorder", "call", "recorder"]
