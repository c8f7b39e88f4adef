"""BaseTool: a runnable a model can call, with named, validated arguments."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeAlias

import anyio.to_thread
from pydantic import BaseModel, PrivateAttr, ValidationError

from runnel._core.run import CallbackManager, Run, start_run
from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.messages import ToolCall, ToolMessage
from runnel.runnables._config import RunnableConfig, child_config_var
from runnel.runnables._plumbing import current_run, run_in_context
from runnel.runnables._serializable import RunnableSerializable
from runnel.tools._errors import ToolException
from runnel.tools._schema import (
    InjectedToolCallId,
    create_schema_from_function,
    injected_fields,
    injections,
    visible_schema,
)

__all__ = ["ArgsSchema", "BaseTool", "ToolInput", "injected_kwargs", "tool_call_parts"]

ArgsSchema: TypeAlias = type[BaseModel] | dict[str, Any]
ToolInput: TypeAlias = str | dict[str, Any] | ToolCall
ErrorHandler: TypeAlias = bool | str | Callable[[Any], Any] | None

_VALIDATION_MESSAGE = "Tool input validation error"
_EXECUTION_MESSAGE = "Tool execution error"


def injected_kwargs(
    func: Callable[..., Any], manager: RunManager | None, config: RunnableConfig
) -> dict[str, Any]:
    """The keyword arguments runnel fills in for `func`, as its signature asks.

    `callbacks` gets the callbacks to hand to nested runnables (children of the current
    run), `run_manager` the run manager, the config parameter the config for children.
    """
    wanted = injections(func)
    out: dict[str, Any] = {}
    if wanted.callbacks:
        child = manager.get_child() if manager is not None else None
        out[wanted.callbacks] = child if child is not None else CallbackManager([])
    if wanted.run_manager:
        out[wanted.run_manager] = manager
    if wanted.config:
        out[wanted.config] = config
    return out


def tool_call_parts(input: Any) -> tuple[Any, str | None]:
    """Split a tool's input into its arguments and the tool call id (None unless a ToolCall)."""
    if isinstance(input, dict) and input.get("type") == "tool_call":
        return input.get("args", {}), input.get("id")
    return input, None


