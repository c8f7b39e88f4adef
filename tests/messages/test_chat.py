"""Chat messages (any role) and their chunks."""

from __future__ import annotations

import pytest

from runnel.messages import ChatMessage, ChatMessageChunk


def test_role_is_required():
    with pytest.raises(ValueError, match="role"):
        ChatMessage("x")
    assert ChatMessage("x", role="critic").role == "critic"


def test_chunks_with_the_same_role_add():
    total = ChatMessageChunk("a", role="critic") + ChatMessageChunk("b", role="critic")
    assert (total.content, total.role, total.type) == ("ab", "critic", "ChatMessageChunk")


def test_chunks_with_different_roles_do_not_add():
    with pytest.raises(ValueError, match=r"roles.*'a'.*'b'"):
        ChatMessageChunk("x", role="a") + ChatMessageChunk("y", role="b")
