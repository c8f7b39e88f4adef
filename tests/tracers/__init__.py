"""Tests for runnel.tracers."""
