"""Outgoing notifications: webhook endpoints, their file, signatures and senders.

See docs/notifications.md. :class:`Endpoint` is a
:class:`~libops.application.notifications.Subscriber`: give a list of them to a
:class:`~libops.application.notifications.NotificationDeliverer`.
"""

from __future__ import annotations

from libops.adapters.webhooks.endpoints import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    Endpoint,
    add_endpoint,
    config_path,
    find_endpoint,
    load_endpoints,
    remove_endpoint,
    save_endpoints,
)
from libops.adapters.webhooks.senders import FORMATS, email_message, sender_for
from libops.adapters.webhooks.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    dingtalk_sign,
    feishu_sign,
    sign,
    verify_signature,
)

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG",
    "DELIVERY_HEADER",
    "FORMATS",
    "SIGNATURE_HEADER",
    "Endpoint",
    "SignatureError",
    "add_endpoint",
    "config_path",
    "dingtalk_sign",
    "email_message",
    "feishu_sign",
    "find_endpoint",
    "load_endpoints",
    "remove_endpoint",
    "save_endpoints",
    "sender_for",
    "sign",
    "verify_signature",
]
