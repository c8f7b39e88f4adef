"""The Runnable interface and its primitives (`langchain_core.runnables` names)."""

from runnel._core.fold import AddableDict
from runnel.runnables._binding import RunnableBinding
from runnel.runnables._branch import RunnableBranch
from runnel.runnables._config import (
    RunnableConfig,
    ensure_config,
    get_config_list,
    merge_configs,
    patch_config,
)
from runnel.runnables._fallbacks import RunnableWithFallbacks
from runnel.runnables._generator import RunnableGenerator
from runnel.runnables._lambda import RunnableLambda, chain
from runnel.runnables._parallel import RunnableParallel
from runnel.runnables._passthrough import RunnableAssign, RunnablePassthrough, RunnablePick
from runnel.runnables._protocol import Runnable, coerce_to_runnable
from runnel.runnables._retry import RunnableRetry
from runnel.runnables._sequence import RunnableSequence
from runnel.runnables._serializable import RunnableSerializable

RunnableMap = RunnableParallel

__all__ = [
    "AddableDict",
    "Runnable",
    "RunnableAssign",
    "RunnableBinding",
    "RunnableBranch",
    "RunnableConfig",
    "RunnableGenerator",
    "RunnableLambda",
    "RunnableMap",
    "RunnableParallel",
    "RunnablePassthrough",
    "RunnablePick",
    "RunnableRetry",
    "RunnableSequence",
    "RunnableSerializable",
    "RunnableWithFallbacks",
    "chain",
    "coerce_to_runnable",
    "ensure_config",
    "get_config_list",
    "merge_configs",
    "patch_config",
]
