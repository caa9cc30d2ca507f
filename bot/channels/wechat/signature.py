"""WeChat's request signatures: SHA-1 of the sorted, concatenated strings, compared in constant time.

URL and message signature: sha1(sort(token, timestamp, nonce)); safe mode's msg_signature adds the Encrypt text."""

from __future__ import annotations

import hashlib
import hmac


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's scheme


def verify(signature: str, *parts: str) -> bool:
    return hmac.compare_digest(sign(*parts).encode(), signature.encode("utf-8", "replace"))
