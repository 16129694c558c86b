"""API keys and roles: ``Authorization: Bearer <key>``, compared in constant time."""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigError
from assistant.settings import Settings

ROLES = ("agent", "trainer", "qa", "admin")
LOCAL_KEY_FILE = "admin.key"


@dataclass(frozen=True)
class KeyRing:
    """Known keys and their roles. ``created_local_key`` is set when a local admin key was just made."""

    keys: tuple[tuple[str, ...], ...]  # (key, role) or (key, role, user)
    created_local_key: str | None = None
    local_only: bool = False

    def identity_of(self, presented: str) -> tuple[str, str | None] | None:
        """(role, user) of a presented key, or None. Every key is compared, in constant time."""
        found = None
        for entry in self.keys:
            if hmac.compare_digest(entry[0].encode(), presented.encode()):
                found = (entry[1], entry[2] if len(entry) > 2 else None)
        return found

    def role_of(self, presented: str) -> str | None:
        """The role of a presented key, or None."""
        identity = self.identity_of(presented)
        return identity[0] if identity else None


def _parse(text: str, source: str) -> list[tuple[str, ...]]:
    """Entries ``key:role`` or ``key:role:user`` (a user binds an agent key to one trainee's quiz answers)."""
    pairs: list[tuple[str, ...]] = []
    for n, item in enumerate(p.strip() for p in text.replace("\n", ",").split(",")):
        if not item or item.startswith("#"):
            continue
        parts = item.split(":")  # keys may contain ":", so the role is found from the right
        if len(parts) >= 2 and parts[-1] in ROLES:
            entry: tuple[str, ...] = (":".join(parts[:-1]), parts[-1])
        elif len(parts) >= 3 and parts[-2] in ROLES and parts[-1]:
            entry = (":".join(parts[:-2]), parts[-2], parts[-1])
        else:
            raise ConfigError(
                f"{source}: entry {n + 1} must be 'key:role' or 'key:role:user' with role one of {', '.join(ROLES)}"
            )
        if len(entry[0]) < 16:
            raise ConfigError(f"{source}: entry {n + 1}: keys must be at least 16 characters")
        pairs.append(entry)
    return pairs


def load_keys(settings: Settings) -> KeyRing:
    """Keys from ``PLAYBOOK_API_KEYS`` and ``PLAYBOOK_API_KEYS_FILE``; with none, a local admin key in the data dir.

    Raises:
        ConfigError: a malformed entry (the message never contains a key).
    """
    pairs: list[tuple[str, ...]] = []  # (key, role) or (key, role, user)
    if settings.api_keys is not None:
        pairs += _parse(settings.api_keys.get_secret_value(), "PLAYBOOK_API_KEYS")
    if settings.api_keys_file is not None:
        try:
            pairs += _parse(settings.api_keys_file.read_text(encoding="utf-8"), str(settings.api_keys_file))
        except OSError as exc:
            raise ConfigError(f"cannot read PLAYBOOK_API_KEYS_FILE: {exc.strerror}") from None
    if pairs:
        return KeyRing(tuple(pairs))
    return _local_admin_key(settings.data_dir)


def _local_admin_key(data_dir: Path) -> KeyRing:
    """No keys configured: one admin key kept in the data dir (0600), for loopback use only."""
    path = data_dir / LOCAL_KEY_FILE
    created = None
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        created = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(created + "\n")
    key = path.read_text(encoding="utf-8").strip()
    return KeyRing(((key, "admin"),), created_local_key=created, local_only=True)
