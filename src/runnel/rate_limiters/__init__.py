"""Rate limiters for models (as `langchain_core.rate_limiters`)."""

from runnel.language_models._rate_limiter import BaseRateLimiter, InMemoryRateLimiter

__all__ = ["BaseRateLimiter", "InMemoryRateLimiter"]
