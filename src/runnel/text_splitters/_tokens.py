"""Loading tiktoken encodings, with errors that say what to do offline."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["load_tiktoken_encoding"]


def load_tiktoken_encoding(encoding_name: str, model_name: str | None = None) -> Any:
    """The tiktoken encoding named `encoding_name` (or used by `model_name`).

    tiktoken downloads an encoding's file on first use and caches it (in
    `$TIKTOKEN_CACHE_DIR`, default a `data-gym-cache` folder in the temp directory).

    Raises:
        ImportError: tiktoken is not installed.
        OSError: the file is not cached and cannot be downloaded.
        ValueError: unknown encoding or model name.
    """
    try:
        tiktoken = importlib.import_module("tiktoken")
    except ImportError as err:
        raise ImportError(
            'from_tiktoken_encoder needs tiktoken: pip install "runnel[tiktoken]"'
        ) from err
    name = repr(model_name) if model_name is not None else repr(encoding_name)
    try:
        if model_name is not None:
            return tiktoken.encoding_for_model(model_name)
        return tiktoken.get_encoding(encoding_name)
    except KeyError as err:  # encoding_for_model: unknown model
        raise ValueError(f"tiktoken knows no encoding for the model {name}") from err
    except OSError as err:  # requests' and urllib's errors are OSErrors
        raise OSError(
            f"tiktoken could not load the encoding for {name}: it downloads encoding files "
            "on first use and this machine could not reach the server. Copy the cached file "
            "into $TIKTOKEN_CACHE_DIR, or measure chunks another way: length_function=len "
            "(characters) or from_huggingface_tokenizer(<a local tokenizer>). "
            f"Cause: {type(err).__name__}: {err}"
        ) from err
