"""The Huddle Python client."""

from client.client import HuddleClient, HuddleClientError, Identity

__all__ = ["HuddleClient", "HuddleClientError", "Identity"]
