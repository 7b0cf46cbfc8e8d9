"""Commands as data, and the one path that carries each of them out.

A command is a frozen attrs class (``PlanCampaign``, ``RecordExpense``, ``DrawWinners``, ...)
holding its target's id, its fields and an optional idempotency key. Its handler is a plain
function registered with :func:`handles`: it loads what it needs through the
:class:`Context`, calls the aggregates, and returns the command's result. Everything else is
done once, here, by :class:`CommandBus.execute`: check the actor against the role table,
answer a repeated idempotency key with the first result, run the handler, save every
aggregate it changed in one atomic write (with the idempotency record), and run it again when
a concurrent writer saved first. The events a command records are stamped by libops's
clock (:mod:`libops.domain.events`).

Services expose each command as a typed method (``ops.campaigns.plan(actor, name=...)``)
through :func:`command_method`, which takes its parameters from the command class: a
command's fields are written once, in its class.

What a command is (:class:`Command`, its converters) lives in
:mod:`~libops.application.command_model`, its plain-data form (:func:`structure`,
:func:`unstructure`) in :mod:`~libops.application.command_data`; both are importable from
here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import (
    Any,
    Concatenate,
    Generic,
    ParamSpec,
    TypeVar,
    cast,
    overload,
)
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import PersistenceError

from libops.application.app import KINDS, LibOpsApplication, digest, to_id
from libops.application.command_data import structure, unstructure
from libops.application.command_model import (
    IDEMPOTENCY_KEY_MAX,
    Command,
    items,
    optional_items,
)
from libops.application.dependencies import Dependencies
from libops.application.scopes import check_scope
from libops.domain.errors import (
    CommandArgumentsError,
    InvalidValueError,
    NotAnActorError,
    UnknownCommandError,
    UnknownIdError,
)
from libops.domain.events import stamped_by
from libops.domain.permissions import authorize_all, roles_for
from libops.domain.values import Actor, Role

R = TypeVar("R")
A = TypeVar("A", bound=Aggregate)
C = TypeVar("C", bound="Command[Any]")
P = ParamSpec("P")


# --- what a handler works with ------------------------------------------------------------


@attrs.frozen
class Context:
    """What a handler works with: loading aggregates, the clock and the configured parts.

    Every aggregate loaded or added through the context is saved when the handler returns,
    if it changed, together and atomically.
    """

    app: LibOpsApplication
    """The libops eventsourcing application (its recorder, for handlers that scan the log)."""
    deps: Dependencies
    """The configured parts (cadence policy, platform gateways, key store, ...)."""
    bus: CommandBus
    """The bus carrying the command out, for a handler that must record something apart."""
    _touched: dict[UUID, Aggregate] = attrs.field(factory=dict, init=False)
    _after_save: list[Callable[[], None]] = attrs.field(factory=list, init=False)

    def load(self, aggregate_type: type[A], aggregate_id: UUID | str) -> A:
        """The aggregate of ``aggregate_type`` with that id, or :class:`UnknownIdError`.

        Loading the same aggregate twice in one command gives the same object.
        """
        kind = KINDS.get(aggregate_type, aggregate_type.__name__)
        known = self._touched.get(to_id(aggregate_id, kind))
        if known is not None:
            if not isinstance(known, aggregate_type):
                raise UnknownIdError(kind, aggregate_id)
            return known
        aggregate: A = self.app.load(aggregate_type, aggregate_id)
        self._touched[aggregate.id] = aggregate
        return aggregate

    def find(self, aggregate_type: type[A], aggregate_id: UUID) -> A | None:
        """Like :meth:`load`, but None wherever :meth:`load` would raise
        :class:`UnknownIdError` (no such aggregate, or one of another type)."""
        try:
            return self.load(aggregate_type, aggregate_id)
        except UnknownIdError:
            return None

    def check(self, aggregate_type: type[Aggregate], *aggregate_ids: UUID | str | None) -> None:
        """Make sure each id given (None: none given) names an ``aggregate_type``."""
        for aggregate_id in aggregate_ids:
            if aggregate_id is not None:
                self.load(aggregate_type, aggregate_id)

    def add(self, aggregate: A) -> A:
        """Save a new aggregate with the command's other changes; returns it."""
        self._touched[aggregate.id] = aggregate
        return aggregate

    def now(self) -> datetime:
        """The time now, by libops's clock."""
        return self.app.clock.now()

    def after_save(self, action: Callable[[], None]) -> None:
        """Do ``action`` once the command's changes are saved (not if they are not)."""
        self._after_save.append(action)

    def saved(self) -> None:
        """Run what was to be done once the command's changes were saved."""
        for action in self._after_save:
            action()

    def execute(self, actor: Actor, command: Command[R]) -> R:
        """Carry out another command now, in its own transaction (kept if this one fails)."""
        return self.bus.execute(actor, command)

    def changed(self) -> list[Aggregate]:
        """The aggregates with events to save."""
        return [a for a in self._touched.values() if a.pending_events]


