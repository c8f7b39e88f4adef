"""Views of run reports: event streams, run logs and JSON-safe serialisation."""

from runnel.tracers.event_stream import EventFilter, astream_events, stream_events
from runnel.tracers.log_stream import LogEntry, RunLog, RunLogPatch, RunState
from runnel.tracers.serialize import to_jsonable

__all__ = [
    "EventFilter",
    "LogEntry",
    "RunLog",
    "RunLogPatch",
    "RunState",
    "astream_events",
    "stream_events",
    "to_jsonable",
]
