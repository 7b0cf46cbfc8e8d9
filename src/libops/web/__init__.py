"""The team's web app (docs/web.md): sign-in with sessions, the dashboard, the review queue,
the post editor, the users for admins and the public page that verifies a contest draw."""

from libops.web.app import (
    CSP,
    SECURITY_HEADERS,
    WebApp,
    create_web_app,
    mount_web,
    same_origin,
    web_routes,
)
from libops.web.sessions import Session, Sessions

__all__ = [
    "CSP",
    "SECURITY_HEADERS",
    "Session",
    "Sessions",
    "WebApp",
    "create_web_app",
    "mount_web",
    "same_origin",
    "web_routes",
]
