"""Secrets at rest: JSON sealed with Fernet under CREDENTIALS_KEY (several keys: MultiFernet)."""
import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


__all__ = ["InvalidToken", "NoKeyConfigured", "available", "decrypt", "encrypt", "rotate"]


class NoKeyConfigured(RuntimeError):
    """CREDENTIALS_KEY is not set, so nothing secret may be stored."""


def _keys() -> list[str]:
    configured = current_app.config.get("CREDENTIALS_KEY")
    if isinstance(configured, str):
        configured = [k.strip() for k in configured.split(",")]
    keys = [k for k in configured or [] if k]
    if not keys and current_app.debug:
        # Development only: a key derived from SECRET_KEY, so `flask run --debug` works as is.
        digest = hashlib.sha256(b"credentials:" + current_app.config["SECRET_KEY"].encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return keys


def available() -> bool:
    """Whether a key is configured (secrets can be stored)."""
    return bool(_keys())


def _box() -> MultiFernet:
    keys = _keys()
    if not keys:
        raise NoKeyConfigured("CREDENTIALS_KEY is not set: generate one with "
                              "`python -c 'from cryptography.fernet import Fernet; "
                              "print(Fernet.generate_key().decode())'`")
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(data) -> str:
    """`data` as JSON, sealed with the first configured key."""
    return _box().encrypt(json.dumps(data, sort_keys=True).encode()).decode("ascii")


def decrypt(token: str):
    """The JSON value sealed in `token` by any configured key; InvalidToken when none opens it."""
    return json.loads(_box().decrypt(token.encode("ascii")))


def rotate(token: str) -> str:
    """`token` re-sealed with the first (newest) key."""
    return _box().rotate(token.encode("ascii")).decode("ascii")