class BaseTool(RunnableSerializable[ToolInput, Any]):
    """A runnable a model can call: a name, a description and an argument schema.

    Implement `_run(self, *args, run_manager=None, **kwargs)` (and `_arun` for a native
    async path; without it `_run` runs in a worker thread). `_run` receives the
    validated arguments as keywords (a string input is the first argument's value),
    plus `run_manager` and `config` if its signature names them.

    `invoke` takes a dict of arguments and returns the tool's result; a `ToolCall`
    (`{"name", "args", "id", "type": "tool_call"}`) and returns a `ToolMessage` answering
    it; a string, for a tool of one argument. Tools do not stream: `stream` yields the
    result as one chunk. Runs are reported with the arguments as inputs (`on_tool_start`
    also gets `input_str` and `tool_call_id`) and the result (or `ToolMessage`) as output.

    Attributes:
        name: The tool's name, as the model calls it.
        description: What the tool does, for the model.
        args_schema: A pydantic model (or JSON schema dict, not validated) of the arguments;
            inferred from `_run` when None.
        return_direct: Agents stop after this tool and return its result.
        tags: Tags for this tool's runs (not inherited by child runs).
        metadata: Metadata for this tool's runs (not inherited by child runs).
        handle_tool_error: What a `ToolException` becomes: False/None raise it; True
            returns its message; a string is returned instead; a function of the
            exception returns the content.
        handle_validation_error: The same for a `ValidationError` of the arguments
            (True returns "Tool input validation error").
        response_format: "content", or "content_and_artifact" when the tool returns a
            `(content, artifact)` pair (the artifact goes to `ToolMessage.artifact`).
        extras: Provider-specific settings passed through untouched.
    """

    _run_type: ClassVar[str] = "tool"

    name: str
    description: str = ""
    args_schema: ArgsSchema | None = None
    return_direct: bool = False
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    handle_tool_error: ErrorHandler = False
    handle_validation_error: ErrorHandler = False
    response_format: Literal["content", "content_and_artifact"] = "content"
    extras: dict[str, Any] | None = None

    _inferred: type[BaseModel] | None = PrivateAttr(default=None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, description={self.description!r})"

    # -- schemas ---------------------------------------------------------------------
    def _input_schema(self) -> ArgsSchema | None:
        """The schema arguments are validated with (None: passed through unvalidated)."""
        if self.args_schema is not None:
            return self.args_schema
        if self._inferred is None:
            self._inferred = create_schema_from_function(
                self.name, self._run, description=self.description or None
            )
        return self._inferred

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """The pydantic model of the arguments (all of them, injected ones included)."""
        schema = self._input_schema()
        if isinstance(schema, type):
            return schema
        return super().get_input_schema(config)

    @property
    def tool_call_schema(self) -> ArgsSchema:
        """The arguments a model must provide: the schema without injected arguments."""
        schema = self._input_schema()
        if schema is None:
            return self.get_input_schema()
        return visible_schema(schema) if isinstance(schema, type) else schema

    @property
    def args(self) -> dict[str, Any]:
        """The JSON schema of each argument a model provides, by name."""
        schema = self.tool_call_schema
        json_schema = schema.model_json_schema() if isinstance(schema, type) else schema
        return dict(json_schema.get("properties", {}))

    @property
    def is_single_input(self) -> bool:
        """True if the tool takes exactly one argument."""
        return len(self.args) == 1

    # -- to implement ----------------------------------------------------------------
    def _run(self, *args: Any, **kwargs: Any) -> Any:
        """Run the tool on validated arguments; return its result."""
        raise NotImplementedError(f"{type(self).__name__} implements no _run")

    async def _arun(self, *args: Any, **kwargs: Any) -> Any:
        """Async twin of `_run` (default: `_run` in a worker thread)."""
        raise NotImplementedError  # never called: `_ainvoke` checks for an override first

    # -- run reporting ---------------------------------------------------------------
    def _start(
        self, config: RunnableConfig, input: Any, is_async: bool, kwargs: Mapping[str, Any]
    ) -> Run | None:
        tool_input, call_id = tool_call_parts(input)
        if self.tags:
            config = {**config, "tags": [*config.get("tags", []), *self.tags]}
        return start_run(
            config,
            self.get_name(),
            self._run_type,
            tool_input,
            is_async=is_async,
            metadata=self.metadata,
            extra={
                "input_str": tool_input if isinstance(tool_input, str) else str(tool_input),
                "tool_call_id": call_id,
            },
        )

    # -- arguments -------------------------------------------------------------------
    def _parse_input(self, tool_input: Any, call_id: str | None) -> Any:
        """Validate the arguments into a dict (a string is the first argument's value).

        Raises:
            ValidationError: the arguments do not match the schema.
            ValueError: the tool needs the call id and was not given a ToolCall.
        """
        schema = self._input_schema()
        if not isinstance(schema, type):
            return tool_input
        if isinstance(tool_input, str):  # the first argument (a tool without any: ignored)
            names = list(visible_schema(schema).model_fields)
            tool_input = {names[0]: tool_input} if names else {}
        id_fields = injected_fields(schema, InjectedToolCallId)
        if id_fields:
            if call_id is None:
                raise ValueError(
                    f"tool {self.name!r} takes the tool call id ({', '.join(id_fields)}): "
                    "invoke it with a whole ToolCall "
                    "({'name': ..., 'args': {...}, 'id': ..., 'type': 'tool_call'})"
                )
            tool_input = {**tool_input, **dict.fromkeys(id_fields, call_id)}
        validated = schema.model_validate(tool_input)
        return {name: getattr(validated, name) for name in type(validated).model_fields}

    def _to_args_and_kwargs(self, parsed: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Positional and keyword arguments for `_run` from the parsed input."""
        if isinstance(parsed, dict):
            return (), dict(parsed)
        return (parsed,), {}

    # -- output ----------------------------------------------------------------------
    def _format_output(self, result: Any, call_id: str | None, status: str = "success") -> Any:
        """The result, or the `ToolMessage` answering the tool call `call_id`."""
        artifact = None
        if self.response_format == "content_and_artifact" and status == "success":
            if not (isinstance(result, tuple) and len(result) == 2):
                raise ValueError(
                    f"tool {self.name!r} has response_format='content_and_artifact' and must "
                    f"return a (content, artifact) tuple, got {type(result).__name__}"
                )
            result, artifact = result
        if call_id is None or isinstance(result, ToolMessage):
            return result
        return ToolMessage(
            result if _is_content(result) else _stringify(result),
            artifact=artifact,
            tool_call_id=call_id,
            name=self.name,
            status=status,
        )

    def _prepare(self, input: Any) -> tuple[str | None, _Early | _Args]:
        """The tool call id, and the arguments for `_run`, or the early (handled) output.

        Raises:
            ValidationError: invalid arguments and `handle_validation_error` is not set.
        """
        tool_input, call_id = tool_call_parts(input)
        try:
            return call_id, self._to_args_and_kwargs(self._parse_input(tool_input, call_id))
        except ValidationError as exc:
            if not self.handle_validation_error:
                raise
            content = _error_content(exc, self.handle_validation_error, _VALIDATION_MESSAGE)
            return call_id, _Early(self._format_output(content, call_id, "error"))

    def _tool_error(self, exc: ToolException, call_id: str | None) -> Any:
        """What a ToolException becomes under `handle_tool_error` (re-raised if unset)."""
        if not self.handle_tool_error:
            raise exc
        content = _error_content(exc, self.handle_tool_error, str(exc) or _EXECUTION_MESSAGE)
        return self._format_output(content, call_id, "error")

    # -- hooks -----------------------------------------------------------------------
    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        call_id, prepared = self._prepare(input)
        if isinstance(prepared, _Early):
            return prepared.output
        args, kw = prepared
        manager = RunManager(current_run(config), config, forward_tokens=False)
        kw.update(injected_kwargs(self._run, manager, config))
        try:
            result = run_in_context(config, functools.partial(self._run, *args, **kw))
        except ToolException as exc:
            return self._tool_error(exc, call_id)
        return self._format_output(result, call_id)

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        call_id, prepared = self._prepare(input)
        if isinstance(prepared, _Early):
            return prepared.output
        args, kw = prepared
        try:
            if type(self)._arun is BaseTool._arun:
                result = await self._run_in_thread(args, kw, config)
            else:
                manager = AsyncRunManager(current_run(config), config, forward_tokens=False)
                kw.update(injected_kwargs(self._arun, manager, config))
                token = child_config_var.set(config)
                try:
                    result = await self._arun(*args, **kw)
                finally:
                    child_config_var.reset(token)
        except ToolException as exc:
            return self._tool_error(exc, call_id)
        return self._format_output(result, call_id)

    async def _run_in_thread(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], config: RunnableConfig
    ) -> Any:
        """Run the sync `_run` in a worker thread, with its injected arguments."""
        manager = RunManager(current_run(config), config, forward_tokens=False)
        kwargs = {**kwargs, **injected_kwargs(self._run, manager, config)}
        call = functools.partial(self._run, *args, **kwargs)
        return await anyio.to_thread.run_sync(run_in_context, config, call)


@dataclass(frozen=True, slots=True)
class _Early:
    """The output of a call that ended before running the tool (handled invalid input)."""

    output: Any


_Args: TypeAlias = tuple[tuple[Any, ...], dict[str, Any]]


def _error_content(exc: Exception, handler: ErrorHandler, default: str) -> Any:
    if isinstance(handler, str):
        return handler
    if callable(handler):
        return handler(exc)
    return default


def _is_content(value: Any) -> bool:
    """True for message content: a string, or a list of strings and typed blocks."""
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(
        isinstance(item, str) or (isinstance(item, dict) and "type" in item) for item in value
    )


def _stringify(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
