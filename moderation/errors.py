"""Errors raised by the moderation package."""

from __future__ import annotations


class ModerationError(Exception):
    """Base class for errors from the moderation package."""


class ModelLoadError(ModerationError):
    """The shipped model files are missing, corrupt or unreadable."""