# --- the registry --------------------------------------------------------------------------

Handler = Callable[[Context, Actor, C], Any]


@attrs.frozen
class CommandSpec:
    """A registered command: its class, its handler and the roles that may give it."""

    type: type[Command[Any]]
    handler: Callable[[Context, Actor, Any], Any] | None
    """None until :func:`handles` registers one (a command without one cannot run)."""

    @property
    def name(self) -> str:
        """The command's name, e.g. ``campaign.plan``."""
        return self.type.NAME

    @property
    def requires(self) -> tuple[str, ...]:
        """The entries of the role table the acting person needs."""
        return self.type.REQUIRES or (self.type.NAME,)

    @property
    def roles(self) -> frozenset[Role]:
        """The roles that may give the command."""
        return roles_for(self.requires)


_REGISTRY: dict[str, CommandSpec] = {}


RESULT_TYPES: dict[type[Any], str] = {}
"""Result classes of keyed commands that are not libops values, by their stored name.

A keyed command's first result is stored with its idempotency key, so that a repeat can
answer with it; the bootstrap registers these beside the domain's value types. Add a class
with :func:`stored_result`."""

TResult = TypeVar("TResult", bound=type[Any])


def stored_result(name: str) -> Callable[[TResult], TResult]:
    """Register an attrs result class under ``name`` (``"libops.ClaimTicket"``) so a keyed
    command returning it can store it with its idempotency key; the name is never changed."""

    def register(cls: TResult) -> TResult:
        is_attrs: bool = attrs.has(cls)  # (not narrowed: the class is returned as given)
        if not is_attrs:
            raise TypeError(f"{cls.__qualname__} is not an attrs class")
        if name in RESULT_TYPES.values() and RESULT_TYPES.get(cls) != name:
            raise TypeError(f"the stored name {name!r} is taken")
        RESULT_TYPES[cls] = name
        return cls

    return register


def command(
    name: str,
    *,
    requires: tuple[str, ...] = (),
    calls: Callable[..., Any] | None = None,
    now: bool = False,
    refers_to: Mapping[str, type[Aggregate]] | None = None,
) -> Callable[[type[C]], type[C]]:
    """Name a command class and register it (put it above the class's ``@attrs.frozen``).

    ``name`` (``"campaign.plan"``) is the registry's and the idempotency record's name, and
    the command's entry in the role table unless ``requires`` names others. A name that is
    taken, or an entry the role table lacks, is refused here.

    ``calls`` is for a command that is one call of an aggregate method, and then its whole
    handler: a method (``Campaign.launch``) is called on the aggregate named by the command's
    first field, with the actor and the other fields by name, and its result is the
    command's; a class method (``Campaign.plan``) makes a new aggregate from the actor and
    every field, and the command returns the new aggregate's id. With ``now``, the method is
    also given ``now=``, the time by libops's clock; ``refers_to`` maps fields that name
    other aggregates (``{"campaign_id": Campaign}``) to their type, and each one given must
    exist. Any other command gets its handler from :func:`handles`.
    """

    def register(command_type: type[C]) -> type[C]:
        earlier = _REGISTRY.get(name)
        if earlier is not None:
            raise TypeError(
                f"two commands are named {name}: {earlier.type.__name__} and "
                f"{command_type.__name__}"
            )
        try:
            roles_for(requires or (name,))
        except KeyError as missing:
            raise TypeError(
                f"{command_type.__name__}: {missing} is not in the role table"
            ) from None
        handler = (
            None
            if calls is None
            else _one_call(command_type, calls, now=now, refers_to=refers_to or {})
        )
        command_type.NAME = name
        command_type.REQUIRES = requires
        _REGISTRY[name] = CommandSpec(command_type, handler)
        return command_type

    return register


