"""Partial JSON in linear time: a push parser that emits auto-completed values.

`JsonStream` is fed a JSON document in chunks of any size and returns, after each chunk, the
document parsed so far with everything still open completed (strings closed, containers closed,
a dangling `1.` read as `1`), but only when that value changed. It keeps its state across chunks
(an explicit stack of open containers, strings as lists of pieces) and never looks at a character
twice, so streaming N characters costs O(N) parsing work.

Emitted values are never mutated afterwards: containers still open when a value is emitted are
copied the next time they change (copy-on-write), completed children are shared between values.
With `diff=True` each emission is instead a list of RFC 6902 operations computed from what the
parser itself just added or replaced (see `runnel._core.json_patch.apply_patch`).

Tolerated around the document (as LangChain's `parse_json_markdown`): leading whitespace, a
Markdown fence (` ```json `, ` ``` `, any language tag), prose before a fence (if it starts with
a word that is not a JSON literal, or a character that cannot start JSON); after the value,
whitespace and a closing fence, after which everything is ignored. Anything else raises.

Emissions match langchain-core 1.7.2's `JsonOutputParser` (which re-parses the whole text with
`parse_partial_json` at every chunk), except that:

* an open string shows its trailing spaces and backticks (LangChain strips the text first);
* `1` becoming `1.0` is a change (LangChain compares with `==`), and a bare `null` document
  emits `None` (LangChain takes `None` for "nothing parsed");
* an escape or surrogate pair cut by a chunk is held back (LangChain may drop the key for one
  chunk, or show a lone surrogate);
* invalid JSON raises: text after the value (LangChain drops characters from the end until the
  text parses, so it ignores any trailing text) or a mismatched bracket (LangChain: `None`);
* in `diff=True` mode the operations of one emission are in document order (`jsonpatch`
  lists a dict's new keys before the changes inside its existing ones: same result).

Errors:
    ValueError
     └── JsonStreamError     the text cannot be (a prefix of) a JSON document
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from .json_string import StringDecoder, StringEscapeError

__all__ = ["JsonStream", "JsonStreamError", "parse_partial_json"]


class JsonStreamError(ValueError):
    """The text is not, and cannot become, a valid JSON document.

    Attributes:
        position: Offset of the offending character in the whole text fed so far.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


_MISSING: Final[Any] = object()

# What the parser expects next.
_START: Final = 0  # top level before anything: whitespace, a fence, prose or a value
_FENCED: Final = 1  # right after an opening fence: a language tag or a value
_TOP: Final = 2  # top level after a fence: a value
_PROSE: Final = 3  # text before a fence: skipped up to the next ```
_VALUE: Final = 4  # after ':' or after ',' in an array
_FIRST_VALUE: Final = 5  # after '['
_KEY: Final = 6  # after ',' in an object
_FIRST_KEY: Final = 7  # after '{'
_COLON: Final = 8  # after a key
_AFTER: Final = 9  # after a value in a container: ',' or the closing bracket
_END: Final = 10  # after the top-level value: whitespace or a closing fence
_DONE: Final = 11  # after the closing fence: everything is ignored

_EXPECTED: Final = (
    "a JSON value",
    "a JSON value",
    "a JSON value",
    "a fence",
    "a value",
    "a value or ']'",
    "a quoted key",
    "a quoted key or '}'",
    "':'",
    "',' or a closing bracket",
    "nothing but whitespace or a closing ``` fence after the JSON value",
    "nothing",
)
_VALUE_MODES: Final = frozenset({_START, _FENCED, _TOP, _VALUE, _FIRST_VALUE})

# The token being read when a chunk ends inside it.
_NONE: Final = 0
_STRING: Final = 1
_KEY_STRING: Final = 2
_NUMBER: Final = 3
_WORD: Final = 4
_TICKS: Final = 5

_TOKEN: Final = re.compile(r"[ \t\n\r]*+(.)", re.DOTALL)
_RUNS: Final = {
    _NUMBER: re.compile(r"[-+0-9.eE]*"),
    _WORD: re.compile(r"[A-Za-z]*"),
    _TICKS: re.compile(r"`*"),
}
_NUMBER_FULL: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_NUMBER_PARTIAL: Final = re.compile(
    r"-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:(?<=[0-9])[eE][-+]?[0-9]*)?)?"
)
_LITERALS: Final[dict[str, Any]] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}
_LITERAL_PREFIXES: Final = frozenset(w[:i] for w in _LITERALS for i in range(1, len(w) + 1))


class _Frame:
    """An open container: its object, and where it sits in its parent."""

    __slots__ = ("count", "is_dict", "key", "obj", "pointer")

    def __init__(self, obj: Any, key: str | int, pointer: str) -> None:
        self.obj = obj  # None in diff mode once emitted: its changes become operations
        self.is_dict = type(obj) is dict
        self.key = key  # its key or index in the parent
        self.count = 0  # number of items shown (arrays)
        self.pointer = pointer  # JSON pointer (diff mode)


