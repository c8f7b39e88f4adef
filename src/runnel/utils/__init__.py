"""Utilities (`langchain_core.utils` names); see `runnel.utils.function_calling`."""

__all__: list[str] = []
