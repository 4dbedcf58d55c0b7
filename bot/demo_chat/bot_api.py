"""An in-process Telegram Bot API: what api.telegram.org answers, in memory, for one bot.

The real python-telegram-bot ``Application`` talks to it through :class:`OfflineRequest`, a
``telegram.request.BaseRequest`` whose ``do_request`` answers as Telegram would: the same JSON
(``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": ..., "description": ...}``),
the same HTTP status codes, dates in seconds. PTB turns those answers into ``Message`` objects
or ``BadRequest`` exactly as in production. `shuangsuiji demo` plays its scripted chat on it
(no token, no network); the tests' fake Bot API extends it with fault injection, rate limits,
webhooks, groups and photos.

    server = OfflineBotApi()
    app = build_application(ctx, server.request())
    wang = server.user(1001, first_name="王伟")
    async with run_application(app, server):
        server.send_text(wang, "/tasks")
        await server.until_idle()
    server.last_text(1001)

A chat exists once ``server.user(...)`` registered it; sending to any other chat answers 400
"Bad Request: chat not found".
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import marshal
import re
import time
import urllib.parse
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, RequestData

# A well-formed token that Telegram never issued: the server checks requests carry it.
OFFLINE_TOKEN = "7003214321:AAOfflineBotApiNotTelegram_0123456789abc"

JSON = dict[str, Any]


_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_BOT_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_MAX_DOWNLOAD = 20 * 1024 * 1024


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded in a multipart request."""

    field: str
    file_name: str
    data: bytes
    mime_type: str | None


@dataclass
class Call:
    """One HTTP request the bot made, as the server decoded it."""

    method: str
    params: JSON
    url: str
    base_url: str
    http_method: str
    at: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 0
    response: JSON | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        return _norm_chat_id(self.params.get("chat_id"))

    @property
    def error_code(self) -> int | None:
        return None if self.response is None or self.ok else self.response.get("error_code")


@dataclass(frozen=True)
class TgUser:
    """A Telegram user who talks to the bot (always in a private chat)."""

    id: int
    first_name: str = "王伟"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str


