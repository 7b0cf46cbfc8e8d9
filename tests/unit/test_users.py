"""Users, passwords, API tokens, throttling and scopes (issue 15, people and access)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.application.authentication import (
    MAX_FAILURES,
    Authentication,
    Throttle,
    TokenAuthenticator,
    hash_password,
    parse_token,
    secret_hash,
    verify_password,
)
from libops.application.users import AddUser, IssuedToken, SetPassword
from libops.domain.errors import (
    AuthenticationError,
    InvalidTransitionError,
    InvalidValueError,
    LoginThrottledError,
    OutOfScopeError,
    PasswordPolicyError,
    PermissionDeniedError,
    TokenLifetimeError,
    TokenRolesError,
    UnknownIdError,
    UserExistsError,
)
from libops.domain.users import User, normalise_login, user_id
from libops.domain.values import Actor, Objective, Period, Platform, PostVariant, Role, Scope
from tests import actors
from tests.http.support import last_event

PASSWORD = "correct horse battery staple"
ADMIN = actors.ADMIN


def _add(ops: LibOps, login: str = "li.na", **fields: object) -> None:
    fields.setdefault("roles", ["content_planner", "reviewer"])
    ops.users.add(ADMIN, login=login, name="Li Na", **fields)  # type: ignore[arg-type]


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# --- passwords ------------------------------------------------------------------------------


class TestPasswordHashes:
    def test_salt_differs_and_both_verify(self) -> None:
        """Two hashes of one password differ (a fresh salt each) and both verify."""
        first, second = hash_password(PASSWORD), hash_password(PASSWORD)
        assert first != second
        assert verify_password(PASSWORD, first)
        assert verify_password(PASSWORD, second)

    def test_a_wrong_password_does_not_verify(self) -> None:
        stored = hash_password(PASSWORD)
        assert not verify_password(PASSWORD + "!", stored)
        assert not verify_password("", stored)

    def test_the_parameters_are_stored_with_the_hash(self) -> None:
        """scrypt's n, r and p are in the stored form; stronger ones verify too."""
        scheme, n, r, p, _salt, _key = hash_password(PASSWORD).split("$")
        assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
        stronger = hash_password(PASSWORD, n=2**15)
        assert stronger.split("$")[1] == "32768"
        assert verify_password(PASSWORD, stronger)

    @pytest.mark.parametrize("stored", ["", "md5$x", "scrypt$1$2$3$!!$??", "scrypt$a$b$c$d$e"])
    def test_a_malformed_hash_verifies_nothing(self, stored: str) -> None:
        assert not verify_password(PASSWORD, stored)

    @pytest.mark.parametrize("bad", ["short", "x" * 11, "x" * 1025])
    def test_the_length_policy(self, bad: str) -> None:
        """Under 12 or over 1,024 characters is refused, without repeating the password."""
        with pytest.raises(PasswordPolicyError) as refused:
            hash_password(bad)
        assert bad not in str(refused.value)


# --- the aggregate and its commands ----------------------------------------------------------