class JsonStream:
    """Parse a JSON document fed in chunks, emitting the auto-completed value when it changes.

    `feed` returns at most one value per chunk: the document so far with open strings and
    containers closed and an unfinished number or literal dropped back to its last valid prefix
    (a key appears once its value has started). `close` completes the document leniently (a
    truncated document is returned as it stands) and returns the final value if it changed.

    An invalid character is reported by the next call after it is read: `feed` first returns
    what the chunk completed before the error, then `feed` or `close` raises.

    Args:
        diff: Emit a list of JSON-patch operations from the previous value to the new one
            instead of the value (the first is `[{"op": "replace", "path": "", "value": ...}]`).
        markdown: Accept a Markdown fence and prose before it (turn off for bare JSON).
    """

    def __init__(self, *, diff: bool = False, markdown: bool = True) -> None:
        self._diff = diff
        self._markdown = markdown
        self._mode = _START if markdown else _TOP
        self._stack: list[_Frame] = []
        self._root: Any = _MISSING
        self._key = ""  # key of the value being read in the innermost object
        self._token = _NONE
        self._pieces: list[str] = []  # the number or word being read
        self._string = StringDecoder()
        self._shown: Any = _MISSING  # value shown for the token being read
        self._shown_length = -1
        self._dirty = False
        self._frozen = 0  # frames whose objects were emitted (copy before changing)
        self._ops: list[dict[str, Any]] = []
        self._emitted = False
        self._closed = False
        self._error: JsonStreamError | None = None
        self._offset = 0
        self._chunk = ""
        self._scanned = 0

    @property
    def scanned(self) -> int:
        """Characters examined so far: a debug counter for the linear-time tests."""
        return self._scanned + self._string.scanned

    def feed(self, text: str) -> list[Any]:
        """Read a chunk and return the new auto-completed value, if it changed.

        Raises:
            JsonStreamError: if text read earlier was invalid.
            RuntimeError: if the stream is closed.
        """
        if self._error is not None or self._closed:
            self._check_usable()
        self._chunk = text
        pos, end = 0, len(text)
        try:
            while pos < end:
                if self._token == _NONE:
                    pos = self._scan(text, pos)
                elif self._token <= _KEY_STRING:
                    pos = self._scan_string(text, pos)
                else:
                    pos = self._scan_run(text, pos)
        except JsonStreamError as exc:
            self._error = exc
        self._offset += end
        return self._flush()

    def close(self) -> list[Any]:
        """End the document and return the final value if it changed.

        Raises:
            JsonStreamError: if the text was invalid or held no JSON value.
            RuntimeError: if the stream is already closed.
        """
        self._check_usable()
        self._closed = True
        self._chunk = ""
        try:
            self._finish_eof()
        except JsonStreamError as exc:
            self._error = exc
            raise
        return self._flush()

    def _check_usable(self) -> None:
        if self._error is not None:
            raise self._error
        if self._closed:
            raise RuntimeError("JsonStream is closed")

    def _fail(self, pos: int, message: str) -> JsonStreamError:
        position = self._offset + pos
        found = self._chunk[pos : pos + 20]
        return JsonStreamError(
            f"Invalid JSON at position {position}: {message} {found!r}", position
        )

    def _bad_token(self, pos: int, what: str, text: str) -> JsonStreamError:
        position = self._offset + pos - len(text)
        return JsonStreamError(f"Invalid JSON at position {position}: {what} {text!r}", position)

    def _unexpected(self, pos: int) -> JsonStreamError:
        return self._fail(pos, f"expected {_EXPECTED[self._mode]}, found")

    # Scanning: each method consumes a run of characters and returns the next position.

    def _scan(self, text: str, pos: int) -> int:
        """Read structural characters up to the start of a string, number or word."""
        end = len(text)
        while pos < end:
            mode = self._mode
            if mode == _DONE:
                self._scanned += 1
                return end
            if mode == _PROSE:
                i = text.find("`", pos)
                self._scanned += (end if i < 0 else i) - pos + 1
                if i < 0:
                    return end
                return self._start_run(_TICKS, i)
            m = _TOKEN.match(text, pos)
            if m is None:  # only whitespace left
                self._scanned += end - pos
                return end
            i = m.end()
            self._scanned += i - pos
            c = m.group(1)
            if mode == _FENCED and not (i - 1 == pos and c.isascii() and c.isalpha()):
                self._mode = mode = _TOP
            if c == '"':
                return self._start_string(mode, i - 1)
            if c == ",":
                if mode != _AFTER:
                    raise self._unexpected(i - 1)
                self._mode = _KEY if self._stack[-1].is_dict else _VALUE
            elif c == ":":
                if mode != _COLON:
                    raise self._unexpected(i - 1)
                self._mode = _VALUE
            elif c in "{[":
                if mode not in _VALUE_MODES:
                    raise self._unexpected(i - 1)
                self._open({} if c == "{" else [])
            elif c in "}]":
                self._close_container(c, i - 1)
            elif c in "-0123456789":
                if mode not in _VALUE_MODES:
                    raise self._unexpected(i - 1)
                return self._start_run(_NUMBER, i - 1)
            elif c.isascii() and c.isalpha():
                if mode not in _VALUE_MODES:
                    raise self._unexpected(i - 1)
                return self._start_run(_WORD, i - 1)
            elif c == "`" and mode in (_START, _END):
                return self._start_run(_TICKS, i - 1)
            elif mode == _START and self._markdown:
                self._mode = _PROSE
            else:
                raise self._unexpected(i - 1)
            pos = i
        return end

    def _start_string(self, mode: int, pos: int) -> int:
        if mode in _VALUE_MODES:
            self._token = _STRING
            self._shown = _MISSING
        elif mode in (_KEY, _FIRST_KEY):
            self._token = _KEY_STRING
        else:
            raise self._unexpected(pos)
        self._string.reset()
        return pos + 1

    def _scan_string(self, text: str, pos: int) -> int:
        """Read string characters up to the closing quote or the end of the chunk."""
        try:
            stop = self._string.feed(text, pos)
        except StringEscapeError as exc:
            raise self._fail(exc.offset, "invalid escape") from None
        if stop < 0:
            return len(text)
        self._finish_string()
        return stop

    def _start_run(self, token: int, pos: int) -> int:
        self._token = token
        self._pieces = []
        self._shown = _MISSING
        return pos

    def _scan_run(self, text: str, pos: int) -> int:
        """Read the rest of a number, literal or backtick run."""
        match = _RUNS[self._token].match(text, pos)
        end = match.end() if match is not None else pos
        self._scanned += end - pos + 1
        if end > pos:
            self._pieces.append(text[pos:end])
        if end == len(text):
            return end
        if self._token == _NUMBER and self._pieces == ["-"] and text[end] == "I":
            self._token = _WORD  # -Infinity
            return end
        self._finish_run(end)
        return end

    # Completing tokens.

    def _finish_string(self) -> None:
        self._token = _NONE
        if self._mode in (_KEY, _FIRST_KEY):
            self._key = self._string.value()
            self._mode = _COLON
            return
        if self._shown is _MISSING or self._shown_length != self._string.length:
            self._put(self._string.value(), self._shown is not _MISSING)
        self._value_done()

    def _finish_run(self, pos: int) -> None:
        """Complete the number, word or backtick run that ended before `pos`."""
        token, text = self._token, "".join(self._pieces)
        self._token = _NONE
        mode = self._mode
        if token == _TICKS:
            if mode == _END:
                self._mode = _DONE
            elif mode == _START or len(text) >= 3:
                self._mode = _FENCED
            return
        if token == _NUMBER:
            if not _NUMBER_FULL.fullmatch(text):
                raise self._bad_token(pos, "invalid number", text)
            self._complete_scalar(_to_number(text))
            return
        value = _LITERALS.get(text, _MISSING)
        if value is not _MISSING:
            self._complete_scalar(value)
        elif mode == _START and self._markdown:
            self._mode = _PROSE
        elif mode == _FENCED:
            self._mode = _TOP  # a language tag: ```json
        else:
            raise self._bad_token(pos, "invalid literal", text)

    def _complete_scalar(self, value: Any) -> None:
        shown = self._shown
        if shown is _MISSING or not _same(shown, value):
            self._put(value, shown is not _MISSING)
        self._value_done()

    def _value_done(self) -> None:
        self._shown = _MISSING
        self._mode = _AFTER if self._stack else _END

    def _finish_eof(self) -> None:
        """Complete what the end of the text cut, leniently, or raise if nothing was found."""
        token = self._token
        if token == _STRING:
            self._finish_string()  # an escape or surrogate pair cut short is dropped
        elif token == _NUMBER:
            match = _NUMBER_FULL.match("".join(self._pieces))
            if match:
                self._complete_scalar(_to_number(match.group()))
        elif token in (_WORD, _TICKS):
            text = "".join(self._pieces)
            if token == _WORD and text in _LITERALS:
                self._complete_scalar(_LITERALS[text])
            elif token == _TICKS and self._mode == _END:
                self._mode = _DONE
        self._token = _NONE
        if not self._stack and self._root is _MISSING:
            what = "prose without a ``` fence" if self._mode == _PROSE else "no JSON value"
            raise JsonStreamError(f"Invalid JSON: the text holds {what}", self._offset)

    # Building the value.

    def _open(self, obj: dict[str, Any] | list[Any]) -> None:
        stack = self._stack
        if stack:
            parent = stack[-1]
            key: str | int = self._key if parent.is_dict else parent.count
            pointer = f"{parent.pointer}/{_escape_key(key)}" if self._diff else ""
        else:
            key, pointer = "", ""
        self._put(obj, False)
        stack.append(_Frame(obj, key, pointer))
        self._mode = _FIRST_KEY if type(obj) is dict else _FIRST_VALUE

    def _close_container(self, char: str, pos: int) -> None:
        mode, stack = self._mode, self._stack
        if not stack or stack[-1].is_dict != (char == "}"):
            raise self._unexpected(pos)
        if mode != _AFTER and mode != (_FIRST_KEY if char == "}" else _FIRST_VALUE):
            raise self._unexpected(pos)
        frame = stack.pop()
        if self._frozen > len(stack):
            self._frozen = len(stack)
        if not stack:
            self._root = frame.obj
        self._mode = _AFTER if stack else _END

    def _put(self, value: Any, replace: bool) -> None:
        """Show `value` in the slot being read (a new slot unless `replace`)."""
        self._dirty = True
        stack = self._stack
        if not stack:
            self._root = value
            if self._diff and self._emitted:
                self._ops.append({"op": "replace", "path": "", "value": value})
            return
        top = stack[-1]
        if self._diff and top.obj is None:
            key: str | int = self._key if top.is_dict else top.count - replace
            op = "replace" if replace else "add"
            self._ops.append(
                {"op": op, "path": f"{top.pointer}/{_escape_key(key)}", "value": value}
            )
        else:
            if self._frozen:
                self._thaw()
            if top.is_dict:
                top.obj[self._key] = value
            elif replace:
                top.obj[-1] = value
            else:
                top.obj.append(value)
        if not replace and not top.is_dict:
            top.count += 1

    def _thaw(self) -> None:
        """Copy the emitted containers on the open path so that the emitted value stays put."""
        stack = self._stack
        parent: _Frame | None = None
        for frame in stack[: self._frozen]:
            frame.obj = frame.obj.copy()
            if parent is not None:
                parent.obj[frame.key if parent.is_dict else -1] = frame.obj
            parent = frame
        self._frozen = 0

    def _flush(self) -> list[Any]:
        """Show the token being read, then return the new value (or patch) if anything changed."""
        if self._token != _NONE:
            self._show_token()
        if not self._dirty:
            return []
        self._dirty = False
        stack = self._stack
        root = stack[0].obj if stack else self._root
        if not self._diff:
            self._frozen = len(stack)
            return [root]
        if self._emitted:
            ops, self._ops = self._ops, []
        else:
            ops, self._emitted = [{"op": "replace", "path": "", "value": root}], True
        for frame in stack:
            frame.obj = None
        return [ops]

    def _show_token(self) -> None:
        token, shown = self._token, self._shown
        if token == _STRING:
            if shown is _MISSING or self._shown_length != self._string.length:
                value = self._string.value()
                self._put(value, shown is not _MISSING)
                self._shown, self._shown_length = value, self._string.length
        elif token == _NUMBER:
            match = _NUMBER_PARTIAL.fullmatch("".join(self._pieces))
            if match is None:
                text = "".join(self._pieces)
                self._error = self._bad_token(0, "invalid number", text)
                return
            valid = _NUMBER_FULL.match(match.group())
            if valid:
                value = _to_number(valid.group())
                if shown is _MISSING or not _same(shown, value):
                    self._put(value, shown is not _MISSING)
                    self._shown = value
        elif token == _WORD and self._mode in (_VALUE, _FIRST_VALUE, _TOP):
            word = "".join(self._pieces)
            if word not in _LITERAL_PREFIXES:
                self._error = self._bad_token(0, "invalid literal", word)
            elif shown is _MISSING and word in _LITERALS:
                self._put(_LITERALS[word], False)
                self._shown = _LITERALS[word]


def _to_number(text: str) -> Any:
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and a == b)


def _escape_key(key: str | int) -> str:
    if type(key) is int:
        return str(key)
    return str(key).replace("~", "~0").replace("/", "~1")


def parse_partial_json(text: str) -> Any:
    """Parse a JSON document that may be cut anywhere, completing what is still open.

    An open string is closed, open containers are closed, an unfinished number or literal is
    dropped back to its last valid prefix and a key appears once its value has started:
    `'{"b": 2'` gives `{"b": 2}`, `'{"name": "'` gives `{"name": ""}`, `'[1, tru'` gives `[1]`.

    Raises:
        JsonStreamError: (a `ValueError`) if the text cannot be the start of a JSON document,
            or holds no value yet (`''`, `'tru'`).
    """
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    stream = JsonStream(markdown=False)
    values = stream.feed(text)
    values += stream.close()
    return values[-1]
