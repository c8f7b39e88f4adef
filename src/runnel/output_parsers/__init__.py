"""Output parsers: turn model output into values, streaming (as `langchain_core.output_parsers`).

Every parser accepts a string, a message (its text) or a generation. Streaming parsers keep
their state in a non-blocking core fed chunk by chunk: `StrOutputParser` passes text through,
`JsonOutputParser` yields partial JSON values as they grow, the list parsers yield one item at
a time, `XMLOutputParser` yields elements as they close, and the tool-call parsers in
`runnel.output_parsers.openai_tools` yield tool calls with their arguments so far.
"""

from runnel.exceptions import OutputParserException
from runnel.output_parsers._base import (
    BaseGenerationOutputParser,
    BaseLLMOutputParser,
    BaseOutputParser,
)
from runnel.output_parsers._json import JsonOutputParser, SimpleJsonOutputParser
from runnel.output_parsers._list import (
    CommaSeparatedListOutputParser,
    ListOutputParser,
    MarkdownListOutputParser,
    NumberedListOutputParser,
)
from runnel.output_parsers._pydantic import PydanticOutputParser
from runnel.output_parsers._string import StrOutputParser
from runnel.output_parsers._transform import (
    BaseCumulativeTransformOutputParser,
    BaseTransformOutputParser,
)
from runnel.output_parsers._xml import XMLOutputParser
from runnel.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    JsonOutputToolsParser,
    PydanticToolsParser,
)

__all__ = [
    "BaseCumulativeTransformOutputParser",
    "BaseGenerationOutputParser",
    "BaseLLMOutputParser",
    "BaseOutputParser",
    "BaseTransformOutputParser",
    "CommaSeparatedListOutputParser",
    "JsonOutputKeyToolsParser",
    "JsonOutputParser",
    "JsonOutputToolsParser",
    "ListOutputParser",
    "MarkdownListOutputParser",
    "NumberedListOutputParser",
    "OutputParserException",
    "PydanticOutputParser",
    "PydanticToolsParser",
    "SimpleJsonOutputParser",
    "StrOutputParser",
    "XMLOutputParser",
]