class TestUsers:
    def test_logins_are_normalised_and_give_the_id(self) -> None:
        assert normalise_login("  Li.Na@Branch ") == "li.na@branch"
        assert user_id("LI.NA") == user_id("li.na")
        for bad in ["", "   ", "-dash", "with space", "x" * 101, "李娜"]:
            with pytest.raises(InvalidValueError):
                normalise_login(bad)

    def test_add_and_read_back(self, ops: LibOps) -> None:
        """A user added is found by login, on every store, with roles and an open scope."""
        made = ops.users.add(ADMIN, login="Li.Na", name="Li Na", roles=["content_planner"])
        user = ops.users.get("li.na")
        assert made == user.id == user_id("li.na")
        assert (user.login, user.name, user.roles) == (
            "li.na",
            "Li Na",
            frozenset({Role.CONTENT_PLANNER}),
        )
        assert user.scope.unrestricted
        assert ops.users.logins() == ["li.na"]

    def test_a_login_is_taken_once(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        before = last_event(memory_ops)
        with pytest.raises(UserExistsError):
            _add(memory_ops, login="LI.NA")
        assert last_event(memory_ops) == before

    def test_bad_input_records_nothing(self, memory_ops: LibOps) -> None:
        for fields in [
            {"login": "bad login", "roles": ["reviewer"]},
            {"login": "ok", "roles": []},
            {"login": "ok", "roles": ["pope"]},
            {"login": "ok", "roles": ["reviewer"], "platforms": ["myspace"]},
            {"login": "ok", "roles": ["reviewer"], "campaigns": ["not-an-id"]},
        ]:
            with pytest.raises(InvalidValueError):
                memory_ops.users.add(ADMIN, name="X", **fields)  # type: ignore[arg-type]
        assert last_event(memory_ops) == 0

    def test_only_operations_admins_manage_users(self, memory_ops: LibOps) -> None:
        for actor in [actors.PLANNER, actors.TECH, actors.AUDITOR, actors.OWNER]:
            with pytest.raises(PermissionDeniedError):
                memory_ops.users.add(actor, login="x1", name="X", roles=["reviewer"])
        _add(memory_ops)
        with pytest.raises(PermissionDeniedError):
            memory_ops.users.change_roles(actors.TECH, login="li.na", roles=["operations_admin"])

    def test_roles_scopes_disable_enable(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        memory_ops.users.change_roles(ADMIN, login="li.na", roles=["reviewer"])
        memory_ops.users.change_scopes(ADMIN, login="li.na", platforms=["weibo"])
        memory_ops.users.disable(ADMIN, login="li.na", reason="left")
        user = memory_ops.users.get("li.na")
        assert user.roles == {Role.REVIEWER}
        assert user.scope == Scope(platforms=[Platform.WEIBO])
        assert user.disabled
        with pytest.raises(InvalidTransitionError):
            memory_ops.users.disable(ADMIN, login="li.na")
        memory_ops.users.enable(ADMIN, login="li.na")
        assert not memory_ops.users.get("li.na").disabled
        with pytest.raises(UnknownIdError):
            memory_ops.users.enable(ADMIN, login="nobody")

    def test_own_password_only_unless_admin(self, memory_ops: LibOps) -> None:
        """A user sets their own password; another user may not; an admin may."""
        _add(memory_ops)
        _add(memory_ops, login="wang.fang")
        herself = Actor("li.na", [Role.CONTENT_PLANNER])
        memory_ops.users.set_password(herself, login="li.na", password=PASSWORD)
        with pytest.raises(PermissionDeniedError):
            memory_ops.users.set_password(herself, login="wang.fang", password=PASSWORD)
        memory_ops.users.set_password(ADMIN, login="wang.fang", password=PASSWORD)
        with pytest.raises(PasswordPolicyError):
            memory_ops.users.set_password(herself, login="li.na", password="too short")

    def test_secret_commands_take_no_idempotency_key(self, memory_ops: LibOps) -> None:
        """A keyed command's result is stored: a password or a token never is."""
        _add(memory_ops)
        with pytest.raises(InvalidValueError):
            memory_ops.bus.execute(ADMIN, SetPassword("li.na", PASSWORD, idempotency_key="k"))

    def test_repr_hides_secrets(self) -> None:
        command = SetPassword("li.na", PASSWORD)
        assert PASSWORD not in repr(command)
        issued = IssuedToken("abc", "lo_secret_text", datetime(2026, 1, 1))
        assert "lo_secret_text" not in repr(issued)
        assert "li.na" in repr(AddUser("li.na", "Li Na", ["reviewer"]))


# --- tokens ----------------------------------------------------------------------------------


class TestTokens:
    def test_issue_and_authenticate(self, ops: LibOps) -> None:
        """A token proves its user with its roles, on every store; only its hash is kept."""
        _add(ops)
        issued = ops.users.issue_token(ADMIN, login="li.na", roles=["reviewer"], label="cms")
        user_part, token_id, secret = parse_token(issued.token)
        assert (user_part, token_id) == (user_id("li.na"), issued.token_id)
        assert ops.users.get("li.na").tokens[token_id].secret_hash == secret_hash(secret)
        actor = TokenAuthenticator(ops)(_bearer(issued.token))
        assert actor == Actor("li.na", [Role.REVIEWER], name="Li Na")

    def test_default_and_longest_lifetime(self, memory_ops: LibOps, clock: ManualClock) -> None:
        _add(memory_ops)
        issued = memory_ops.users.issue_token(ADMIN, login="li.na")
        assert issued.expires_at == clock.now() + timedelta(days=90)
        for days in [0, 367, -1]:
            with pytest.raises(TokenLifetimeError):
                memory_ops.users.issue_token(ADMIN, login="li.na", expires_days=days)

    def test_expiry(self, memory_ops: LibOps, clock: ManualClock) -> None:
        _add(memory_ops)
        issued = memory_ops.users.issue_token(ADMIN, login="li.na", expires_days=1)
        authenticate = TokenAuthenticator(memory_ops)
        clock.advance(timedelta(hours=23))
        assert authenticate(_bearer(issued.token)).id == "li.na"
        clock.advance(timedelta(hours=1))
        with pytest.raises(AuthenticationError, match="expired"):
            authenticate(_bearer(issued.token))

    def test_revocation_by_the_user_themself(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        herself = Actor("li.na", [Role.REVIEWER])
        issued = memory_ops.users.issue_token(herself, login="li.na", roles=["reviewer"])
        memory_ops.users.revoke_token(herself, login="li.na", token_id=issued.token_id)
        with pytest.raises(AuthenticationError, match="revoked"):
            TokenAuthenticator(memory_ops)(_bearer(issued.token))
        with pytest.raises(InvalidTransitionError):
            memory_ops.users.revoke_token(herself, login="li.na", token_id=issued.token_id)
        with pytest.raises(InvalidValueError):
            memory_ops.users.revoke_token(herself, login="li.na", token_id="nope")

    def test_someone_elses_tokens_are_refused(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        other = Actor("wang.fang", [Role.TECHNICAL_SUPPORT])
        with pytest.raises(PermissionDeniedError):
            memory_ops.users.issue_token(other, login="li.na")

    def test_a_disabled_user_is_refused(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        issued = memory_ops.users.issue_token(ADMIN, login="li.na")
        memory_ops.users.disable(ADMIN, login="li.na")
        with pytest.raises(AuthenticationError, match="disabled"):
            TokenAuthenticator(memory_ops)(_bearer(issued.token))
        with pytest.raises(InvalidTransitionError):
            memory_ops.users.issue_token(ADMIN, login="li.na")

    def test_roles_are_a_subset_of_the_users(self, memory_ops: LibOps) -> None:
        """A token cannot hold a role its user lacks; a role taken from the user leaves it."""
        _add(memory_ops)
        before = last_event(memory_ops)
        with pytest.raises(TokenRolesError):
            memory_ops.users.issue_token(ADMIN, login="li.na", roles=["operations_admin"])
        assert last_event(memory_ops) == before
        issued = memory_ops.users.issue_token(ADMIN, login="li.na")
        memory_ops.users.change_roles(ADMIN, login="li.na", roles=["reviewer"])
        actor = TokenAuthenticator(memory_ops)(_bearer(issued.token))
        assert actor.roles == {Role.REVIEWER}

    def test_a_token_cannot_issue_a_wider_one(self, memory_ops: LibOps) -> None:
        """Signed in with a planner-only token, a planner-and-reviewer user issues herself
        planner tokens only."""
        _add(memory_ops)
        narrow = memory_ops.users.issue_token(ADMIN, login="li.na", roles=["content_planner"])
        acting = TokenAuthenticator(memory_ops)(_bearer(narrow.token))
        again = memory_ops.users.issue_token(acting, login="li.na")
        assert memory_ops.users.get("li.na").tokens[again.token_id].roles == {Role.CONTENT_PLANNER}
        with pytest.raises(TokenRolesError):
            memory_ops.users.issue_token(acting, login="li.na", roles=["reviewer"])

    @pytest.mark.parametrize(
        "header",
        ["", "Basic abc", "Bearer ", "Bearer nonsense", "Bearer lo_zz_aa_bb", "Bearer lo_x"],
    )
    def test_malformed_credentials(self, memory_ops: LibOps, header: str) -> None:
        with pytest.raises(AuthenticationError):
            TokenAuthenticator(memory_ops)({"authorization": header} if header else {})

    def test_a_wrong_secret_is_refused(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        issued = memory_ops.users.issue_token(ADMIN, login="li.na")
        forged = issued.token[:-4] + ("AAAA" if not issued.token.endswith("AAAA") else "BBBB")
        with pytest.raises(AuthenticationError, match="unknown"):
            TokenAuthenticator(memory_ops)(_bearer(forged))


class TestPasswordSignIn:
    def test_sign_in(self, ops: LibOps) -> None:
        _add(ops)
        ops.users.set_password(ADMIN, login="li.na", password=PASSWORD)
        actor = Authentication(ops).password("LI.NA", PASSWORD)
        assert actor.id == "li.na"
        assert actor.roles == {Role.CONTENT_PLANNER, Role.REVIEWER}
        for login, password in [("li.na", "wrong password!"), ("nobody", PASSWORD), ("!", "x")]:
            with pytest.raises(AuthenticationError, match="unknown login or wrong password"):
                Authentication(ops).password(login, password)

    def test_a_user_without_a_password_cannot_sign_in_by_one(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        with pytest.raises(AuthenticationError):
            Authentication(memory_ops).password("li.na", PASSWORD)


# --- throttling ------------------------------------------------------------------------------


class TestThrottling:
    def test_five_failures_lock_the_login_out(self, memory_ops: LibOps, clock: ManualClock) -> None:
        """After five wrong passwords even the right one is refused, until the lockout ends."""
        _add(memory_ops)
        memory_ops.users.set_password(ADMIN, login="li.na", password=PASSWORD)
        auth = Authentication(memory_ops)
        for _ in range(MAX_FAILURES):
            with pytest.raises(AuthenticationError):
                auth.password("li.na", "wrong password!")
        with pytest.raises(LoginThrottledError) as throttled:
            auth.password("li.na", PASSWORD)
        assert throttled.value.retry_after == 15 * 60
        clock.advance(timedelta(minutes=15))
        assert auth.password("li.na", PASSWORD).id == "li.na"

    def test_a_success_resets_the_count(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        memory_ops.users.set_password(ADMIN, login="li.na", password=PASSWORD)
        auth = Authentication(memory_ops)
        for _ in range(2):
            for _ in range(MAX_FAILURES - 1):
                with pytest.raises(AuthenticationError):
                    auth.password("li.na", "wrong password!")
            auth.password("li.na", PASSWORD)

    def test_failures_outside_the_window_do_not_count(self, clock: ManualClock) -> None:
        throttle = Throttle(clock.now)
        for _ in range(MAX_FAILURES - 1):
            throttle.failed("k")
        clock.advance(timedelta(minutes=16))
        throttle.failed("k")
        throttle.check("k")

    def test_a_client_address_is_throttled_across_logins(self, memory_ops: LibOps) -> None:
        """Guessing many logins from one address locks the address out."""
        auth = Authentication(memory_ops)
        for n in range(MAX_FAILURES):
            with pytest.raises(AuthenticationError):
                auth.password(f"user{n}", PASSWORD, client="203.0.113.9")
        with pytest.raises(LoginThrottledError):
            auth.password("someone.else", PASSWORD, client="203.0.113.9")
        with pytest.raises(AuthenticationError) as other:
            auth.password("someone.else", PASSWORD, client="198.51.100.1")
        assert not isinstance(other.value, LoginThrottledError)

    def test_wrong_token_secrets_are_throttled(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        issued = memory_ops.users.issue_token(ADMIN, login="li.na")
        authenticate = TokenAuthenticator(memory_ops)
        user_part, token_id, _ = parse_token(issued.token)
        for _ in range(MAX_FAILURES):
            with pytest.raises(AuthenticationError):
                authenticate(_bearer(f"lo_{user_part.hex}_{token_id}_guess"))
        with pytest.raises(LoginThrottledError):
            authenticate(_bearer(issued.token))


# --- scopes ----------------------------------------------------------------------------------


def _campaign(ops: LibOps, name: str, platforms: list[str]) -> UUID:
    return ops.campaigns.plan(
        actors.PLANNER,
        name=name,
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        platforms=platforms,
        objectives=[Objective("reads", 1000)],
    )


def _draft(ops: LibOps, actor: Actor, campaign_id: UUID | None) -> UUID:
    return ops.posts.draft(
        actor,
        title="New books",
        body="Twelve new books this week.",
        content_type="news",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "Twelve new books this week.")],
        campaign_id=campaign_id,
    )


class TestScopes:
    def test_actor_scope_defaults_to_unrestricted(self) -> None:
        assert Actor("a", [Role.REVIEWER]).scope is None
        assert Actor("a", [Role.REVIEWER], scope=Scope()).scope is None
        with pytest.raises(InvalidValueError):
            Actor("a", [Role.REVIEWER], scope="weibo")  # type: ignore[arg-type]

    def test_a_branch_planner_acts_on_their_campaign_only(self, ops: LibOps) -> None:
        """Scoped to one campaign: drafting for it works, for another is refused and records
        nothing; an unrestricted planner may act on both. On every store."""
        ours = _campaign(ops, "Branch reading week", ["weibo"])
        theirs = _campaign(ops, "Central library fair", ["weibo"])
        branch = Actor("branch-1", [Role.CONTENT_PLANNER], scope=Scope(campaigns=[ours]))
        _draft(ops, branch, ours)
        before = last_event(ops)
        with pytest.raises(OutOfScopeError) as refused:
            _draft(ops, branch, theirs)
        assert isinstance(refused.value, PermissionDeniedError)
        assert str(theirs) in str(refused.value)
        with pytest.raises(OutOfScopeError, match="about none"):
            _draft(ops, branch, None)
        with pytest.raises(OutOfScopeError):
            ops.campaigns.plan(
                branch,
                name="A new one",
                kind="topic",
                period=Period(date(2026, 5, 1), date(2026, 5, 2)),
            )
        assert last_event(ops) == before
        _draft(ops, actors.PLANNER, theirs)

    def test_a_post_is_judged_by_its_campaign(self, memory_ops: LibOps) -> None:
        """A command naming only a post is checked against the post's campaign (loaded)."""
        ours = _campaign(memory_ops, "Ours", ["weibo"])
        theirs = _campaign(memory_ops, "Theirs", ["weibo"])
        branch = Actor("branch-1", [Role.CONTENT_PLANNER], scope=Scope(campaigns=[ours]))
        post = _draft(memory_ops, actors.PLANNER, theirs)
        with pytest.raises(OutOfScopeError):
            memory_ops.posts.submit_for_review(branch, post)
        mine = _draft(memory_ops, branch, ours)
        memory_ops.posts.submit_for_review(branch, mine)

    def test_platform_scope(self, memory_ops: LibOps) -> None:
        """Scoped to Weibo's account: a campaign on Weibo only is theirs, one also on WeChat
        is not."""
        weibo_only = _campaign(memory_ops, "Weibo week", ["weibo"])
        both = _campaign(memory_ops, "Both", ["weibo", "wechat"])
        admin = Actor("branch-admin", [Role.OPERATIONS_ADMIN], scope=Scope(platforms=["weibo"]))
        memory_ops.campaigns.launch(admin, weibo_only)
        with pytest.raises(OutOfScopeError, match="wechat"):
            memory_ops.campaigns.launch(admin, both)
        planner = Actor("branch-1", [Role.CONTENT_PLANNER], scope=Scope(platforms=["weibo"]))
        memory_ops.campaigns.plan(
            planner,
            name="New",
            kind="topic",
            period=Period(date(2026, 5, 1), date(2026, 5, 2)),
            platforms=["weibo"],
        )
        with pytest.raises(OutOfScopeError):
            memory_ops.campaigns.plan(
                planner,
                name="New 2",
                kind="topic",
                period=Period(date(2026, 5, 1), date(2026, 5, 2)),
                platforms=["douyin"],
            )

    def test_scoped_people_look_after_their_own_credentials(self, memory_ops: LibOps) -> None:
        """A scoped person may set their own password and issue and revoke their own tokens
        (about no campaign), but a scoped admin may not manage other users."""
        ours = _campaign(memory_ops, "Ours", ["weibo"])
        _add(memory_ops, campaigns=[ours])
        herself = memory_ops.users.get("li.na").actor()
        memory_ops.users.set_password(herself, login="li.na", password=PASSWORD)
        issued = memory_ops.users.issue_token(herself, login="li.na")
        memory_ops.users.revoke_token(herself, login="li.na", token_id=issued.token_id)
        branch_admin = Actor("b", [Role.OPERATIONS_ADMIN], scope=Scope(campaigns=[ours]))
        with pytest.raises(OutOfScopeError):
            memory_ops.users.add(branch_admin, login="new", name="N", roles=["reviewer"])
        with pytest.raises(OutOfScopeError):
            memory_ops.users.set_password(branch_admin, login="li.na", password=PASSWORD)

    def test_a_scoped_users_token_carries_the_scope(self, memory_ops: LibOps) -> None:
        ours = _campaign(memory_ops, "Ours", ["weibo"])
        _add(memory_ops, campaigns=[ours])
        issued = memory_ops.users.issue_token(ADMIN, login="li.na")
        actor = TokenAuthenticator(memory_ops)(_bearer(issued.token))
        assert actor.scope == Scope(campaigns=[ours])


# --- secrets stay secret ---------------------------------------------------------------------


def test_secrets_never_in_events_repr_or_logs(
    memory_ops: LibOps, caplog: pytest.LogCaptureFixture
) -> None:
    """Over a whole flow (add, password, token, sign-ins good and bad), neither the password
    nor the token's secret is in any stored event, any log record or any repr."""
    caplog.set_level(logging.DEBUG)
    _add(memory_ops)
    memory_ops.users.set_password(ADMIN, login="li.na", password=PASSWORD)
    issued = memory_ops.users.issue_token(ADMIN, login="li.na")
    secret = parse_token(issued.token)[2]
    auth = TokenAuthenticator(memory_ops)
    auth(_bearer(issued.token))
    Authentication(memory_ops).password("li.na", PASSWORD)
    for wrong in ["wrong password!", PASSWORD + "x"]:
        with pytest.raises(AuthenticationError) as refused:
            Authentication(memory_ops).password("li.na", wrong)
        assert wrong not in str(refused.value)
    with pytest.raises(AuthenticationError) as refused_token:
        auth(_bearer(issued.token + "x"))
    assert secret not in str(refused_token.value)
    stored = [
        n.state.decode("utf-8", "replace")
        for n in memory_ops.app.recorder.select_notifications(start=1, limit=1000)
    ]
    user = memory_ops.users.get("li.na")
    texts = [*stored, *(r.getMessage() for r in caplog.records), repr(user), repr(issued)]
    texts += [repr(t) for t in user.tokens.values()] + [repr(auth)]
    for text in texts:
        assert PASSWORD not in text
        assert secret not in text
        assert issued.token not in text
    assert any("scrypt$" in text for text in stored)  # the hash is there, the password not
    assert isinstance(memory_ops.app.load(User, user_id("li.na")), User)
