"""Crafting an AES-GCM ciphertext that authenticates under two keys ("invisible salamanders").

GCM's tag is GHASH_H(AD, C) xor E_K(J0), and GHASH is linear over GF(2^128). With two keys
fixed, one free 16-byte block (here the last block of the associated data) can be solved
for so that both keys yield the same tag. Following NIST SP 800-38D's bit order.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

R = 0xE1 << 120


def gf_mul(x: int, y: int) -> int:
    z, v = 0, x
    for i in range(128):
        if (y >> (127 - i)) & 1:
            z ^= v
        v = (v >> 1) ^ R if v & 1 else v >> 1
    return z


def gf_pow(x: int, e: int) -> int:
    result = 1 << 127  # the field's one, in GCM's reflected order
    while e:
        if e & 1:
            result = gf_mul(result, x)
        x = gf_mul(x, x)
        e >>= 1
    return result


def gf_inv(x: int) -> int:
    return gf_pow(x, 2**128 - 2)


def aes_block(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def _blocks(data: bytes) -> list[int]:
    padded = data + bytes(-len(data) % 16)
    return [int.from_bytes(padded[i : i + 16], "big") for i in range(0, len(padded), 16)]


def ghash(h: int, ad: bytes, ct: bytes) -> int:
    lengths = ((len(ad) * 8) << 64) | (len(ct) * 8)
    y = 0
    for x in [*_blocks(ad), *_blocks(ct), lengths]:
        y = gf_mul(y ^ x, h)
    return y


def _ctr_stream(key: bytes, nonce: bytes, length: int) -> bytes:
    out = b""
    counter = 2
    while len(out) < length:
        out += aes_block(key, nonce + counter.to_bytes(4, "big"))
        counter += 1
    return out[:length]


def two_key_ciphertext(
    k1: bytes, k2: bytes, nonce: bytes, plaintext1: bytes, ad_prefix: bytes
) -> tuple[bytes, bytes, bytes]:
    """Return (ad, ciphertext||tag, plaintext2): the AD is ``ad_prefix`` plus one solved block."""
    assert len(ad_prefix) % 16 == 0 and len(nonce) == 12
    ct = bytes(
        a ^ b for a, b in zip(plaintext1, _ctr_stream(k1, nonce, len(plaintext1)), strict=True)
    )
    plaintext2 = bytes(a ^ b for a, b in zip(ct, _ctr_stream(k2, nonce, len(ct)), strict=True))
    h1 = int.from_bytes(aes_block(k1, bytes(16)), "big")
    h2 = int.from_bytes(aes_block(k2, bytes(16)), "big")
    j0 = nonce + (1).to_bytes(4, "big")
    e1 = int.from_bytes(aes_block(k1, j0), "big")
    e2 = int.from_bytes(aes_block(k2, j0), "big")
    zero_ad = ad_prefix + bytes(16)
    n_blocks = len(zero_ad) // 16 + len(_blocks(ct)) + 1
    power = n_blocks - len(zero_ad) // 16 + 1
    rhs = ghash(h1, zero_ad, ct) ^ e1 ^ ghash(h2, zero_ad, ct) ^ e2
    free = gf_mul(rhs, gf_inv(gf_pow(h1, power) ^ gf_pow(h2, power)))
    ad = ad_prefix + free.to_bytes(16, "big")
    tag = (ghash(h1, ad, ct) ^ e1).to_bytes(16, "big")
    return ad, ct + tag, plaintext2
