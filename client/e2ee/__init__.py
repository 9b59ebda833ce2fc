"""Huddle's end-to-end encryption for one-to-one chats (spec: docs/e2ee.md).

Everything here runs in the client. It uses only primitives from ``cryptography``:
X25519, Ed25519, HKDF-SHA256, HMAC-SHA256, SHA-512 and AES-256-GCM.
"""