def _one_call(
    command_type: type[C],
    method: Callable[..., Any],
    *,
    now: bool,
    refers_to: Mapping[str, type[Aggregate]],
) -> Callable[[Context, Actor, C], Any]:
    """The handler of a command that is one call of ``method`` (see :func:`command`)."""

    def given(ctx: Context, command: C) -> dict[str, Any]:
        for field, aggregate_type in refers_to.items():
            ctx.check(aggregate_type, getattr(command, field))
        return {"now": ctx.now()} if now else {}

    owner = getattr(method, "__self__", None)
    if isinstance(owner, type):  # a class method: the command makes a new aggregate

        def create(ctx: Context, actor: Actor, command: C) -> UUID:
            made: Aggregate = ctx.add(method(actor, **command.arguments(), **given(ctx, command)))
            return made.id

        return create
    aggregate_type = _owner(method)
    target = next(f.name for f in attrs.fields(command_type) if f.name != "idempotency_key")
    name = method.__name__

    def call(ctx: Context, actor: Actor, command: C) -> Any:
        aggregate = ctx.load(aggregate_type, getattr(command, target))
        return getattr(aggregate, name)(actor, **command.arguments(target), **given(ctx, command))

    return call


def _owner(method: Callable[..., Any]) -> type[Aggregate]:
    """The aggregate class ``method`` is defined on (``Campaign`` for ``Campaign.launch``)."""
    owner: Any = sys.modules.get(getattr(method, "__module__", None) or "")
    for part in getattr(method, "__qualname__", "").split(".")[:-1]:
        owner = getattr(owner, part, None)
    if not (isinstance(owner, type) and issubclass(owner, Aggregate)):
        raise TypeError(f"{method!r} is not a method of an aggregate")
    return owner


def handles(command_type: type[C]) -> Callable[[Handler[C]], Handler[C]]:
    """Register the decorated function as the handler of ``command_type``."""

    def register(handler: Handler[C]) -> Handler[C]:
        spec = _REGISTRY.get(getattr(command_type, "NAME", ""))
        if spec is None or spec.type is not command_type:
            raise TypeError(f"{command_type.__name__} is not declared with @command")
        if spec.handler is not None:
            raise TypeError(f"{command_type.__name__} has a handler already")
        _REGISTRY[spec.name] = CommandSpec(command_type, handler)
        return handler

    return register


def registered(command_type: type[Command[Any]]) -> CommandSpec:
    """The registration of a command class; :class:`UnknownCommandError` if it has none."""
    spec = _REGISTRY.get(getattr(command_type, "NAME", ""))
    if spec is None or spec.type is not command_type or spec.handler is None:
        raise UnknownCommandError(getattr(command_type, "__name__", repr(command_type)))
    return spec


def registry() -> Mapping[str, CommandSpec]:
    """The commands registered so far (see :mod:`libops.application.catalogue` for all)."""
    return dict(_REGISTRY)


def fingerprint(actor: Actor, command: Command[Any], deps: Dependencies) -> str:
    """A SHA-256 digest of the command's name, who gave it and its structured form.

    The form is the one earlier versions of libops digested, so a key recorded by them
    still matches the same command.
    """
    return digest(command.NAME, {"actor": actor, **command.fingerprint_data(deps)})


# --- the one execution path ----------------------------------------------------------------


