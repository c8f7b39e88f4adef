"""The on-disk form of a FAISS store: `<name>.faiss` (the index) and `<name>.json` (the rest).

Nothing here unpickles. The JSON file holds the documents, the position -> id table, the
settings and the SHA-256 of the index file; `read_folder` validates all of it (types,
checksum) before the index bytes go anywhere, so a tampered or half-written folder fails
with a `ValueError` that names the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["SavedDocument", "SavedStore", "check_json_metadata", "read_folder", "write_folder"]

FORMAT = "runnel.faiss"
VERSION = 1


class SavedDocument(BaseModel):
    """One stored document (its id is the key it is stored under)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    page_content: str
    metadata: dict[str, Any]


class SavedStore(BaseModel):
    """The JSON file: everything but the index itself."""

    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["runnel.faiss"]
    version: Literal[1]
    index_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    dimension: Annotated[int, Field(gt=0)]
    distance_strategy: str
    normalize_L2: bool
    ids: list[str]  # the document id at each index position
    documents: dict[str, SavedDocument]


def check_json_metadata(value: Any, where: str) -> None:
    """Reject metadata that would not come back identical from JSON.

    Raises:
        TypeError: a value is not a JSON value (dict with str keys, list, str, int, float,
            bool, None), e.g. a tuple, a date or an int key.
        ValueError: a float is NaN or infinite.
    """
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}: JSON has no NaN or infinity")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_json_metadata(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has the key {key!r}: JSON keys must be strings")
            check_json_metadata(item, f"{where}[{key!r}]")
        return
    raise TypeError(
        f"{where} is a {type(value).__name__}: save_local stores metadata as JSON, so it may "
        "only hold dicts with str keys, lists, str, int, float, bool and None"
    )


def write_folder(folder: Path, index_name: str, index_bytes: bytes, store: SavedStore) -> None:
    """Write the index file, then the JSON file (each replaced atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    _replace(folder / f"{index_name}.faiss", index_bytes)
    text = json.dumps(store.model_dump(), ensure_ascii=False, allow_nan=False)
    _replace(folder / f"{index_name}.json", text.encode("utf-8"))


def read_folder(folder: Path, index_name: str) -> tuple[SavedStore, bytes]:
    """Read and check the JSON file and the index bytes it vouches for.

    Raises:
        FileNotFoundError: the folder or one of its files is missing.
        ValueError: a file is malformed, the checksum differs, the tables disagree, or the
            folder holds a LangChain pickle instead of a JSON docstore.
    """
    json_path = folder / f"{index_name}.json"
    index_path = folder / f"{index_name}.faiss"
    if not folder.is_dir():
        raise FileNotFoundError(f"no saved FAISS store at {folder}: not a folder")
    if not json_path.is_file():
        if (folder / f"{index_name}.pkl").exists():
            raise ValueError(
                f"{folder} holds {index_name}.pkl, a pickle (as LangChain's FAISS.save_local "
                "writes); runnel never unpickles, since loading a pickle can run any code. "
                "Rebuild the store with runnel and save it again: it writes a JSON docstore."
            )
        raise FileNotFoundError(f"no {json_path.name} in {folder}: save it with save_local")
    try:
        store = SavedStore.model_validate_json(json_path.read_bytes())
    except ValidationError as err:
        raise ValueError(f"{json_path} is not a runnel FAISS docstore: {_brief(err)}") from err
    if not index_path.is_file():
        raise FileNotFoundError(f"no {index_path.name} in {folder}: the folder is incomplete")
    index_bytes = index_path.read_bytes()
    if hashlib.sha256(index_bytes).hexdigest() != store.index_sha256:
        raise ValueError(
            f"{index_path} does not match {json_path.name} (SHA-256 differs): the folder was "
            "modified or only partly written"
        )
    _check_tables(store, json_path)
    return store, index_bytes


def _check_tables(store: SavedStore, json_path: Path) -> None:
    if len(set(store.ids)) != len(store.ids):
        raise ValueError(f"{json_path}: an id appears twice in 'ids'")
    missing = [doc_id for doc_id in store.ids if doc_id not in store.documents]
    unused = set(store.documents).difference(store.ids)
    if missing or unused:
        raise ValueError(
            f"{json_path}: 'ids' and 'documents' disagree (ids without a document: "
            f"{missing[:5]}, documents without a position: {sorted(unused)[:5]})"
        )


def _brief(err: ValidationError) -> str:
    text = str(err)
    return text if len(text) <= 600 else text[:600] + " ..."


def _replace(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
