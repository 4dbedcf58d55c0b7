"""The fake Telegram Bot API of the end-to-end bot tests: the shipped in-process Bot API
(bot/demo_chat/bot_api.py, which `shuangsuiji demo` plays its chat on) plus what only tests
need: fault injection (HTTP errors, network failures, 429 rate limits, blocked users), webhook
delivery, groups, photos, locations and files sent by users, and more assertions.

    fake = FakeTelegram()
    app = fake.application_builder().build()   # or ApplicationBuilder().token(fake.token)
    ...                                         #   .request(FakeRequest(fake))
    ...                                         #   .get_updates_request(FakeRequest(fake))
    wang = fake.user(1001, first_name="王伟")
    async with run_application(app, fake):
        fake.send_text(wang, "/start ABC")
        await fake.until_idle()
    assert fake.last_text(1001) == "..."
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import math
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError, TelegramError
from telegram.request import RequestData

from bot.demo_chat.bot_api import (
    _DEFAULT_DESCRIPTIONS,
    JSON,
    ApiError,
    Call,
    OfflineBotApi,
    TgUser,
    UploadedFile,
    _Entry,
    _scope_key,
    _StoredFile,
    command_entities,
    json_copy,
    run_application,
)
from bot.demo_chat.bot_api import OfflineRequest as FakeRequest

TOKEN = "7003214321:AAFakeTokenForTestsOnly_0123456789abc"

__all__ = [
    "TOKEN",
    "ApiError",
    "Call",
    "FakeRequest",
    "FakeTelegram",
    "TgUser",
    "UploadedFile",
    "run_application",
]


@dataclass
class _Fault:
    error_code: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _NetworkFault:
    remaining: int
    method: str | None
    after_delivery: bool
    error: Callable[[], TelegramError]


class _Limiter:
    """A sliding window: at most ``capacity`` events per ``window`` seconds."""

    def __init__(self, rate: float) -> None:
        self.window = max(1.0, 1.0 / rate)
        self.capacity = max(1, round(rate * self.window))
        self.events: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self.events and self.events[0] <= now - self.window:
            self.events.popleft()
        if len(self.events) < self.capacity:
            return 0.0
        return self.events[0] + self.window - now


class FakeTelegram(OfflineBotApi):
    """The in-process Bot API with the tests' controls."""

    def __init__(self, token: str = TOKEN, **options: Any) -> None:
        super().__init__(token, **options)
        self.rate_limited = 0
        self.network_failures = 0
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._network_faults: list[_NetworkFault] = []
        self._global_limit: _Limiter | None = None
        self._chat_limit_rate: float | None = None
        self._chat_limits: dict[int, _Limiter] = {}
        self._rate_clock: Callable[[], float] = self.clock

    # ----------------------------------------------------------------- users and updates

    def group(self, chat_id: int, title: str = "执法群") -> JSON:
        """Register a supergroup the bot is in; returns its chat dict for messages sent there."""
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        self._groups[chat_id] = chat
        self._message_ids.setdefault(chat_id, itertools.count(1))
        return chat

    def send_text_in_group(self, user: TgUser, chat_id: int, text: str) -> JSON:
        """The user writes ``text`` in a registered group; commands get their entities."""
        if user.id not in self._users:
            self._users[user.id] = user
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "from": user.to_dict(),
            "chat": dict(self._groups[chat_id]),
            "date": self._now(),
            "text": text,
        }
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        self._messages[chat_id][message["message_id"]] = message
        return self.add_update({"message": json_copy(message)})

    def edit_text(self, user: TgUser, sent: JSON, text: str) -> JSON:
        """The user edits a message he sent (``sent``: the update send_text returned) to read
        ``text``: Telegram sends an ``edited_message`` update, with the new entities."""
        message = json_copy(sent["message"])
        message["text"], message["edit_date"] = text, self._now()
        message.pop("entities", None)
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        self._messages[user.id][message["message_id"]] = message
        return self.add_update({"edited_message": message})

    def tap_keyboard(self, user: TgUser, button_text: str) -> JSON:
        """The user taps a reply-keyboard button: Telegram sends its text as a message."""
        keyboard = self._reply_keyboards.get(user.id) or []
        if not any(button_text in row for row in keyboard):
            raise ValueError(f"no reply-keyboard button {button_text!r}; keyboard: {keyboard}")
        return self.send_text(user, button_text)

    def send_document(
        self,
        user: TgUser,
        file_bytes: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
    ) -> JSON:
        """The user sends a file; the bot can get_file() and download it."""
        stored = self._store_file(file_bytes, file_name, mime_type, "documents")
        message = self._user_message(user, document=self._document_dict(stored))
        if caption:
            message["caption"] = caption
        return self.add_update({"message": message})

    def send_photo(
        self,
        user: TgUser,
        file_bytes: bytes,
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        media_group_id: str | None = None,
    ) -> JSON:
        message = self._user_message(user, photo=self._photo_sizes(file_bytes, width, height))
        if caption:
            message["caption"] = caption
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        return self.add_update({"message": message})

    def send_album(self, user: TgUser, photos: list[bytes]) -> list[JSON]:
        """Up to 10 photos picked at once: Telegram delivers one update per photo, within
        milliseconds, all with the same ``media_group_id``."""
        group = f"1{next(self._file_counter):017d}"
        return [self.send_photo(user, data, media_group_id=group) for data in photos]

    def duplicate_last_update(self) -> JSON:
        """Deliver the last update once more with the same update_id, as Telegram may after a
        crash: it is handed out even if the bot already confirmed that id."""
        if self._last_update is None:
            raise ValueError("no update to duplicate")
        update = json_copy(self._last_update)
        self._push(_Entry(update, next(self._seq), forced=True))
        return update

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot (via a later getUpdates offset or webhook 200)."""
        return len(self._entries)

    def add_file(
        self,
        file_id: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> str:
        """Serve ``data`` for getFile(file_id) and its download URL."""
        n = next(self._file_counter)
        suffix = file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        self._files[file_id] = _StoredFile(
            file_id, f"AgAD{n:06d}", data, file_name, mime_type, f"documents/file_{n}.{suffix}"
        )
        return file_id

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error (status = error_code).
        For 429 the description and retry_after default to Telegram's
        "Too Many Requests: retry after N" with N = retry_after or 1."""
        if error_code == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
        self._faults[method].append(_Fault(error_code, description, retry_after, times))

    def fail_network(
        self,
        times: int = 1,
        method: str | None = None,
        *,
        after_delivery: bool = False,
        error: Callable[[], TelegramError] | None = None,
    ) -> None:
        """Make ``do_request`` raise ``NetworkError`` for the next ``times`` calls of ``method``
        (``None``: any method but getUpdates, which the poller calls all the time). With
        ``after_delivery`` the server handles the call first (the message *is* sent) and only
        the answer is lost."""
        self._network_faults.append(
            _NetworkFault(
                times,
                method,
                after_delivery,
                error or (lambda: NetworkError("httpx.ConnectError: [Errno 104] reset by peer")),
            )
        )

    def enforce_rate_limit(
        self,
        per_second: float = 30,
        per_chat_per_second: float = 1,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Answer 429 with retry_after to sends beyond ``per_second`` overall or
        ``per_chat_per_second`` per chat (sliding one-second windows on ``clock``)."""
        self._rate_clock = clock or self.clock
        self._global_limit = _Limiter(per_second)
        self._chat_limit_rate = per_chat_per_second
        self._chat_limits = {}

    def block_user(self, chat_id: int) -> None:
        """The user blocked the bot: sends to that chat answer 403."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """The custom reply keyboard the user currently sees, if any."""
        return self._reply_keyboards.get(chat_id)

    def commands_for(self, chat_id: int, language_code: str | None = None) -> list[tuple[str, str]]:
        """The command menu a private chat sees, resolved like Telegram does: chat scope, then
        all private chats, then default; each with the user's language first."""
        lang = language_code
        if lang is None and chat_id in self._users:
            lang = self._users[chat_id].language_code
        scopes = [
            _scope_key({"type": "chat", "chat_id": chat_id}),
            _scope_key({"type": "all_private_chats"}),
            _scope_key({"type": "default"}),
        ]
        for scope in scopes:
            for code in ([lang] if lang else []) + [""]:
                commands = self._commands.get((scope, code or ""))
                if commands:
                    return [(c["command"], c["description"]) for c in commands]
        return []

    def callback_answer(self, callback_query_id: str | JSON) -> JSON | None:
        """What the bot answered to a callback query (``press()``'s update or its id)."""
        if isinstance(callback_query_id, dict):
            return self.callback_answers.get(callback_query_id["callback_query"]["id"])
        return self.callback_answers.get(callback_query_id)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def api_calls(self, exclude: Iterable[str] = ("getUpdates",)) -> list[Call]:
        skip = set(exclude)
        return [c for c in self.calls if c.method not in skip]

    def file_content(self, file: str | JSON) -> bytes:
        """The bytes behind a file_id or a document/photo dict."""
        file_id = file if isinstance(file, str) else file["file_id"]
        return self._files[file_id].data

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.005
    ) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"condition not met after {timeout}s: {self._busy()}")
            await asyncio.sleep(interval)

    # ----------------------------------------------------------------- webhook delivery

    async def deliver_webhook(self, url: str | None = None, timeout: float = 5.0) -> int:
        """POST pending updates to the webhook (or ``url``, e.g. the local listen address),
        with the secret token header; a 2xx answer confirms an update. Returns how many."""
        import httpx

        if self.webhook is None and url is None:
            raise ValueError("no webhook set")
        target = url or (self.webhook or {})["url"]
        headers = {"Content-Type": "application/json"}
        secret = (self.webhook or {}).get("secret_token")
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        delivered = 0
        async with httpx.AsyncClient(timeout=timeout) as client:
            for entry in list(self._entries):
                response = await client.post(
                    target, content=json.dumps(entry.update).encode(), headers=headers
                )
                if 200 <= response.status_code < 300:
                    self._entries.remove(entry)
                    delivered += 1
                elif self.webhook is not None:
                    self.webhook["last_error_message"] = f"Wrong response: {response.status_code}"
                    self.webhook["last_error_date"] = self._now()
        return delivered

    # ----------------------------------------------------------------- HTTP boundary

    async def serve(
        self, url: str, http_method: str, request_data: RequestData | None
    ) -> tuple[int, bytes]:
        """The shipped server's answer, unless a network fault was injected for this call."""
        if http_method == "GET" and request_data is None:
            return await super().serve(url, http_method, request_data)
        base_url, _, method = url.rpartition("/")
        fault = self._take_network_fault(method)
        if fault is not None and not fault.after_delivery:
            if base_url not in self.base_urls:
                self.base_urls.append(base_url)
            self.network_failures += 1
            raise fault.error()
        answer = await super().serve(url, http_method, request_data)
        if fault is not None:
            self.network_failures += 1
            raise fault.error()
        return answer

    def _check_call(self, method: str) -> None:
        queued = self._faults.get(method)
        if queued:
            fault = queued[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queued.popleft()
            raise ApiError(fault.error_code, fault.description, fault.retry_after)

    def _take_network_fault(self, method: str) -> _NetworkFault | None:
        for fault in self._network_faults:
            matches = fault.method == method or (fault.method is None and method != "getUpdates")
            if matches and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._network_faults.remove(fault)
                return fault
        return None

    # ----------------------------------------------------------------- API methods

    def _api_setWebhook(self, params: JSON) -> bool:
        url = params.get("url", "")
        if params.get("drop_pending_updates"):
            self._entries.clear()
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "max_connections": int(params.get("max_connections", 40)),
            "allowed_updates": params.get("allowed_updates"),
            "ip_address": params.get("ip_address"),
        }
        return True

    def _api_getWebhookInfo(self, params: JSON) -> JSON:
        info: JSON = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._entries),
        }
        if self.webhook:
            info["url"] = self.webhook["url"]
            info["max_connections"] = self.webhook["max_connections"]
            for key in ("allowed_updates", "ip_address", "last_error_date", "last_error_message"):
                if self.webhook.get(key):
                    info[key] = self.webhook[key]
        return info

    def _api_sendPhoto(self, params: JSON) -> JSON:
        photo = params.get("photo")
        if isinstance(photo, UploadedFile):
            width, height = _image_size(photo.data)
            sizes = self._photo_sizes(photo.data, width, height)
        else:
            stored = self._known_file(photo)
            sizes = [{**self._file_dict(stored), "width": 1280, "height": 960}]
        content: JSON = {"photo": sizes}
        self._caption(params, content)
        chat = self._sendable_chat(params)
        return self._bot_message(chat, params, **content)

    def _api_sendMediaGroup(self, params: JSON) -> list[JSON]:
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the group (2-10)")
        chat = self._sendable_chat(params)
        group = f"1{next(self._file_counter):017d}"
        sent = []
        for item in media:
            source = item.get("media") if isinstance(item, dict) else None
            if isinstance(source, str) and source.startswith("attach://"):
                source = params.get(source[len("attach://") :])
            if not isinstance(item, dict) or item.get("type") != "photo" or source is None:
                raise ApiError(400, "Bad Request: wrong media in the group")
            if isinstance(source, UploadedFile):
                width, height = _image_size(source.data)
                sizes = self._photo_sizes(source.data, width, height)
            else:
                sizes = [{**self._file_dict(self._known_file(source)), "width": 90, "height": 90}]
            content: JSON = {"photo": sizes, "media_group_id": group}
            self._caption(item, content)
            sent.append(self._bot_message(chat, params, **content))
        return sent

    def _check_rate(self, chat_id: int) -> None:
        if self._global_limit is None or self._chat_limit_rate is None:
            return
        now = self._rate_clock()
        per_chat = self._chat_limits.setdefault(chat_id, _Limiter(self._chat_limit_rate))
        wait = max(self._global_limit.wait_needed(now), per_chat.wait_needed(now))
        if wait > 0:
            self.rate_limited += 1
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._global_limit.events.append(now)
        per_chat.events.append(now)

    def _photo_sizes(self, data: bytes, width: int, height: int) -> list[JSON]:
        scale = 90 / max(width, height, 1)
        thumb = self._store_file(data, None, "image/jpeg", "photos")
        full = self._store_file(data, None, "image/jpeg", "photos")
        return [
            {
                **self._file_dict(thumb),
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
            },
            {**self._file_dict(full), "width": width, "height": height},
        ]


def _image_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        return 1280, 960