class CommandBus:
    """Carries out commands: authorise, run the handler, save once, retry on conflict."""

    def __init__(self, app: LibOpsApplication, deps: Dependencies) -> None:
        self.app = app
        self.deps = deps

    def execute(
        self,
        actor: Actor,
        command: Command[R],
        *,
        prepare: Callable[[Context], None] | None = None,
    ) -> R:
        """Carry out ``command`` for ``actor`` and return its result.

        With an idempotency key, a repeat of the same command by the same person returns
        the first result and records nothing; the key used for anything else is refused.
        ``prepare``, if given, is called with the context before each run of the handler
        (after the role check): an interface checks a precondition there (the HTTP API's
        ``If-Match``), inside the retry loop, so a concurrent write cannot slip in between.
        """
        if not isinstance(actor, Actor):
            raise NotAnActorError(f"commands are given by an Actor, not a {type(actor).__name__}")
        if not isinstance(command, Command):
            raise UnknownCommandError(type(command).__name__)
        handler = registered(type(command)).handler
        assert handler is not None  # registered() refuses a command without one
        authorize_all(actor, command.permissions())
        key = command.idempotency_key
        if key is not None and not type(command).KEYED:
            raise InvalidValueError(
                f"{command.NAME} opens personal data, which is never stored: it takes no "
                "idempotency key"
            )
        last: list[Context] = []

        def run() -> tuple[list[Aggregate], Any]:
            context = Context(self.app, self.deps, self)
            last[:] = [context]
            if actor.scope is not None:  # a person limited to some campaigns or platforms
                check_scope(context, actor, command)
            if prepare is not None:
                prepare(context)
            result = handler(context, actor, command)
            return context.changed(), result

        try:
            with stamped_by(self.app.clock):
                result = self.app.execute(
                    command.NAME,
                    run,
                    idempotency_key=key,
                    fingerprint=None if key is None else fingerprint(actor, command, self.deps),
                )
        except PersistenceError as error:  # the store failed (an outage, a locked file)
            raise self.app.storage_error(error) from error
        for context in last:
            context.saved()
        # A first result read back from the store comes as a list where it was a tuple.
        return cast(R, tuple(result) if isinstance(result, list) else result)


# --- typed methods on services -------------------------------------------------------------


class Executes:
    """A service whose methods carry out commands through one :class:`CommandBus`."""

    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus

    @property
    def _app(self) -> LibOpsApplication:
        return self._bus.app

    @property
    def _deps(self) -> Dependencies:
        return self._bus.deps


class CommandMethod(Generic[P, R]):
    """A service method that builds a command from its arguments and carries it out.

    The method is made once per service object, on first use, and kept on it.
    """

    def __init__(self, command_type: Callable[P, Command[R]]) -> None:
        self.command_type = command_type
        self.__doc__ = command_type.__doc__
        self.name = getattr(command_type, "__name__", "command")

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, service: None, owner: type[Any]) -> CommandMethod[P, R]: ...

    @overload
    def __get__(
        self, service: Executes, owner: type[Any]
    ) -> Callable[Concatenate[Actor, P], R]: ...

    def __get__(
        self, service: Executes | None, owner: type[Any]
    ) -> CommandMethod[P, R] | Callable[Concatenate[Actor, P], R]:
        if service is None:
            return self
        bus = service._bus
        make = self.command_type

        def method(actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                command = make(*args, **kwargs)
            except TypeError as error:  # arguments the command does not take
                name = getattr(make, "NAME", self.name)
                raise CommandArgumentsError(name, None, str(error)) from None
            return bus.execute(actor, command)

        method.__doc__ = self.__doc__
        method.__name__ = self.name
        vars(service)[self.name] = method  # found before this descriptor from now on
        return method


def command_method(command_type: Callable[P, Command[R]]) -> CommandMethod[P, R]:
    """A typed service method for ``command_type``: ``(actor, *fields) -> result``."""
    return CommandMethod(command_type)


__all__ = [
    "IDEMPOTENCY_KEY_MAX",
    "RESULT_TYPES",
    "Command",
    "CommandBus",
    "CommandMethod",
    "CommandSpec",
    "Context",
    "Executes",
    "Handler",
    "command",
    "command_method",
    "fingerprint",
    "handles",
    "items",
    "optional_items",
    "registered",
    "registry",
    "stored_result",
    "structure",
    "unstructure",
]
