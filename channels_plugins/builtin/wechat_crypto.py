"""WeChat's safe-mode message encryption (providers.md A4.5), for event pushes.

The key is `b64decode(EncodingAESKey + "=")` (32 bytes); AES-256-CBC with the key's first 16
bytes as IV and PKCS#7 padding to a 32-byte block. The plaintext is
`random16 ‖ uint32_be(len(msg)) ‖ msg ‖ appid`; the appid suffix must be the account's.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class DecryptFailed(ValueError):
    """The ciphertext is not one this key and appid produced."""


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key an EncodingAESKey (43 base64 characters) stands for."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("an EncodingAESKey is 43 base64 characters") from exc
    if len(key) != 32:
        raise ValueError("an EncodingAESKey is 43 base64 characters")
    return key


def encrypt(encoding_aes_key: str, appid: str, message: bytes) -> str:
    """What WeChat puts in `<Encrypt>` (our side only needs it for replies and tests)."""
    key = aes_key(encoding_aes_key)
    plain = os.urandom(16) + struct.pack(">I", len(message)) + message + appid.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encoding_aes_key: str, appid: str, encrypted: str) -> bytes:
    """The message inside `<Encrypt>`; `DecryptFailed` unless it decrypts to one for `appid`."""
    key = aes_key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except binascii.Error as exc:
        raise DecryptFailed("Encrypt is not base64") from exc
    if not data or len(data) % 16:
        raise DecryptFailed("Encrypt is not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise DecryptFailed("bad padding: the wrong EncodingAESKey")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise DecryptFailed("too short")
    (length,) = struct.unpack(">I", plain[16:20])
    message, suffix = plain[20 : 20 + length], plain[20 + length :]
    if len(message) != length or suffix != appid.encode():
        raise DecryptFailed("not encrypted for this account's AppID")
    return message
