"""How a WeChat article is published and found again: the draft (``draft/add``), its
submission (``freepublish/submit``) and the polling of the publish job (``freepublish/get``),
with the ledger (idempotency key → draft, publish job, article) and the look-ups by
fingerprint in the draft box and among the latest publications that keep a lost answer
from publishing twice. :class:`WeChatPublishing` is a base of
:class:`~libops.adapters.platforms_http.wechat.WeChatGateway`."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

from libops.adapters.platforms_http._http import (
    HttpRetry,
    Sleep,
)
from libops.adapters.platforms_http._wechat_api import (
    FAILED_STATES,
    INVALID_MEDIA,
    PAGE,
    SCANNED,
    count_of,
    fingerprint,
)
from libops.adapters.platforms_http._wechat_calls import WeChatCalls
from libops.domain.errors import (
    PlatformError,
    PlatformPublicationFailedError,
)
from libops.domain.values import (
    Platform,
    PostVariant,
    PublishReceipt,
)


class WeChatPublishing(WeChatCalls):
    """Publishes articles through the calls of :class:`WeChatCalls`; the gateway's
    constructor sets the covers, author, comment setting, waits and ledger it reads."""

    _covers: dict[str, str]
    _author: str
    _open_comments: bool
    _publish_wait: timedelta
    _retry: HttpRetry
    _sleep: Sleep
    _rng: random.Random
    _ledger: MutableMapping[str, str]
    _articles: dict[str, tuple[str, datetime]]

    def _draft(
        self,
        key: str,
        entry: Mapping[str, Any],
        variant: PostVariant,
        title: str,
        content: str,
        text: str,
    ) -> str:
        """The draft's ``media_id``: one an earlier attempt made whose answer was lost (found
        in the draft box by its fingerprint and text), or a new one."""
        mark = fingerprint(key)

        def look_up() -> dict[str, Any] | None:
            return self._find_draft(mark, content)

        if entry.get("drafting") == text:
            found = look_up()
            if found is not None:
                return str(found["media_id"])
        self._save(key, {"drafting": text})
        return self._add_draft(variant, title, content, look_up)

    def _find_draft(self, mark: str, content: str) -> dict[str, Any] | None:
        """The newest draft in the draft box (``draft/batchget``, 100 at most) whose content
        carries ``mark`` and is ``content``."""
        needle = f'data-libops="{mark}"'
        for item, first in self._listed("/cgi-bin/draft/batchget", with_content=True):
            body = str(first.get("content") or "")
            if needle in body and body == content and isinstance(item.get("media_id"), str):
                return {"media_id": item["media_id"]}
        return None

    def _listed(
        self, path: str, *, with_content: bool
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """The newest entries of a ``batchget`` list (the draft box, the publications), 20 a
        page and 100 at most, each with its first news item; a page is asked for only when
        the one before it was read through."""
        offset = 0
        while offset < SCANNED:
            data = self._call(
                path, {"offset": offset, "count": PAGE, "no_content": 0 if with_content else 1}
            )
            items = [i for i in data.get("item") or [] if isinstance(i, dict)]
            for item in items:
                news = list((item.get("content") or {}).get("news_item") or [])
                yield item, news[0] if news and isinstance(news[0], dict) else {}
            offset += len(items)
            if not items or offset >= count_of(data.get("total_count")):
                break

    def _add_draft(
        self,
        variant: PostVariant,
        title: str,
        content: str,
        look_up: Callable[[], dict[str, Any] | None],
    ) -> str:
        reference = variant.media[0] if variant.media else ""
        article: dict[str, Any] = {
            "article_type": "news",
            "title": title,
            "content": content,
            "thumb_media_id": self._covers.get(reference, reference),
            "need_open_comment": 1 if self._open_comments else 0,
        }
        if self._author:
            article["author"] = self._author
        if variant.link:
            article["content_source_url"] = variant.link
        data = self._call(
            "/cgi-bin/draft/add", {"articles": [article]}, before_retry=look_up, publishing=True
        )
        media_id = data.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise PlatformError("wechat: draft/add answered without a media_id", retryable=True)
        return media_id

    def _submit(self, key: str, entry: dict[str, Any], mark: str) -> dict[str, Any]:
        """Submit the draft; if an earlier submit of it may have gone through, look for the
        article instead of publishing it again."""
        sent_before = bool(entry.get("submitted"))
        entry = {**entry, "submitted": True}
        self._save(key, entry)

        def look_up() -> dict[str, Any] | None:
            return self._scan(mark)

        data = self._call(
            "/cgi-bin/freepublish/submit",
            {"media_id": entry["media_id"]},
            allow=frozenset((INVALID_MEDIA,)),
            before_retry=look_up,
            publishing=True,
        )
        if "article_id" in data:  # found by the look-up before a retry
            entry = {**entry, **data}
            self._save(key, entry)
            return entry
        if data.get("errcode") == INVALID_MEDIA:
            if sent_before or data.get("_retried"):
                return self._await_lost(key, entry, mark)
            raise self._start_over(
                key,
                f"wechat: the draft {entry['media_id']!r} is no longer in the draft box "
                "(40007); publishing again makes a new draft",
            )
        publish_id = data.get("publish_id")
        if publish_id is None:
            raise PlatformError("wechat: freepublish/submit gave no publish_id", retryable=True)
        entry = {**entry, "publish_id": str(publish_id)}
        if data.get("msg_data_id") is not None:
            entry["msg_data_id"] = str(data["msg_data_id"])
        self._save(key, entry)
        return entry

    def _await_lost(self, key: str, entry: dict[str, Any], mark: str) -> dict[str, Any]:
        """An earlier submit took the draft but its answer was lost: wait for the article to
        appear among the publications (bounded), never submitting again."""
        for wait in self._poll_waits():
            found = self._scan(mark)
            if found is not None:
                entry = {**entry, **found}
                self._save(key, entry)
                return entry
            if wait is None:
                break
            self._sleep(wait)
        raise PlatformError(
            "wechat: an earlier submit of this article was accepted but its answer was lost, "
            "and the article is not out yet (still publishing, or failed); libops looks "
            "for it again on the next attempt and does not submit it twice",
            retryable=True,
        )

    def _await(self, key: str, entry: dict[str, Any]) -> PublishReceipt:
        """Poll ``freepublish/get`` with growing waits until the publication succeeded or
        failed, for at most ``publish_wait``."""
        for wait in self._poll_waits():
            data = self._job(entry["publish_id"])
            if data.get("errcode") == INVALID_MEDIA:
                raise self._start_over(
                    key,
                    f"wechat does not know the publish job {entry['publish_id']!r} any more; "
                    "publishing again starts over",
                )
            status = data.get("publish_status")
            if status == 0:
                return self._receipt(self._succeeded(key, entry, data))
            if status in FAILED_STATES:
                reason, words = FAILED_STATES[status]
                if status in (2, 3, 4):
                    self._save(key, {})  # the draft stays; a later publish makes a new one
                failed = ", ".join(str(i) for i in data.get("fail_idx") or [])
                where = f" (articles {failed})" if failed else ""
                raise PlatformPublicationFailedError(
                    "wechat",
                    reason,
                    f"{words}{where}; fix it in the back office or publish the article "
                    "by hand and record it (post.record_manual_publication)",
                )
            if status != 1:
                raise PlatformError(
                    f"wechat sent an unknown publish_status {status!r}", retryable=True
                )
            if wait is None:
                break
            self._sleep(wait)
        raise PlatformError(
            f"wechat is still publishing the article after {self._publish_wait}; libops "
            "polls the same publish job again on the next attempt",
            retryable=True,
        )

    def _job(self, publish_id: str) -> dict[str, Any]:
        """What ``freepublish/get`` says of the publish job ``publish_id`` (a job WeChat
        does not know answers :data:`INVALID_MEDIA`)."""
        return self._call(
            "/cgi-bin/freepublish/get",
            {"publish_id": publish_id},
            allow=frozenset((INVALID_MEDIA,)),
        )

    def _start_over(self, key: str, why: str) -> PlatformError:
        """Forget how far the publish with ``key`` got (what it made is gone), so that it
        starts over when tried again; the retryable error saying ``why``."""
        self._save(key, {})
        return PlatformError(why, retryable=True)

    def _poll_waits(self) -> list[float | None]:
        """Waits between polls: 1, 2, 4 ... seconds (jittered, at most ``max_delay``),
        adding up to at most ``publish_wait``; the last entry is None (no wait after it)."""
        waits: list[float | None] = []
        total, step = 0.0, 1.0
        budget = self._publish_wait.total_seconds()
        while True:
            wait = min(step, self._retry.max_delay) * self._rng.uniform(0.75, 1.0)
            if total + wait > budget:
                break
            waits.append(wait)
            total += wait
            step *= 2
        return [*waits, None]

    def _succeeded(
        self, key: str, entry: dict[str, Any], data: Mapping[str, Any]
    ) -> dict[str, Any]:
        items = (data.get("article_detail") or {}).get("item") or []
        urls = [i.get("article_url") for i in items if isinstance(i, dict)]
        if not data.get("article_id") or not urls or not isinstance(urls[0], str):
            raise PlatformError(
                "wechat reported a publication without its article_id or URL", retryable=True
            )
        entry = {
            **entry,
            "article_id": str(data["article_id"]),
            "url": urls[0],
            "published_at": self._clock.now().isoformat(),
        }
        self._save(key, entry)
        return entry

    def _scan(self, mark: str = "", article_id: str = "") -> dict[str, Any] | None:
        """The latest publications (``freepublish/batchget``, 20 a page, 100 at most): the
        one carrying ``mark`` in its content, or with ``article_id``."""
        needle = f'data-libops="{mark}"'
        for item, first in self._listed("/cgi-bin/freepublish/batchget", with_content=bool(mark)):
            if first.get("is_deleted"):
                continue
            hit = (mark and needle in str(first.get("content") or "")) or (
                article_id and str(item.get("article_id")) == article_id
            )
            if hit and isinstance(first.get("url"), str):
                at = datetime.fromtimestamp(count_of(item.get("update_time")), UTC)
                found = {
                    "article_id": str(item["article_id"]),
                    "url": first["url"],
                    "published_at": at.isoformat(),
                }
                self._articles[found["article_id"]] = (found["url"], at)
                return found
        return None

    def _receipt(self, entry: Mapping[str, Any]) -> PublishReceipt:
        at = datetime.fromisoformat(str(entry["published_at"]))
        self._articles[str(entry["article_id"])] = (str(entry["url"]), at)
        return PublishReceipt(
            platform=Platform.WECHAT,
            external_id=str(entry["article_id"]),
            url=str(entry["url"]),
            published_at=at,
        )

    # --- the ledger ----------------------------------------------------------------------

    def _entry(self, key: str) -> dict[str, Any]:
        with self._lock:
            raw = self._ledger.get(key)
        if not raw:
            return {}
        try:
            entry = json.loads(raw)
        except ValueError:
            return {}
        return entry if isinstance(entry, dict) else {}

    def _save(self, key: str, entry: Mapping[str, Any]) -> None:
        with self._lock:
            if entry:
                clean = {k: v for k, v in entry.items() if not k.startswith("_")}
                self._ledger[key] = json.dumps(clean, sort_keys=True)
            else:
                self._ledger.pop(key, None)
