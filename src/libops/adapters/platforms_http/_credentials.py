"""How the HTTP gateways read their credentials from a credential store (``from_credentials``).

A gateway built with ``from_credentials`` checks at once that every credential it needs is
stored (else :class:`~libops.domain.errors.MissingCredentialError`, naming the entry to set and
never a value), then reads the secret again on each use: a token replaced with ``libops
credentials set`` is used without a restart.
"""

from __future__ import annotations

from collections.abc import Sequence

from libops.adapters.credentials import lookup
from libops.domain.errors import MissingCredentialError, ReadOnlyCredentialStoreError
from libops.domain.ports import CredentialInfo, CredentialStore, Secret


def required(store: CredentialStore, platform: str, account: str, name: str) -> Secret:
    """The credential ``name`` of ``account``, which the ``platform`` gateway needs."""
    found = store.get(account, name)
    if found is None:
        raise MissingCredentialError(platform, account, name)
    return found


def reader(store: CredentialStore, platform: str, account: str, name: str) -> _Reader:
    """A token provider (a callable returning the secret's text) reading the store each time,
    after checking the credential is there now."""
    required(store, platform, account, name)
    return _Reader(store, platform, account, name)


class _Reader:
    """Returns the stored secret's text on each call (its repr names the entry only)."""

    def __init__(self, store: CredentialStore, platform: str, account: str, name: str) -> None:
        self._store = store
        self._where = (platform, account, name)

    def __repr__(self) -> str:
        return f"credential({self._where[1]!r}, {self._where[2]!r})"

    def __call__(self) -> str:
        return required(self._store, *self._where).reveal()


class CredentialChain:
    """Several credential stores read in turn (the environment first, then the file, say):
    the :class:`~libops.domain.ports.CredentialStore` the command line hands the gateways.
    Read-only: set and remove go to one of the stores themselves."""

    def __init__(self, stores: Sequence[CredentialStore]) -> None:
        self._stores = tuple(stores)

    def __repr__(self) -> str:
        return f"CredentialChain({list(self._stores)!r})"

    def get(self, account: str, name: str) -> Secret | None:
        """The first value any store holds."""
        return lookup(self._stores, account, name)

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        """Refused: set a credential in one store (``libops credentials set``)."""
        raise ReadOnlyCredentialStoreError(
            "the gateways' chain of credential stores only reads: set a credential with "
            "`libops credentials set`"
        )

    def remove(self, account: str, name: str) -> bool:
        """Refused: remove a credential from one store (``libops credentials remove``)."""
        raise ReadOnlyCredentialStoreError(
            "the gateways' chain of credential stores only reads: remove a credential with "
            "`libops credentials remove`"
        )

    def list(self, account: str | None = None) -> list[CredentialInfo]:
        """Every store's entries (names and times, never values), the first store's winning."""
        seen: dict[tuple[str, str], CredentialInfo] = {}
        for store in self._stores:
            for info in store.list(account):
                seen.setdefault((info.account, info.name), info)
        return sorted(seen.values(), key=lambda i: (i.account, i.name))
