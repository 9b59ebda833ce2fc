"""Verifiable reports: the server's franking tag, and why the commitment must bind the key."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from client.e2ee import franking
from client.e2ee.errors import DecryptError
from server.domain import franking as server_franking
from server.domain.franking import FrankedReport, verify_report
from server.errors import Forbidden, ValidationError
from tests.e2ee.salamander import two_key_ciphertext

SECRET = os.urandom(32)
TS = 1_790_000_000_123


def franked(text: str, sender: str = "u_a", recipient: str = "u_b") -> FrankedReport:
    fk = os.urandom(32)
    commitment = franking.commit(fk, text.encode())
    tag = server_franking.tag(SECRET, commitment, sender, recipient, TS)
    return FrankedReport(text.encode(), fk, commitment, tag, sender, recipient, TS)


def test_a_true_report_verifies() -> None:
    assert verify_report(SECRET, franked("you are worthless")) == "you are worthless"


def test_altered_text_is_rejected() -> None:
    report = franked("see you at handover")
    with pytest.raises(Forbidden):
        verify_report(SECRET, FrankedReport(b"I will hurt you", *_rest(report)))


def test_commitment_from_another_message_is_rejected() -> None:
    real, other = franked("hello"), franked("something else")
    forged = FrankedReport(
        real.plaintext,
        real.franking_key,
        other.commitment,
        other.tag,
        real.sender_id,
        real.recipient_id,
        real.ts_ms,
    )
    with pytest.raises(Forbidden):
        verify_report(SECRET, forged)
    # The commitment of another message with this message's tag fails on the tag instead.
    swapped = FrankedReport(
        other.plaintext,
        other.franking_key,
        other.commitment,
        real.tag,
        real.sender_id,
        real.recipient_id,
        real.ts_ms,
    )
    with pytest.raises(Forbidden):
        verify_report(SECRET, swapped)


@pytest.mark.parametrize("field", ["sender_id", "recipient_id", "ts_ms"])
def test_tag_binds_sender_recipient_and_time(field: str) -> None:
    report = franked("hi")
    changes = {"sender_id": "u_x", "recipient_id": "u_x", "ts_ms": TS + 1}
    fields = {**report.__dict__, field: changes[field]}
    with pytest.raises(Forbidden):
        verify_report(SECRET, FrankedReport(**fields))


def test_malformed_reports_are_validation_errors() -> None:
    report = franked("hi")
    with pytest.raises(ValidationError):
        verify_report(SECRET, FrankedReport(report.plaintext, b"short", *_rest(report)[1:]))


def test_invisible_salamander_cannot_be_reported_as_its_second_plaintext() -> None:
    k1, k2, nonce = os.urandom(32), os.urandom(32), os.urandom(12)
    fk1 = os.urandom(32)
    text1 = b"Thanks for listening earlier, really."
    commitment = franking.commit(fk1, text1)
    ad, ct, payload2 = two_key_ciphertext(k1, k2, nonce, fk1 + text1, ad_prefix=commitment)
    # AES-GCM accepts the same ciphertext under both keys: it does not commit to its key.
    assert AESGCM(k1).decrypt(nonce, ct, ad) == fk1 + text1
    assert AESGCM(k2).decrypt(nonce, ct, ad) == payload2 != fk1 + text1
    # The client refuses the second opening, and so does the server when it is reported.
    assert franking.open_payload(fk1 + text1, commitment) == (fk1, text1.decode())
    with pytest.raises(DecryptError):
        franking.open_payload(payload2, commitment)
    tag = server_franking.tag(SECRET, commitment, "u_a", "u_b", TS)
    fk2, text2 = payload2[:32], payload2[32:]
    for key in (fk2, fk1):
        with pytest.raises(Forbidden):
            verify_report(SECRET, FrankedReport(text2, key, commitment, tag, "u_a", "u_b", TS))
    assert verify_report(SECRET, FrankedReport(text1, fk1, commitment, tag, "u_a", "u_b", TS))


def _rest(report: FrankedReport) -> tuple[bytes, bytes, bytes, str, str, int]:
    return (
        report.franking_key,
        report.commitment,
        report.tag,
        report.sender_id,
        report.recipient_id,
        report.ts_ms,
    )
