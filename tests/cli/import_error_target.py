"""A target module that fails to import."""

raise RuntimeError("boom while importing")
