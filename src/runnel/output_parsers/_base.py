"""Output parser bases: runnables that turn model output into values.

A parser takes what a model returns (a string, a message, or generations) and parses it.
`BaseOutputParser` parses text (`parse`); `BaseGenerationOutputParser` works on whole
generations (`parse_result`), for parsers that need the message itself (its tool calls).
Parsers are pure computation: their sync hooks also serve the async methods, inline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from runnel.messages import AnyMessage, BaseMessage
from runnel.outputs import ChatGeneration, Generation
from runnel.runnables._config import RunnableConfig
from runnel.runnables._serializable import RunnableSerializable

if TYPE_CHECKING:
    from runnel.prompt_values import PromptValue

__all__ = [
    "BaseGenerationOutputParser",
    "BaseLLMOutputParser",
    "BaseOutputParser",
    "text_of",
    "to_generation",
]

T = TypeVar("T")


def text_of(value: Any) -> str:
    """The text of a parser input: a string itself, a message's or a generation's text.

    Raises:
        TypeError: if `value` is none of these.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, BaseMessage):
        return value.text
    if isinstance(value, Generation):
        return value.text
    raise TypeError(
        f"An output parser takes a string, a message or a generation, got a {type(value).__name__}."
    )


def to_generation(value: Any) -> Generation:
    """Wrap a parser input as a generation: a message in a `ChatGeneration`, text in a
    `Generation`; a generation is returned as it is.

    Raises:
        TypeError: if `value` is none of these.
    """
    if isinstance(value, Generation):
        return value
    if isinstance(value, BaseMessage):
        return ChatGeneration(message=value)
    if isinstance(value, str):
        return Generation(text=value)
    raise TypeError(
        f"An output parser takes a string, a message or a generation, got a {type(value).__name__}."
    )


class BaseLLMOutputParser(RunnableSerializable[Any, T]):
    """Base of every output parser: `parse_result` over generations, run as a parser.

    `invoke` wraps its input (a string, a message or a generation) as a generation and
    returns `parse_result([generation])`. Without a streaming implementation a parser is a
    barrier: its input chunks are added up first.
    """

    _run_type: ClassVar[str] = "parser"
    _sync_is_cheap: ClassVar[bool] = True

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> T:
        """Parse a list of candidate generations (the first one is used).

        Args:
            result: The generations of one model call.
            partial: The output may be incomplete (streaming): return what can be read of it,
                or None, instead of raising.

        Raises:
            OutputParserException: if the output cannot be parsed.
        """
        raise NotImplementedError(f"{type(self).__name__} implements no parse_result")

    async def aparse_result(self, result: list[Generation], *, partial: bool = False) -> T:
        """Async twin of `parse_result` (parsing is pure computation: it runs inline)."""
        return self.parse_result(result, partial=partial)

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> T:
        return self.parse_result([to_generation(input)])

    @property
    def InputType(self) -> Any:
        """What a parser accepts: text or a message."""
        return str | AnyMessage

    @property
    def OutputType(self) -> Any:
        """The type the parser produces (its type parameter), else `Any`."""
        return _type_argument(type(self))


class BaseGenerationOutputParser(BaseLLMOutputParser[T]):
    """A parser of whole generations: implement `parse_result`."""


class BaseOutputParser(BaseLLMOutputParser[T]):
    """A parser of text: implement `parse`; `parse_result` parses the first generation's text."""

    def parse(self, text: str) -> T:
        """Parse the text of a model's output.

        Raises:
            OutputParserException: if the text cannot be parsed.
        """
        raise NotImplementedError(f"{type(self).__name__} implements no parse")

    async def aparse(self, text: str) -> T:
        """Async twin of `parse` (runs inline)."""
        return self.parse(text)

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> T:
        """Parse the text of the first generation with `parse`."""
        return self.parse(result[0].text)

    def parse_with_prompt(self, completion: str, prompt: PromptValue) -> Any:
        """Parse `completion`; parsers that can use the prompt (to retry, say) override this."""
        return self.parse(completion)

    def get_format_instructions(self) -> str:
        """Instructions for the model on how to format its output.

        Raises:
            NotImplementedError: if this parser has none.
        """
        raise NotImplementedError(f"{type(self).__name__} has no format instructions")

    @property
    def _type(self) -> str:
        """A short name of the parser kind (LangChain's serialisation key)."""
        raise NotImplementedError(f"{type(self).__name__} defines no _type")


def _type_argument(cls: type) -> Any:
    """The argument given for `T` in the nearest parametrised parser base of `cls`."""
    for base in cls.__mro__:
        metadata: dict[str, Any] | None = getattr(base, "__pydantic_generic_metadata__", None)
        if not metadata:
            continue
        origin, args = metadata.get("origin"), metadata.get("args")
        if origin is not None and args and issubclass(origin, BaseLLMOutputParser):
            params: Sequence[Any] = origin.__pydantic_generic_metadata__.get("parameters", ())
            if len(params) == 1 and not isinstance(args[0], TypeVar):
                return args[0]
    return Any
