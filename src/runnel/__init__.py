"""runnel: streaming LLM pipelines built on the Runnable interface."""

__version__ = "0.1.0"

__all__ = ["__version__"]
