"""Who may write where: workspace passcodes and the keys a session earns with them.

A passcode is stored only as a salted scrypt hash. Entering the right one gives
the session a *key* for that workspace: an HMAC of the workspace id under the
stored hash. The store recomputes it inside every write transaction and compares
in constant time, so a key stops working the moment the passcode changes, and a
session without one cannot write, whatever buttons its page shows.

`Access.TRUSTED` (the default of a plain `Store`) is server-side code: scripts,
tests, the sample loader. The app gives every browser session its own
`store.for_session(Access(...))`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from journeymap.errors import ValidationError

PASSCODE_MIN = 6
PASSCODE_MAX = 200
MAX_FAILURES = 5  # wrong passcodes in a row, then the workspace waits
BLOCK_FOR = timedelta(minutes=5)
# scrypt at n=2**14, r=8, p=1: 16 MB and about 50 ms per check here; one check per
# passcode entered, never per write (writes compare the derived key).
_N, _R, _P = 2**14, 8, 1


def check_passcode_rule(passcode: str) -> str:
    """The passcode as given, or a ValidationError saying what is wrong."""
    if not isinstance(passcode, str) or len(passcode) < PASSCODE_MIN:
        raise ValidationError(f"A passcode needs at least {PASSCODE_MIN} characters.")
    if len(passcode) > PASSCODE_MAX:
        raise ValidationError(
            f"A passcode is {len(passcode):,} characters long; the limit is {PASSCODE_MAX}."
        )
    return passcode


def hash_passcode(passcode: str) -> str:
    """`scrypt$n$r$p$salt$hash`, everything needed to check a passcode later."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(passcode.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def passcode_matches(passcode: str, stored: str) -> bool:
    """Constant-time check of a passcode against its stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = hashlib.scrypt(
            passcode.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(given, bytes.fromhex(digest))


def workspace_key(workspace_id: str, stored_hash: str) -> str:
    """The key a session holds once it entered this workspace's current passcode."""
    return hmac.new(stored_hash.encode(), workspace_id.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Access:
    """What one session may write to: workspaces it holds keys for, or everything."""

    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    everywhere: bool = False  # trusted code, or a user signed in through the identity provider

    def allows(self, workspace_id: str, stored_hash: str | None) -> bool:
        if self.everywhere or not stored_hash:
            return True
        key = self.keys.get(workspace_id)
        return key is not None and hmac.compare_digest(
            key, workspace_key(workspace_id, stored_hash)
        )


Access.TRUSTED = Access(everywhere=True)  # type: ignore[attr-defined]
