"""The Huddle Python client."""

from client.client import HuddleClient, HuddleClientError, Identity
from client.dm import DirectMessage

__all__ = ["DirectMessage", "HuddleClient", "HuddleClientError", "Identity"]
