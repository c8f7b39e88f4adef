"""The message base classes, chunk addition, and the dict form of messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, Self, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from runnel.messages._merge import CONCAT, METADATA, merge_contents, merge_dicts
from runnel.messages._shared import EMPTY, SharedFieldsSet, fields_set

__all__ = [
    "BaseMessage",
    "BaseMessageChunk",
    "MessageContent",
    "construct",
    "fill",
    "merge_message_chunks",
    "message_to_dict",
    "messages_to_dict",
    "unshare",
]

MessageContent = str | list[str | dict[str, Any]]
"""Message content: a string, or a list of strings and content blocks (dicts with a `type`)."""

_GENERATED_ID_PREFIXES = ("lc_", "run-")
_ALWAYS_SHOWN = frozenset({"content", "additional_kwargs", "response_metadata"})
_WIDTH = 80


class BaseMessage(BaseModel):
    """A message in a conversation: content plus provider data.

    Attributes:
        content: A string, or a list of strings and content blocks.
        additional_kwargs: Provider payload that has no field of its own (e.g. reasoning text).
        response_metadata: Provider data about the response (model name, finish reason...).
        type: The message kind; each subclass fixes it.
        name: An optional name for the author.
        id: An optional identifier, usually the provider's.
    """

    model_config = ConfigDict(extra="forbid")

    content: MessageContent
    additional_kwargs: dict[str, Any] = Field(default_factory=dict)
    response_metadata: dict[str, Any] = Field(default_factory=dict)
    type: str
    name: str | None = None
    id: str | None = Field(default=None, coerce_numbers_to_str=True)

    _title: ClassVar[str] = "Message"

    def __init__(self, content: MessageContent, **kwargs: Any) -> None:
        """Create a message; `content` may be given positionally."""
        if type(content) is str and (not kwargs or _plain(kwargs)):
            try:
                init = _INITS[type(self)]
            except KeyError:
                init = _initializer(type(self))
            if init is not None:
                # Text plus plain fields (what providers stream): nothing to validate.
                init(self, content, kwargs)
                return
        super().__init__(content=content, **kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        unshare(self)
        super().__setattr__(name, value)

    @property
    def text(self) -> str:
        """The text of the message: string content, or its string and text blocks joined."""
        content = self.content
        if isinstance(content, str):
            return content
        return "".join(
            block if isinstance(block, str) else block.get("text") or ""
            for block in content
            if isinstance(block, str) or block.get("type") == "text"
        )

    def pretty_repr(self, html: bool = False) -> str:
        """Render the message for people: a title bar, then the content.

        Args:
            html: Show the title in bold (ANSI escape codes, as in notebooks).
        """
        title = f" {self._title} "
        if html:
            title = f" \x1b[1m{self._title}\x1b[0m "
        left = (_WIDTH - len(self._title) - 2) // 2
        right = _WIDTH - len(self._title) - 2 - left
        lines = ["=" * left + title + "=" * right]
        if self.name is not None:
            lines.append(f"Name: {self.name}")
        lines.extend(("", str(self.content)))
        lines.extend(self._pretty_details())
        return "\n".join(lines)

    def pretty_print(self) -> None:
        """Print `pretty_repr()`."""
        print(self.pretty_repr())

    def _pretty_details(self) -> list[str]:
        return []

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, field in type(self).model_fields.items():
            if name == "type":
                continue
            value = getattr(self, name)
            if name in _ALWAYS_SHOWN or value != field.get_default(call_default_factory=True):
                yield name, value


_ChunkT = TypeVar("_ChunkT", bound="BaseMessageChunk")
# Fields a plain text chunk may have set (see `BaseMessageChunk._plain_test`).
_PLAIN_FIELDS = frozenset({"content", "id", "type"})
_PLAIN_CHECKS: dict[type[Any], Callable[[dict[str, Any]], bool]] = {}


class BaseMessageChunk(BaseMessage):
    """A piece of a streamed message; pieces of the same class add up with `+`."""

    @classmethod
    def _plain_test(cls) -> Callable[[dict[str, Any]], bool]:
        """A function telling from a chunk's field values (`__dict__`) that it is plain text.

        Plain: text content and nothing else set besides `id`, the common token.
        """
        return _PLAIN_CHECKS.get(cls) or _plain_check(cls)

    @classmethod
    def _merge_many(cls, chunks: Sequence[Self]) -> Self:
        """Add up chunks of this class in one pass (used when folding a stream)."""
        return merge_message_chunks(chunks)

    def __add__(self, other: object) -> Self:
        """Add a chunk (or a list of chunks) of the same class; see `merge_message_chunks`."""
        if isinstance(other, BaseMessageChunk):
            return merge_message_chunks((self, cast(Self, other)))
        if isinstance(other, list | tuple) and all(isinstance(o, BaseMessageChunk) for o in other):
            return merge_message_chunks((self, *cast("list[Self]", other)))
        return NotImplemented

    @classmethod
    def _merge_fields(cls, chunks: Sequence[Self]) -> dict[str, Any]:
        """Merge the fields of `chunks` (all of class `cls`), in field order.

        Subclasses extend the dict with their own fields; this runs per token, so it loops
        once and keeps the all-text case on a fast path.
        """
        contents: list[MessageContent] = []
        kwargs: list[dict[str, Any]] = []
        metadata: list[dict[str, Any]] = []
        all_text = True
        name = id_ = None
        for chunk in chunks:
            values = chunk.__dict__
            content = values["content"]
            contents.append(content)
            if all_text and type(content) is not str:
                all_text = False
            if values["additional_kwargs"]:
                kwargs.append(values["additional_kwargs"])
            if values["response_metadata"]:
                metadata.append(values["response_metadata"])
            if name is None and values["name"]:
                name = values["name"]
            new_id = values["id"]
            if new_id and (id_ is None or (_generated(id_) and not _generated(new_id))):
                id_ = new_id
        text = "".join(cast("list[str]", contents)) if all_text else None
        return {
            "content": text if text is not None else merge_contents(contents),
            "additional_kwargs": merge_dicts(kwargs, CONCAT, "additional_kwargs") if kwargs else {},
            "response_metadata": (
                merge_dicts(metadata, METADATA, "response_metadata") if metadata else {}
            ),
            "type": chunks[0].type,
            "name": name if name is not None else chunks[0].name,
            "id": id_,
        }


def merge_message_chunks(chunks: Sequence[_ChunkT]) -> _ChunkT:
    """Add up message chunks of one class in a single pass, in time linear in their size.

    Equal to ``chunks[0] + chunks[1] + ...``, but joins every string once and parses each
    tool call's arguments once. The merge rules per field are in `runnel.messages._merge`; the
    ``id`` is the first provider id (ids starting with ``lc_`` or ``run-`` are generated ones),
    else the first id.

    Raises:
        ValueError: if `chunks` is empty, or chunks disagree on a field that must be equal
            (a tool message's `tool_call_id`, a chat message's `role`).
        TypeError: if the chunks are not all of the same class, or a field holds values of
            different kinds.
    """
    if not chunks:
        raise ValueError("merge_message_chunks() needs at least one chunk.")
    cls: type[_ChunkT] = type(chunks[0])
    for chunk in chunks:
        if type(chunk) is not cls:
            raise TypeError(
                f"Cannot add {type(chunk).__name__} to {cls.__name__}: "
                "only chunks of the same message class add up."
            )
    if len(chunks) == 1:
        return chunks[0]
    return construct(cls, cls._merge_fields(chunks))


def message_to_dict(message: BaseMessage) -> dict[str, Any]:
    """Turn a message into ``{"type": ..., "data": {...}}`` (see `messages_from_dict`)."""
    return {"type": message.type, "data": message.model_dump()}


def messages_to_dict(messages: Iterable[BaseMessage]) -> list[dict[str, Any]]:
    """Turn messages into dicts with `message_to_dict`."""
    return [message_to_dict(message) for message in messages]


def _generated(id_: str) -> bool:
    return id_.startswith(_GENERATED_ID_PREFIXES)


_ModelT = TypeVar("_ModelT", bound=BaseModel)
_new = object.__new__
# pydantic's instance slots, set through their descriptors (twice as fast as setattr).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def fill(model: BaseModel, fields: dict[str, Any], names: set[str]) -> None:
    """Give a new model its state without validation: what pydantic's constructors set.

    `names` is its `model_fields_set`, possibly a shared one (`fields_set`): such models
    call `unshare` before an attribute is assigned. Package-internal (also used by
    `runnel.outputs`).
    """
    _set_dict(model, fields)
    _set_fields_set(model, names)
    _set_extra(model, None)
    _set_private(model, None)


def unshare(model: BaseModel) -> None:
    """Give a model filled with a shared fields set a set of its own, before it changes."""
    names = model.__pydantic_fields_set__
    if type(names) is SharedFieldsSet:
        _set_fields_set(model, set(names))


# Keyword arguments a message can take without validation, with their accepted values.
_PLAIN_KWARGS: dict[str, Any] = {
    "id": lambda v: v is None or type(v) is str,
    "name": lambda v: v is None or type(v) is str,
    "chunk_position": lambda v: v is None or v == "last",
    "response_metadata": lambda v: type(v) is dict,
    "additional_kwargs": lambda v: type(v) is dict,
}
_Initializer = Callable[[Any, str, dict[str, Any]], None]
_INITS: dict[type[Any], _Initializer | None] = {}


def _plain(kwargs: dict[str, Any]) -> bool:
    for key, value in kwargs.items():
        check = _PLAIN_KWARGS.get(key)
        if check is None or not check(value):
            return False
    return True


def _initializer(cls: type[BaseModel]) -> _Initializer | None:
    """A function giving a new message of `cls` its text and plain kwargs, unvalidated.

    Generated once per class, as `dataclasses` generates `__init__`: one dict display with
    fresh containers for the fields that default to empty ones (chunks' empty lists are
    the shared `EMPTY`), then what `fill` sets. None when the class must validate
    (required fields besides `content`, or model validators that act on text).
    """
    found: _Initializer | None = None
    if not set(cls.__pydantic_decorators__.model_validators) - {"_sync_tool_calls"}:
        chunks = issubclass(cls, BaseMessageChunk)
        namespace: dict[str, Any] = {
            "EMPTY": EMPTY,
            "CONTENT": fields_set(("content",)),
            "fields_set": fields_set,
            "set_dict": _set_dict,
            "set_names": _set_fields_set,
            "set_extra": _set_extra,
            "set_private": _set_private,
        }
        items = []
        for index, (name, field) in enumerate(cls.model_fields.items()):
            if name == "content":
                items.append("'content': content")
            elif field.default_factory is dict:
                items.append(f"{name!r}: {{}}")
            elif field.default_factory is list:
                # Chunks share one empty list (see `SharedEmptyList`); messages own theirs.
                items.append(f"{name!r}: {'EMPTY' if chunks else '[]'}")
            elif field.default_factory is not None or field.is_required():
                items = []
                break
            else:
                namespace[f"_d{index}"] = field.default
                items.append(f"{name!r}: _d{index}")
        if items:
            source = (
                "def init(self, content, kwargs):\n"
                f"    fields = {{{', '.join(items)}}}\n"
                "    if kwargs:\n"
                "        fields.update(kwargs)\n"
                "        names = fields_set(('content', *kwargs))\n"
                "    else:\n"
                "        names = CONTENT\n"
                "    set_dict(self, fields)\n"
                "    set_names(self, names)\n"
                "    set_extra(self, None)\n"
                "    set_private(self, None)\n"
            )
            exec(source, namespace)  # generated from field names only
            found = namespace["init"]
    _INITS[cls] = found
    return found


def _plain_check(cls: type[BaseModel]) -> Callable[[dict[str, Any]], bool]:
    """Generate `BaseMessageChunk._plain_test` for a class, like `_initializer`: one expression."""
    others = [name for name in cls.model_fields if name not in _PLAIN_FIELDS]
    test = "".join(f" or fields[{name!r}]" for name in others)
    source = f"def plain(fields):\n    return not (type(fields['content']) is not str{test})\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # generated from field names only
    check: Callable[[dict[str, Any]], bool] = namespace["plain"]
    _PLAIN_CHECKS[cls] = check
    return check


def construct(cls: type[_ModelT], fields: dict[str, Any]) -> _ModelT:
    """Build a model from valid values of all its fields, in field order, without validation.

    What `model_construct` does, minus its per-field bookkeeping (7x faster): chunk addition
    runs per token. Package-internal (also used by `runnel.outputs`).
    """
    model = _new(cls)
    fill(model, fields, set(fields))
    return model
