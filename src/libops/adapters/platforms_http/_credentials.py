"""How the HTTP gateways read their credentials from a credential store (``from_credentials``).

A gateway built with ``from_credentials`` checks at once that every credential it needs is
stored (else :class:`~libops.domain.errors.MissingCredentialError`, naming the entry to set and
never a value), then reads the secret again on each use: a token replaced with ``libops
credentials set`` is used without a restart.
"""

from __future__ import annotations

from collections.abc import Sequence

from libops.adapters.credentials import EnvCredentialStore, env_variable, lookup
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

    :meth:`set` (a gateway keeping a renewed token) writes to the first store that can be
    written (the 0600 file after the read-only environment), unless a store read before it
    holds the entry: the value written would then never be read, so the chain refuses,
    naming the store that hides it. :meth:`remove` goes to one of the stores themselves."""

    def __init__(self, stores: Sequence[CredentialStore]) -> None:
        self._stores = tuple(stores)

    def __repr__(self) -> str:
        return f"CredentialChain({list(self._stores)!r})"

    def get(self, account: str, name: str) -> Secret | None:
        """The first value any store holds."""
        return lookup(self._stores, account, name)

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        """Keep the value in the first store that can be written; refused
        (:class:`ReadOnlyCredentialStoreError`, never quoting the value) if none can, or if a
        store read before that one holds the entry and would hide the new value."""
        passed: list[CredentialStore] = []  # read before, and only reading
        for store in self._stores:
            hiding = next((p for p in passed if p.get(account, name) is not None), None)
            if hiding is not None:
                raise ReadOnlyCredentialStoreError(
                    f"the credential {name!r} of {account!r} comes from "
                    f"{_where(hiding, account, name)}, which is read first and only reads: a "
                    "new value kept after it would never be used; unset it there and keep it "
                    f"in the credentials file (`libops credentials set {account} {name}`)"
                )
            try:
                return store.set(account, name, value)
            except ReadOnlyCredentialStoreError:
                passed.append(store)
        raise ReadOnlyCredentialStoreError(
            f"no store of the chain {self!r} can keep the credential {name!r} of {account!r} "
            "(each only reads): add the credentials file, or set it where the process starts"
        )

    def remove(self, account: str, name: str) -> bool:
        """Refused: remove a credential from one store (``libops credentials remove``)."""
        raise ReadOnlyCredentialStoreError(
            "the gateways' chain of credential stores does not remove: remove a credential "
            "with `libops credentials remove`"
        )

    def list(self, account: str | None = None) -> list[CredentialInfo]:
        """Every store's entries (names and times, never values), the first store's winning."""
        seen: dict[tuple[str, str], CredentialInfo] = {}
        for store in self._stores:
            for info in store.list(account):
                seen.setdefault((info.account, info.name), info)
        return sorted(seen.values(), key=lambda i: (i.account, i.name))


def _where(store: CredentialStore, account: str, name: str) -> str:
    """Where a store keeps an entry, as a message names it (never its value)."""
    if isinstance(store, EnvCredentialStore):
        return f"the environment variable {env_variable(account, name)}"
    return repr(store)
