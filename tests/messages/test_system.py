"""System messages and their chunks."""

from __future__ import annotations

from runnel.messages import SystemMessage, SystemMessageChunk


def test_types():
    assert SystemMessage("x").type == "system"
    assert SystemMessageChunk("x").type == "SystemMessageChunk"
    assert isinstance(SystemMessageChunk("x"), SystemMessage)


def test_chunks_add():
    assert (SystemMessageChunk("be ") + SystemMessageChunk("brief")).content == "be brief"
