"""Errors of the platform credentials libops keeps: their names, stores and refreshes."""

from __future__ import annotations

from libops.domain.errors.core import InvalidValueError, LibopsError
from libops.domain.errors.platforms import PlatformAdapterConfigError


class CredentialError(LibopsError):
    """A platform credential cannot be read, stored or refreshed (the message never holds the
    secret itself)."""


class CredentialNameError(CredentialError, InvalidValueError):
    """A credential's account or name is empty, too long or holds characters other than
    letters, digits, ``.``, ``_``, ``-`` and ``/``; or a value is empty."""


class UnknownCredentialError(CredentialError, LookupError):
    """No credential is stored under that account and name."""

    def __init__(self, account: str, name: str) -> None:
        super().__init__(f"no credential {name!r} is stored for {account!r}")
        self.account = account
        self.name = name


class MissingCredentialError(UnknownCredentialError, PlatformAdapterConfigError):
    """A platform gateway needs a credential no store holds: the message names the entry to
    set (account and name, never a value) and the command that sets it. Every HTTP
    adapter's ``from_credentials`` raises it (a gateway set up without what it needs)."""

    def __init__(self, platform: str, account: str, name: str) -> None:
        super().__init__(account, name)
        variable = "LIBOPS_CRED_" + "_".join(
            "".join(c if c.isalnum() else "_" for c in part).upper() for part in (account, name)
        )
        self.args = (
            f"the {platform} gateway needs the credential {name!r} of account {account!r}, "
            f"and none is stored: set it with `libops credentials set {account} {name}` "
            f"(or the environment variable {variable})",
        )


class ReadOnlyCredentialStoreError(CredentialError):
    """The credential store only reads (environment variables): set and remove go elsewhere."""


class CredentialFileError(CredentialError):
    """The credentials file cannot be read or written, is malformed, or others may read it."""


class CredentialTableMissingError(CredentialError):
    """A PostgreSQL store has no credentials table yet (``libops db migrate`` makes it), so
    renewed tokens would have nowhere to go but a file in the job's working directory."""


class TokenRefreshError(CredentialError):
    """A platform token could not be refreshed (the refresh callback failed or gave nothing)."""