@dataclass
class _Entry:
    update: JSON
    seq: int
    forced: bool = False
    delivered: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class ApiError(Exception):
    """Raised inside the fake server to answer ``{"ok": false, ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


# --------------------------------------------------------------------------- the server


class OfflineBotApi:
    """An in-memory Telegram Bot API server for one bot."""

    def __init__(
        self,
        token: str = OFFLINE_TOKEN,
        *,
        bot_first_name: str = "双随机抽查",
        bot_username: str = "shuangsuiji_test_bot",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        long_poll_cap: float = 0.05,
    ) -> None:
        self.token = token
        self.clock = clock
        self.wall_clock = wall_clock
        self.long_poll_cap = long_poll_cap
        self.bot: JSON = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.base_urls: list[str] = []
        self.file_base_urls: list[str] = []
        self.webhook: JSON | None = None
        self.callback_answers: dict[str, JSON] = {}

        self._entries: list[_Entry] = []
        self._seq = itertools.count()
        self._next_update_id = 500_000_001
        self._last_update: JSON | None = None
        self._allowed_updates: list[str] = []
        self._waiters: list[asyncio.Future[str]] = []

        self._users: dict[int, TgUser] = {}
        self._groups: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, JSON]] = defaultdict(dict)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._bot_messages: list[tuple[int, int]] = []
        self._message_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._deleted: set[tuple[int, int]] = set()
        self._reply_keyboards: dict[int, list[list[str]] | None] = {}
        self._callback_queries: dict[str, JSON] = {}
        self._cq_ids = itertools.count(4_382_795_628_934_759_001)

        self._files: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSON]] = {}

        self._blocked: set[int] = set()

        self._in_flight = 0
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None

    # ----------------------------------------------------------------- wiring

    def request(self) -> OfflineRequest:
        return OfflineRequest(self)

    def attach(self, app: Application[Any, Any, Any, Any, Any, Any] | None) -> None:
        """Let :meth:`until_idle` also wait for ``app``'s update queue (run_application does
        this; call it yourself when starting the app another way, e.g. with a webhook)."""
        self._app = app

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """An ``ApplicationBuilder`` with the token and both requests bound to this fake."""
        return (
            ApplicationBuilder()
            .token(self.token)
            .request(OfflineRequest(self))
            .get_updates_request(OfflineRequest(self))
        )

    # ----------------------------------------------------------------- users and updates

    def user(
        self,
        user_id: int,
        first_name: str = "王伟",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> TgUser:
        """Register a user; from now on the bot may write to the private chat ``user_id``."""
        user = TgUser(user_id, first_name, last_name, username, language_code)
        self._users[user_id] = user
        self._message_ids.setdefault(user_id, itertools.count(1))
        return user

    def add_update(self, payload: JSON) -> JSON:
        """Queue a raw update (``{"message": {...}}``…); the update_id is assigned here."""
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self._push(_Entry(update, next(self._seq)))
        self._last_update = update
        return update

    def send_text(self, user: TgUser, text: str, *, reply_to: int | None = None) -> JSON:
        """The user sends ``text``; commands get their ``bot_command`` entities."""
        message = self._user_message(user, text=text)
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._stored(user.id, reply_to)
        return self.add_update({"message": message})

    def send_location(
        self, user: TgUser, latitude: float, longitude: float, forwarded_from: TgUser | None = None
    ) -> JSON:
        """A location he sends; ``forwarded_from``: someone's earlier location, forwarded."""
        location = {"latitude": latitude, "longitude": longitude}
        content: JSON = {"location": location}
        if forwarded_from is not None:
            origin = {"type": "user", "date": self._now() - 86400, "sender_user": forwarded_from}
            content["forward_origin"] = {**origin, "sender_user": forwarded_from.to_dict()}
        return self.add_update({"message": self._user_message(user, **content)})

    def press(
        self,
        user: TgUser,
        message: JSON | int | Any,
        callback_data: str,
        *,
        forge: bool = False,
    ) -> JSON:
        """The user presses an inline button of ``message`` (a dict, a message_id in the user's
        chat, or a PTB ``Message``). Without ``forge`` the button must exist on that message in
        the user's own chat; ``forge=True`` sends any data, like a tampered client would."""
        chat_id, message_id = self._message_ref(user, message)
        stored = self._stored(chat_id, message_id)
        if not forge:
            if chat_id != user.id:
                raise ValueError(f"message {message_id} is in chat {chat_id}, not {user.id}")
            data = [d for _, d in self.buttons(stored)]
            if callback_data not in data:
                raise ValueError(f"no button with data {callback_data!r}; buttons: {data}")
        query_id = str(next(self._cq_ids))
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": json_copy(stored),
            "chat_instance": _chat_instance(chat_id),
            "data": callback_data,
        }
        self._callback_queries[query_id] = query
        return self.add_update({"callback_query": query})

    # ----------------------------------------------------------------- assertions

    def sent_to(self, chat_id: int) -> list[JSON]:
        """The bot's messages in that chat, oldest first, as they are now (after edits,
        without deleted ones)."""
        return [
            self._messages[c][m]
            for c, m in self._bot_messages
            if c == chat_id and (c, m) not in self._deleted
        ]

    def sent_count(self) -> int:
        """How many messages the bot has sent so far, in all chats."""
        return len(self._bot_messages)

    async def wait_sent(self, count: int, timeout: float = 10.0) -> None:
        """Until the bot has sent ``count`` messages in all, woken by the send itself: no
        polling loop competes with the bot (or with a database driver's thread) meanwhile."""
        if len(self._bot_messages) >= count:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._message_waiters.append((count, waiter))
        await asyncio.wait_for(waiter, timeout)

    def texts(self, chat_id: int) -> list[str]:
        return [_text_of(m) for m in self.sent_to(chat_id)]

    def last_text(self, chat_id: int) -> str | None:
        sent = self.sent_to(chat_id)
        return _text_of(sent[-1]) if sent else None

    def last_message(self, chat_id: int) -> JSON | None:
        sent = self.sent_to(chat_id)
        return sent[-1] if sent else None

    @staticmethod
    def buttons(message: JSON | Any) -> list[tuple[str, str | None]]:
        """The inline buttons of a message, row by row: ``[(text, callback_data), ...]``
        (``None`` for URL and other non-callback buttons)."""
        if not isinstance(message, dict):
            message = message.to_dict()
        markup = message.get("reply_markup") or {}
        return [
            (button["text"], button.get("callback_data"))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]

    # ----------------------------------------------------------------- waiting

    async def until_idle(self, timeout: float = 5.0, ticks: int = 5) -> None:
        """Wait until every queued update was fetched and confirmed, the attached application
        has handled them all (its update_queue is drained), no API call is in flight, and no
        new call arrived for ``ticks`` loop iterations. Background work that sleeps (a paced
        sender) is not awaited: use :meth:`wait_for` for that."""
        deadline = asyncio.get_running_loop().time() + timeout
        stable = 0
        last = -1
        while True:
            if self._idle_now() and len(self.calls) == last:
                stable += 1
                if stable >= ticks:
                    return
            else:
                stable = 0
            last = len(self.calls)
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"fake Telegram not idle after {timeout}s: {self._busy()}")
            await asyncio.sleep(0 if stable else 0.001)

    def _idle_now(self) -> bool:
        if self._entries or self._in_flight:
            return False
        if self._app is not None:
            queue = self._app.update_queue
            if getattr(queue, "_unfinished_tasks", queue.qsize()):
                return False
        return True

    def _busy(self) -> str:
        unfinished = None
        if self._app is not None:
            queue = self._app.update_queue
            unfinished = getattr(queue, "_unfinished_tasks", queue.qsize())
        return (
            f"pending updates={len(self._entries)}, in-flight calls={self._in_flight}, "
            f"unfinished in update_queue={unfinished}, calls so far={len(self.calls)}"
        )

    # ----------------------------------------------------------------- HTTP boundary

    async def serve(
        self, url: str, http_method: str, request_data: RequestData | None
    ) -> tuple[int, bytes]:
        """Answer one HTTP request from :class:`OfflineRequest`: ``(status, body)``."""
        if http_method == "GET" and request_data is None:
            return self._serve_download(url)
        base_url, _, method = url.rpartition("/")
        if base_url not in self.base_urls:
            self.base_urls.append(base_url)
        params, files = _decode(request_data)
        call = Call(method, params, url, base_url, http_method, self.clock(), files)
        self.calls.append(call)
        tracked = method != "getUpdates"
        if tracked:
            self._in_flight += 1
        try:
            status, body = await self._answer(method, base_url, params)
        finally:
            if tracked:
                self._in_flight -= 1
        call.status, call.response = status, body
        return status, json.dumps(body, ensure_ascii=False).encode()

    async def _answer(self, method: str, base_url: str, params: JSON) -> tuple[int, JSON]:
        try:
            if self.token not in base_url:
                raise ApiError(401, "Unauthorized")
            self._check_call(method)
            if method == "getUpdates":
                result: Any = await self._get_updates(params)
            else:
                handler = getattr(self, f"_api_{method}", None)
                if handler is None:
                    raise ApiError(404, "Not Found: method not found")
                result = handler(params)
        except ApiError as exc:
            body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return exc.code, body
        return 200, {"ok": True, "result": result}

    def _check_call(self, method: str) -> None:
        """Raise ApiError to refuse a call before it is handled (the tests inject faults)."""

    def _serve_download(self, url: str) -> tuple[int, bytes]:
        # PTB's File percent-encodes the whole path of the URL, token's ":" included
        url = urllib.parse.unquote(url)
        for stored in self._files.values():
            if url.endswith("/" + stored.file_path):
                if self.token not in url:
                    break
                base = url[: -len(stored.file_path) - 1]
                if base not in self.file_base_urls:
                    self.file_base_urls.append(base)
                return 200, stored.data
        return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'

    # ----------------------------------------------------------------- getUpdates

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        for earlier in self._waiters:
            _resolve(earlier, "terminated")
        offset = int(params.get("offset", 0))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = float(params.get("timeout", 0))
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"])
        self._confirm(offset)
        batch = self._available(limit)
        if not batch and timeout > 0:
            # A bare future and a timer: asyncio.wait_for would add a task and callbacks to
            # every long poll, a cost the round-trip benchmarks would charge the bot.
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[str] = loop.create_future()
            self._waiters.append(waiter)
            timer = loop.call_later(min(timeout, self.long_poll_cap), _resolve, waiter, "timeout")
            try:
                reason = await waiter
            finally:
                timer.cancel()
                self._waiters.remove(waiter)
            if reason == "terminated":
                raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])
            batch = self._available(limit)
        for entry in batch:
            entry.delivered = True
        return [json_copy(entry.update) for entry in batch]

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._entries = [
                e for e in self._entries if e.update_id >= offset or (e.forced and not e.delivered)
            ]
        elif offset < 0:
            self._entries = self._entries[offset:]

    def _available(self, limit: int) -> list[_Entry]:
        if self._allowed_updates:
            allowed = set(self._allowed_updates)
            self._entries = [e for e in self._entries if _update_type(e.update) in allowed]
        return sorted(self._entries, key=lambda e: (e.update_id, e.seq))[:limit]

    def _push(self, entry: _Entry) -> None:
        self._entries.append(entry)
        for waiter in self._waiters:
            _resolve(waiter, "update")

    # ----------------------------------------------------------------- API methods

    def _api_getMe(self, params: JSON) -> JSON:
        return dict(self.bot)

    def _api_logOut(self, params: JSON) -> bool:
        return True

    def _api_close(self, params: JSON) -> bool:
        return True

    def _api_deleteWebhook(self, params: JSON) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._entries.clear()
        return True

    def _api_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, 'Bad Request: parameter "commands" is required')
        for command in commands:
            if not _BOT_COMMAND_NAME.match(command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    def _api_deleteMyCommands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _api_getMyCommands(self, params: JSON) -> list[JSON]:
        return json_copy(self._commands.get(self._commands_key(params), []))

    def _api_setMyDescription(self, params: JSON) -> bool:
        return True

    def _api_setMyShortDescription(self, params: JSON) -> bool:
        return True

    def _api_setChatMenuButton(self, params: JSON) -> bool:
        return True

    def _api_sendChatAction(self, params: JSON) -> bool:
        self._reachable_chat(params)
        return True

    def _api_sendMessage(self, params: JSON) -> JSON:
        text = _render(params.get("text", ""), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _u16(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        chat = self._sendable_chat(params)
        return self._bot_message(chat, params, text=text)

    def _api_sendDocument(self, params: JSON) -> JSON:
        document = params.get("document")
        if isinstance(document, UploadedFile):
            stored = self._store_file(
                document.data, document.file_name, document.mime_type, "documents"
            )
        else:
            stored = self._known_file(document)
        content: JSON = {"document": self._document_dict(stored)}
        self._caption(params, content)
        chat = self._sendable_chat(params)
        return self._bot_message(chat, params, **content)

    def _api_sendLocation(self, params: JSON) -> JSON:
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ApiError(400, "Bad Request: wrong location")
        chat = self._sendable_chat(params)
        location = {"latitude": latitude, "longitude": longitude}
        return self._bot_message(chat, params, location=location)

    def _api_editMessageText(self, params: JSON) -> JSON:
        message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _render(params.get("text", ""), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = _inline_markup(params.get("reply_markup"))
        if text == message["text"] and markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        message["text"] = text
        return self._edited(message, markup)

    def _api_editMessageCaption(self, params: JSON) -> JSON:
        message = self._editable(params)
        caption = _render(params.get("caption", ""), params.get("parse_mode"))
        markup = _inline_markup(params.get("reply_markup"))
        if caption == message.get("caption", "") and markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        if caption:
            message["caption"] = caption
        else:
            message.pop("caption", None)
        return self._edited(message, markup)

    def _api_editMessageReplyMarkup(self, params: JSON) -> JSON:
        message = self._editable(params)
        markup = _inline_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        return self._edited(message, markup)

    def _api_deleteMessage(self, params: JSON) -> bool:
        chat_id = self._known_chat_id(params)
        key = (chat_id, int(params.get("message_id", 0)))
        if key[1] not in self._messages[chat_id] or key in self._deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._deleted.add(key)
        return True

    def _api_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._callback_queries or query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = params
        return True

    def _api_getFile(self, params: JSON) -> JSON:
        stored = self._known_file(params.get("file_id"))
        if len(stored.data) > _MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {**self._file_dict(stored), "file_path": stored.file_path}

    # ----------------------------------------------------------------- helpers

    def _now(self) -> int:
        return int(self.wall_clock())

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _user_message(self, user: TgUser, **content: Any) -> JSON:
        if user.id not in self._users:
            self._users[user.id] = user
        message = {
            "message_id": self._next_message_id(user.id),
            "from": user.to_dict(),
            "chat": user.chat(),
            "date": self._now(),
            **content,
        }
        self._messages[user.id][message["message_id"]] = message
        return json_copy(message)

    def _bot_message(self, chat: JSON, params: JSON, **content: Any) -> JSON:
        chat_id = chat["id"]
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "from": self._bot_user(),
            "chat": chat,
            "date": self._now(),
            **content,
        }
        reply = params.get("reply_parameters") or (
            {"message_id": params["reply_to_message_id"]}
            if "reply_to_message_id" in params
            else None
        )
        if reply:
            replied = self._messages[chat_id].get(int(reply["message_id"]))
            if replied is None:
                raise ApiError(400, "Bad Request: message to be replied not found")
            message["reply_to_message"] = json_copy(replied)
        markup = params.get("reply_markup")
        inline = _inline_markup(markup)
        if inline:
            message["reply_markup"] = inline
        elif isinstance(markup, dict) and "keyboard" in markup:
            self._reply_keyboards[chat_id] = [
                [b if isinstance(b, str) else b["text"] for b in row] for row in markup["keyboard"]
            ]
        elif isinstance(markup, dict) and markup.get("remove_keyboard"):
            self._reply_keyboards[chat_id] = None
        self._messages[chat_id][message["message_id"]] = message
        self._bot_messages.append((chat_id, message["message_id"]))
        waiting, self._message_waiters = self._message_waiters, []
        for count, waiter in waiting:
            if len(self._bot_messages) < count:
                self._message_waiters.append((count, waiter))
            elif not waiter.done():
                waiter.set_result(None)
        return json_copy(message)

    def _bot_user(self) -> JSON:
        return {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")}

    def _edited(self, message: JSON, markup: JSON | None) -> JSON:
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = self._now()
        return json_copy(message)

    def _editable(self, params: JSON) -> JSON:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat_id = self._known_chat_id(params)
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message_id = int(params.get("message_id", 0))
        message = self._messages[chat_id].get(message_id)
        if message is None or (chat_id, message_id) in self._deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _known_chat_id(self, params: JSON) -> int:
        chat_id = _norm_chat_id(params.get("chat_id"))
        if not isinstance(chat_id, int) or (
            chat_id not in self._users and chat_id not in self._groups
        ):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _reachable_chat(self, params: JSON) -> JSON:
        chat_id = self._known_chat_id(params)
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._groups:
            return dict(self._groups[chat_id])
        return self._users[chat_id].chat()

    def _sendable_chat(self, params: JSON) -> JSON:
        chat = self._reachable_chat(params)
        self._check_rate(chat["id"])
        return chat

    def _check_rate(self, chat_id: int) -> None:
        """Raise ApiError(429) for a send beyond the rate limit (the tests enforce one)."""

    def _stored(self, chat_id: int, message_id: int) -> JSON:
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        return message

    @staticmethod
    def _message_ref(user: TgUser, message: JSON | int | Any) -> tuple[int, int]:
        if isinstance(message, int):
            return user.id, message
        if isinstance(message, dict):
            if "update_id" in message:  # an update from a builder: use its message
                message = message.get("message") or message["callback_query"]["message"]
            return int(message["chat"]["id"]), int(message["message_id"])
        return int(message.chat_id), int(message.message_id)

    def _store_file(
        self, data: bytes, file_name: str | None, mime_type: str | None, folder: str
    ) -> _StoredFile:
        n = next(self._file_counter)
        suffix = file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        stored = _StoredFile(
            file_id=f"BQACAgUAAxkBAAI{n:06d}ZmFrZV9maWxl",
            file_unique_id=f"AgAD{n:06d}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{folder}/file_{n}.{suffix}",
        )
        self._files[stored.file_id] = stored
        return stored

    def _known_file(self, file_id: Any) -> _StoredFile:
        if isinstance(file_id, str) and file_id in self._files:
            return self._files[file_id]
        if isinstance(file_id, str) and file_id.startswith(("http://", "https://")):
            name = file_id.rsplit("/", 1)[-1] or "file"
            return self._store_file(b"", name, None, "documents")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    @staticmethod
    def _file_dict(stored: _StoredFile) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }

    def _document_dict(self, stored: _StoredFile) -> JSON:
        document = self._file_dict(stored)
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        return document

    @staticmethod
    def _caption(params: JSON, content: JSON) -> None:
        if params.get("caption"):
            caption = _render(params["caption"], params.get("parse_mode"))
            if _u16(caption) > 1024:
                raise ApiError(400, "Bad Request: message caption is too long")
            content["caption"] = caption

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if "chat_id" in scope:
            chat_id = _norm_chat_id(scope["chat_id"])
            if chat_id not in self._users:
                raise ApiError(400, "Bad Request: chat not found")
        return _scope_key(scope), params.get("language_code") or ""


# --------------------------------------------------------------------------- the request


class OfflineRequest(BaseRequest):
    """A ``BaseRequest`` that sends every request to an :class:`OfflineBotApi` in memory."""

    __slots__ = ("_initialized", "server")

    def __init__(self, server: OfflineBotApi) -> None:
        self.server = server
        self._initialized = False

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        self._initialized = True

    async def shutdown(self) -> None:
        self._initialized = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if not self._initialized:
            raise RuntimeError("This OfflineRequest is not initialized!")
        return await self.server.serve(url, method, request_data)


# --------------------------------------------------------------------------- running an app


@asynccontextmanager
async def run_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    fake: OfflineBotApi,
    *,
    drop_pending_updates: bool = False,
    allowed_updates: list[str] | None = None,
    poll_timeout: int = 10,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run ``app`` against ``fake`` the way ``Application.run_polling`` does (initialize,
    post_init, updater.start_polling, start … stop, post_stop, shutdown, post_shutdown), without
    signal handlers or a loop of its own."""
    for request in (app.bot.request, getattr(app.bot, "_request", (None,))[0]):
        if not (isinstance(request, OfflineRequest) and request.server is fake):
            raise TypeError("build the app with OfflineRequest(fake) for request and get_updates")
    fake.attach(app)
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        if app.updater is not None:
            await app.updater.start_polling(
                poll_interval=0,
                timeout=poll_timeout,
                drop_pending_updates=drop_pending_updates,
                allowed_updates=allowed_updates,
            )
        await app.start()
        yield app
    finally:
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
        finally:
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)
            if fake._app is app:
                fake.attach(None)


# --------------------------------------------------------------------------- pure helpers


def _decode(request_data: RequestData | None) -> tuple[JSON, dict[str, UploadedFile]]:
    """Decode the request the way the server sees it: the form/JSON fields PTB puts on the wire
    (``json_parameters``: strings stay strings, everything else is JSON), plus uploaded files."""
    if request_data is None:
        return {}, {}
    raw = request_data.parameters
    params: JSON = {
        name: value if isinstance(raw.get(name), str) else json.loads(value)
        for name, value in request_data.json_parameters.items()
    }
    files: dict[str, UploadedFile] = {}
    if request_data.contains_files:
        for name, (file_name, content, mime_type) in request_data.multipart_data.items():
            files[name] = UploadedFile(name, file_name, _read(content), mime_type)
        for name, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                params[name] = files[value[9:]]
        for name, upload in files.items():
            params.setdefault(name, upload)
    return params, files


def _read(content: Any) -> bytes:
    if isinstance(content, bytes):
        return content
    position = content.tell() if content.seekable() else None
    data = content.read()
    if position is not None:
        content.seek(position)
    return data if isinstance(data, bytes) else data.encode()


def _norm_chat_id(value: object) -> int | str | None:
    """A chat id as the Bot API takes it: a number, perhaps sent as text, or an @username."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value if isinstance(value, int | str) else None


def command_entities(text: str) -> list[JSON]:
    """The ``bot_command`` entities Telegram gives a message's commands."""
    return [
        {"type": "bot_command", "offset": _u16(text[: m.start()]), "length": _u16(m.group())}
        for m in _COMMAND.finditer(text)
    ]


def _u16(text: str) -> int:
    """Telegram measures offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _chat_instance(chat_id: int) -> str:
    """Telegram's opaque, stable per-chat string (a signed 64-bit number)."""
    return str(-(1_234_567_890_123_456_789 + abs(chat_id) * 7_919))


def _scope_key(scope: JSON) -> str:
    kind = scope.get("type", "default")
    parts = [kind]
    if "chat_id" in scope:
        parts.append(str(_norm_chat_id(scope["chat_id"])))
    if "user_id" in scope:
        parts.append(str(scope["user_id"]))
    return ":".join(parts)


def _update_type(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


def _text_of(message: JSON) -> str:
    return str(message.get("text") or message.get("caption") or "")


def _inline_markup(markup: Any) -> JSON | None:
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if len(button) == 1:
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
    return json_copy(markup) if markup["inline_keyboard"] else None


def _resolve(waiter: asyncio.Future[str], reason: str) -> None:
    if not waiter.done():
        waiter.set_result(reason)


_J = TypeVar("_J", dict[str, Any], list[Any])


def json_copy(value: _J) -> _J:
    """A deep copy of JSON-shaped data (dicts, lists, strings, numbers), so that a message as
    stored and as handed out share nothing. marshal copies these in C, many times faster than
    copy.deepcopy, whose cost the round-trip benchmarks would otherwise charge the bot."""
    copied: _J = marshal.loads(marshal.dumps(value))
    return copied


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(\s[^<>]*)?>")


def _render(text: str, parse_mode: str | None) -> str:
    """The plain text Telegram shows for ``text`` under ``parse_mode`` (entities dropped)."""
    if not parse_mode:
        return text
    mode = parse_mode.lower()
    if mode == "html":
        return _render_html(text)
    if mode == "markdownv2":
        return _render_markdown_v2(text)
    if mode == "markdown":
        return re.sub(r"[*_`]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", text)
    raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")


def _render_html(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    position = 0
    while True:
        start = text.find("<", position)
        if start < 0:
            out.append(text[position:])
            break
        out.append(text[position:start])
        match = _TAG.match(text, start)
        offset = len(text[:start].encode())
        if match is None:
            name = re.match(r"</?([^\s>]*)", text[start:])
            tag = name.group(1) if name else ""
            raise ApiError(
                400,
                f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}" '
                f"at byte offset {offset}",
            )
        closing, tag = match.group(1), match.group(2).lower()
        if tag not in _HTML_TAGS:
            raise ApiError(
                400,
                f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}" '
                f"at byte offset {offset}",
            )
        if closing:
            if not stack or stack[-1] != tag:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                    f'{offset}, expected "</{stack[-1] if stack else ""}>", found "</{tag}>"',
                )
            stack.pop()
        else:
            stack.append(tag)
        position = match.end()
    if stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start "
            f'tag "{stack[-1]}"',
        )
    return html.unescape("".join(out))


def _render_markdown_v2(text: str) -> str:
    """An approximation of Telegram's MarkdownV2 parser: markers are dropped, escapes undone,
    and an unescaped reserved character is refused as Telegram does."""
    out: list[str] = []
    i = 0
    in_code = False
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        elif in_code:
            out.append(ch)
        elif ch in "*_~|[":
            pass
        elif ch == "]" and text.startswith("(", i + 1):
            i = text.find(")", i) + 1 or len(text)
            continue
        elif ch == ">" and (i == 0 or text[i - 1] == "\n"):
            pass
        elif ch in "]()>#+-={}.!":
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: Character '{ch}' is reserved and must be "
                "escaped with the preceding '\\'",
            )
        else:
            out.append(ch)
        i += 1
    return "".join(out)
