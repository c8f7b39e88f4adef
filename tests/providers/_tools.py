"""Tools of every kind, as the tool-calling tests of several providers bind them."""

from __future__ import annotations

from pydantic import BaseModel

from runnel.tools import tool


class GetWeather(BaseModel):
    """Get the current weather in a city."""

    city: str


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first.
        b: The second.
    """
    return a + b


@tool
def search(query: str) -> str:
    """Search the web."""
    return query


RAW_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Look a word up.",
        "parameters": {"type": "object", "properties": {"word": {"type": "string"}}},
    },
}

WEATHER_SCHEMA = {
    "title": "Weather",
    "description": "The weather in a city.",
    "type": "object",
    "properties": {"city": {"type": "string"}, "degrees": {"type": "integer"}},
    "required": ["city", "degrees"],
}
