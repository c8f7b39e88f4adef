"""Messages, message chunks and how chunks of a stream add up (as `langchain_core.messages`).

Chunks add with ``+`` (or in one pass with `merge_message_chunks`) under typed rules per field:
text concatenates, identifiers and metadata keep one value, counters add, tool-call pieces merge
by ``index`` and their arguments are read as partial JSON. See `runnel.messages._merge` for the
table of rules.
"""

from runnel.messages._ai import AIMessage, AIMessageChunk, add_ai_message_chunks
from runnel.messages._base import (
    BaseMessage,
    BaseMessageChunk,
    MessageContent,
    merge_message_chunks,
    message_to_dict,
    messages_to_dict,
)
from runnel.messages._chat import ChatMessage, ChatMessageChunk
from runnel.messages._convert import MessageLikeRepresentation, convert_to_messages
from runnel.messages._human import HumanMessage, HumanMessageChunk
from runnel.messages._system import SystemMessage, SystemMessageChunk
from runnel.messages._tool import ToolMessage, ToolMessageChunk
from runnel.messages._tool_calls import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    invalid_tool_call,
    tool_call,
    tool_call_chunk,
)
from runnel.messages._usage import InputTokenDetails, OutputTokenDetails, UsageMetadata
from runnel.messages._utils import (
    AnyMessage,
    get_buffer_string,
    message_chunk_to_message,
    messages_from_dict,
)

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "AnyMessage",
    "BaseMessage",
    "BaseMessageChunk",
    "ChatMessage",
    "ChatMessageChunk",
    "HumanMessage",
    "HumanMessageChunk",
    "InputTokenDetails",
    "InvalidToolCall",
    "MessageContent",
    "MessageLikeRepresentation",
    "OutputTokenDetails",
    "SystemMessage",
    "SystemMessageChunk",
    "ToolCall",
    "ToolCallChunk",
    "ToolMessage",
    "ToolMessageChunk",
    "UsageMetadata",
    "add_ai_message_chunks",
    "convert_to_messages",
    "get_buffer_string",
    "invalid_tool_call",
    "merge_message_chunks",
    "message_chunk_to_message",
    "message_to_dict",
    "messages_from_dict",
    "messages_to_dict",
    "tool_call",
    "tool_call_chunk",
]
