"""Streaming cores: objects that never block or await (chunk folding, parsers, run reporting)."""
