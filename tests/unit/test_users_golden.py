"""The golden file of the User aggregate (``tests/golden/user_events.json``): its stored form
is fixed, decoded field by field against expectations written out here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from libops import LibOps
from libops.application.authentication import verify_password
from libops.domain.users import User, user_id
from libops.domain.values import Platform, Role, Scope
from tests.unit.test_golden import _assert_decodes, _assert_records, _loaded, fresh_ops

__all__ = ["fresh_ops"]  # the fixture, used by name

LI_NA = UUID("13a9d96c-facc-50ca-8ffc-7bbf9decd0e6")
CAMPAIGN = UUID("05e40000-0000-4000-8000-00000000ca01")
PASSWORD_HASH = (
    "scrypt$16384$8$1$AJW-ep7B2PED-9DE7mV_yA$72nLliLLQHNbWhXhH3RQ2WeKY3P46I61vJ9JPl6XyFg"
)
TOKEN_ID = "af7618f25e6ca8ab"
SECRET_HASH = "e5a99fea6f51ee44ec098d937e1b8566715011a4b6754249f00627e55d07d49d"

USER_EVENTS: list[tuple[type[Any], UUID, int, dict[str, Any]]] = [
    (
        User.Added,
        LI_NA,
        1,
        {
            "originator_topic": "libops:User",
            "actor_id": "admin-1",
            "login": "li.na",
            "name": "Li Na",
            "roles": [Role.CONTENT_PLANNER],
            "platforms": [Platform.WEIBO],
            "campaigns": [CAMPAIGN],
        },
    ),
    (User.PasswordSet, LI_NA, 2, {"actor_id": "li.na", "password_hash": PASSWORD_HASH}),
    (
        User.RolesChanged,
        LI_NA,
        3,
        {"actor_id": "admin-1", "roles": [Role.CONTENT_PLANNER, Role.REVIEWER]},
    ),
    (
        User.ScopesChanged,
        LI_NA,
        4,
        {"actor_id": "admin-1", "platforms": [Platform.WECHAT, Platform.WEIBO], "campaigns": None},
    ),
    (
        User.TokenIssued,
        LI_NA,
        5,
        {
            "actor_id": "admin-1",
            "token_id": TOKEN_ID,
            "secret_hash": SECRET_HASH,
            "roles": [Role.REVIEWER],
            "expires_at": datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
            "label": "cms",
        },
    ),
    (User.TokenRevoked, LI_NA, 6, {"actor_id": "admin-1", "token_id": TOKEN_ID}),
    (User.Disabled, LI_NA, 7, {"actor_id": "admin-1", "reason": "on leave"}),
    (User.Enabled, LI_NA, 8, {"actor_id": "admin-1"}),
]


class TestUserGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        _assert_records("user_events.json", USER_EVENTS)

    def test_events_decode_to_the_expected_values(self, fresh_ops: LibOps) -> None:
        """Each stored record decodes to exactly the expected event, field by field."""
        _assert_decodes(fresh_ops, "user_events.json", USER_EVENTS)

    def test_the_user_reconstructs(self, fresh_ops: LibOps) -> None:
        """The user comes back as the events left them, found by login; the stored
        password hash still verifies (its parameters are read from it)."""
        ops = _loaded(fresh_ops, "user_events.json")
        assert user_id("LI.NA ") == LI_NA
        user = ops.users.get("li.na")
        assert (user.login, user.name, user.disabled) == ("li.na", "Li Na", False)
        assert user.roles == {Role.CONTENT_PLANNER, Role.REVIEWER}
        assert user.scope == Scope(platforms=[Platform.WECHAT, Platform.WEIBO])
        (token,) = user.tokens.values()
        assert (token.token_id, token.revoked, token.roles) == (
            TOKEN_ID,
            True,
            frozenset({Role.REVIEWER}),
        )
        assert user.password_hash == PASSWORD_HASH
        assert verify_password("a long pass phrase", PASSWORD_HASH)
        assert ops.users.logins() == ["li.na"]
