"""The fake Bot API, driven by a bare PTB Application and Bot: if these pass, bot tests that use
it exercise PTB exactly as api.telegram.org would."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import time
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from tests.e2e.fake_telegram import FakeRequest, FakeTelegram, run_application

BUTTONS = [("接受", "v1:acc:7"), ("申请回避", "v1:rec:7")]


# RetryAfter warns on construction until PTB_TIMEDELTA=true: retry_after becomes a timedelta
IGNORE_TIMEDELTA_DEPRECATION = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"
)


class Seen:
    """The echo bot's bot_data: the ids of the updates it was given, in order."""

    def __init__(self) -> None:
        self.update_ids: list[int] = []


def echo_app(
    fake: FakeTelegram, builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] | None = None
) -> Application[Any, Any, Any, Any, Seen, Any]:
    builder = (builder or fake.application_builder()).context_types(ContextTypes(bot_data=Seen))
    app = builder.build()

    async def record(update: Update, context: CallbackContext[Any, Any, Any, Seen]) -> None:
        context.bot_data.update_ids.append(update.update_id)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.effective_user is not None
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(text, callback_data=data) for text, data in BUTTONS]]
        )
        await update.message.reply_text(
            f"欢迎，{update.effective_user.first_name}！参数：{' '.join(context.args or [])}",
            reply_markup=keyboard,
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("已收到")
        await query.edit_message_text(f"已选择 {query.data}")

    async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.document is not None
        file = await update.message.document.get_file()
        data = await file.download_as_bytearray()
        await update.message.reply_text(f"{update.message.document.file_name}:{bytes(data)!r}")

    app.add_handler(TypeHandler(Update, record), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    return app


def direct_bot(fake: FakeTelegram) -> Bot:
    return Bot(fake.token, request=FakeRequest(fake), get_updates_request=FakeRequest(fake))


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


# --------------------------------------------------------------------------- through the app


async def test_start_command_gets_a_reply_with_buttons() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001, first_name="王伟")
    app = echo_app(fake)
    async with run_application(app, fake):
        update = fake.send_text(wang, "/start ABC123")
        await fake.until_idle()

    entity = update["message"]["entities"][0]
    assert entity == {"type": "bot_command", "offset": 0, "length": len("/start")}
    assert fake.last_text(1001) == "欢迎，王伟！参数：ABC123"
    assert fake.buttons(fake.sent_to(1001)[-1]) == BUTTONS
    [send] = fake.calls_to("sendMessage")
    assert send.params["chat_id"] == 1001
    assert send.params["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "接受",
        "callback_data": "v1:acc:7",
    }
    assert [c.method for c in fake.api_calls()][:2] == ["getMe", "deleteWebhook"]


async def test_echo_round_trip_numbers_messages_per_chat() -> None:
    fake = FakeTelegram()
    wang, li = fake.user(1001), fake.user(1002, first_name="李娜")
    async with run_application(echo_app(fake), fake):
        fake.send_text(wang, "你好")
        fake.send_text(li, "在吗")
        fake.send_text(wang, "再见")
        await fake.until_idle()

    assert fake.texts(1001) == ["你好", "再见"]
    assert fake.texts(1002) == ["在吗"]
    # one counter per chat, shared by both sides: the user's messages took 1 and 2
    assert [m["message_id"] for m in fake.sent_to(1001)] == [3, 4]
    reply = fake.sent_to(1002)[0]
    assert reply["from"]["is_bot"] is True and reply["chat"]["type"] == "private"
    assert abs(reply["date"] - time.time()) < 5


async def test_button_press_is_answered_and_the_message_edited() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001)
    async with run_application(echo_app(fake), fake):
        fake.send_text(wang, "/start")
        await fake.until_idle()
        press = fake.press(wang, fake.last_message(1001), "v1:rec:7")
        await fake.until_idle()

    assert press["callback_query"]["chat_instance"]
    assert fake.callback_answer(press) == {
        "callback_query_id": press["callback_query"]["id"],
        "text": "已收到",
    }
    assert fake.last_text(1001) == "已选择 v1:rec:7"
    # editMessageText without reply_markup removes the inline keyboard, as Telegram does
    assert fake.buttons(fake.last_message(1001)) == []
    with pytest.raises(ValueError, match="no button"):
        fake.press(wang, fake.last_message(1001), "v1:acc:7")


async def test_document_sent_by_the_user_is_downloaded_by_the_bot() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001)
    async with run_application(echo_app(fake), fake):
        fake.send_document(wang, b"%PDF-1.7 fake", "检查表.pdf", "application/pdf")
        await fake.until_idle()

    assert fake.last_text(1001) == "检查表.pdf:b'%PDF-1.7 fake'"
    assert fake.calls_to("getFile")[0].ok


async def test_duplicate_update_is_delivered_twice() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001)
    app = echo_app(fake)
    async with run_application(app, fake):
        update = fake.send_text(wang, "一次")
        await fake.until_idle()
        fake.duplicate_last_update()
        await fake.until_idle()

    assert app.bot_data.update_ids == [update["update_id"], update["update_id"]]
    assert fake.texts(1001) == ["一次", "一次"]


async def test_updates_sent_while_the_bot_is_down_are_handled_after_restart() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001)
    async with run_application(echo_app(fake), fake):
        fake.send_text(wang, "第一条")
        await fake.until_idle()
    fake.send_text(wang, "停机时发的")
    assert fake.pending_updates == 1
    async with run_application(echo_app(fake), fake):
        await fake.until_idle()

    assert fake.texts(1001) == ["第一条", "停机时发的"]


async def test_custom_base_urls_are_used_and_recorded() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001)
    builder = (
        fake.application_builder()
        .base_url("http://127.0.0.1:8081/bot")
        .base_file_url("http://127.0.0.1:8081/file/bot")
    )
    async with run_application(echo_app(fake, builder), fake):
        fake.send_document(wang, b"xlsx", "名录.xlsx")
        await fake.until_idle()

    assert fake.base_urls == [f"http://127.0.0.1:8081/bot{fake.token}"]
    assert fake.file_base_urls == [f"http://127.0.0.1:8081/file/bot{fake.token}"]
    assert fake.last_text(1001) == "名录.xlsx:b'xlsx'"


async def test_run_application_refuses_an_app_that_would_use_the_network() -> None:
    fake = FakeTelegram()
    app = ApplicationBuilder().token(fake.token).request(FakeRequest(fake)).build()
    with pytest.raises(TypeError, match="OfflineRequest"):
        async with run_application(app, fake):
            pass


async def test_webhook_delivery_reaches_the_application() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001)
    app = echo_app(fake)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with app:
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url="https://bot.example.org/tg",
            secret_token="s3cret",
        )
        await app.start()
        fake.attach(app)
        fake.send_text(wang, "经由 webhook")
        assert await fake.deliver_webhook(f"http://127.0.0.1:{port}/tg") == 1
        await fake.until_idle()
        await app.updater.stop()
        await app.stop()

    assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cret"
    assert fake.last_text(1001) == "经由 webhook"


# --------------------------------------------------------------------------- the API surface


async def test_get_updates_offset_drops_confirmed_updates() -> None:
    fake = FakeTelegram(long_poll_cap=2.0)
    wang = fake.user(1001)
    ids = [fake.send_text(wang, f"m{i}")["update_id"] for i in range(3)]
    async with direct_bot(fake) as bot:
        assert [u.update_id for u in await bot.get_updates()] == ids
        assert [u.update_id for u in await bot.get_updates()] == ids  # not confirmed yet
        assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
        assert await bot.get_updates(offset=ids[-1] + 1) == ()
        assert fake.pending_updates == 0
        assert [u.update_id for u in await bot.get_updates(offset=ids[0])] == []

        asyncio.get_running_loop().call_later(0.02, fake.send_text, wang, "late")
        started = time.monotonic()
        [late] = await bot.get_updates(offset=ids[-1] + 1, timeout=10)
        assert late.message is not None and late.message.text == "late"
        assert time.monotonic() - started < 1.0  # woken by the update, not by the timeout


@IGNORE_TIMEDELTA_DEPRECATION
async def test_injected_429_surfaces_as_retry_after() -> None:
    fake = FakeTelegram()
    fake.user(1001)
    fake.fail_next("sendMessage", 429, retry_after=7)
    async with direct_bot(fake) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1001, "你好")
        await bot.send_message(1001, "你好")

    assert seconds(caught.value.retry_after) == 7
    failed = fake.calls_to("sendMessage")[0]
    assert failed.status == 429
    assert failed.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert fake.texts(1001) == ["你好"]


@IGNORE_TIMEDELTA_DEPRECATION
async def test_rate_limit_answers_429_beyond_the_limits() -> None:
    now = [100.0]
    fake = FakeTelegram()
    for chat_id in (1, 2, 3, 4):
        fake.user(chat_id)
    fake.enforce_rate_limit(per_second=3, per_chat_per_second=1, clock=lambda: now[0])
    async with direct_bot(fake) as bot:
        await bot.send_message(1, "a")
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "again")  # one per chat per second
        await bot.send_message(2, "b")
        await bot.send_message(3, "c")
        with pytest.raises(RetryAfter):
            await bot.send_message(4, "d")  # three per second overall
        now[0] += 1.0
        await bot.send_message(4, "d")
        await bot.send_message(1, "again")

    assert fake.rate_limited == 2
    assert [fake.texts(c) for c in (1, 2, 3, 4)] == [["a", "again"], ["b"], ["c"], ["d"]]


async def test_blocked_user_gives_forbidden() -> None:
    fake = FakeTelegram()
    fake.user(1001)
    fake.block_user(1001)
    async with direct_bot(fake) as bot:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(1001, "你的任务")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(4242, "陌生人")
    assert fake.sent_to(1001) == []
    assert fake.calls_to("sendMessage")[0].status == 403


async def test_set_my_commands_is_stored_per_chat_scope() -> None:
    fake = FakeTelegram()
    fake.user(1001)
    fake.user(1002)
    async with direct_bot(fake) as bot:
        await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
        await bot.set_my_commands(
            [BotCommand("draw", "抽查"), BotCommand("tasks", "我的任务")],
            scope=BotCommandScopeChat(1001),
        )
        stored = await bot.get_my_commands(scope=BotCommandScopeChat(1001))
        assert [c.command for c in stored] == ["draw", "tasks"]
        assert fake.commands_for(1001) == [("draw", "抽查"), ("tasks", "我的任务")]
        assert fake.commands_for(1002) == [("start", "开始"), ("help", "帮助")]
        await bot.delete_my_commands(scope=BotCommandScopeChat(1001))
        assert fake.commands_for(1001) == [("start", "开始"), ("help", "帮助")]
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Draw", "大写")])

    scope = fake.calls_to("setMyCommands")[1].params["scope"]
    assert scope == {"type": "chat", "chat_id": 1001}


async def test_network_errors_are_injected_before_or_after_delivery() -> None:
    fake = FakeTelegram()
    fake.user(1001)
    async with direct_bot(fake) as bot:  # initialize() calls getMe: inject after it
        fake.fail_network(times=1)
        fake.fail_network(times=1, method="sendMessage", after_delivery=True)
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "lost on the way")
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "delivered, answer lost")
        await bot.send_message(1001, "fine")

    assert fake.texts(1001) == ["delivered, answer lost", "fine"]
    assert fake.network_failures == 2


async def test_telegram_validation_is_enforced() -> None:
    fake = FakeTelegram()
    fake.user(1001)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    async with direct_bot(fake) as bot:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(1001, "按钮", reply_markup=too_long)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(1001, "<某公司> 未转义", parse_mode="HTML")
        sent = await bot.send_message(1001, "<b>粗体</b> &lt;某公司&gt;", parse_mode="HTML")
        assert sent.text == "粗体 <某公司>"
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("粗体 <某公司>", chat_id=1001, message_id=sent.message_id)
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("frobnicate")

    assert fake.calls_to("frobnicate")[0].status == 404


async def test_bot_documents_and_locations_are_recorded() -> None:
    fake = FakeTelegram()
    fake.user(1001)
    async with direct_bot(fake) as bot:
        doc = await bot.send_document(1001, b'{"draw": 1}', filename="record.json", caption="记录")
        loc = await bot.send_location(1001, latitude=31.2304, longitude=121.4737)

    assert doc.document is not None and doc.document.file_name == "record.json"
    assert fake.file_content(fake.sent_to(1001)[0]["document"]) == b'{"draw": 1}'
    assert fake.calls_to("sendDocument")[0].params["document"].data == b'{"draw": 1}'
    assert loc.location is not None and loc.location.latitude == pytest.approx(31.2304)
    assert fake.texts(1001) == ["记录", ""]


async def test_get_updates_conflicts_with_a_webhook() -> None:
    fake = FakeTelegram()
    async with direct_bot(fake) as bot:
        await bot.set_webhook("https://bot.example.org/tg")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert info.url == "https://bot.example.org/tg"
        await bot.delete_webhook()
        assert await bot.get_updates() == ()


async def test_incoming_updates_have_the_shapes_ptb_parses() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001, first_name="王伟", language_code="zh-hans")
    bot = direct_bot(fake)
    photo = Update.de_json(fake.send_photo(wang, b"jpeg", caption="现场"), bot)
    location = Update.de_json(fake.send_location(wang, 31.23, 121.47), bot)
    command = Update.de_json(fake.send_text(wang, "你好 /help@shuangsuiji_test_bot"), bot)

    assert photo.message is not None and photo.message.photo[-1].width == 1280
    assert photo.message.caption == "现场"
    assert location.message is not None and location.message.location is not None
    assert location.update_id == photo.update_id + 1
    assert command.message is not None and command.message.from_user is not None
    assert command.message.from_user.language_code == "zh-hans"
    assert command.message.entities[0].offset == 3
    assert command.message.parse_entity(command.message.entities[0]) == "/help@shuangsuiji_test_bot"


async def test_bot_photo_reports_the_image_size() -> None:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48)).save(buffer, format="PNG")
    fake = FakeTelegram()
    fake.user(1001)
    async with direct_bot(fake) as bot:
        sent = await bot.send_photo(
            1001, buffer.getvalue(), caption="<b>现场</b>", parse_mode="HTML"
        )

    assert (sent.photo[-1].width, sent.photo[-1].height) == (64, 48)
    assert sent.caption == "现场"


async def test_an_album_arrives_as_one_update_per_photo_with_one_media_group() -> None:
    fake = FakeTelegram()
    wang = fake.user(1001)
    bot = direct_bot(fake)
    album = [Update.de_json(u, bot) for u in fake.send_album(wang, [b"a", b"b", b"c"])]

    groups = {u.message.media_group_id for u in album if u.message is not None}
    assert len(album) == 3 and len(groups) == 1 and None not in groups


async def test_bot_media_group_sends_each_photo_with_its_caption() -> None:
    from io import BytesIO

    from PIL import Image
    from telegram import InputMediaPhoto

    def png(width: int) -> bytes:
        buffer = BytesIO()
        Image.new("RGB", (width, 30)).save(buffer, format="PNG")
        return buffer.getvalue()

    fake = FakeTelegram()
    fake.user(1001)
    async with direct_bot(fake) as bot:
        sent = await bot.send_media_group(
            1001, [InputMediaPhoto(png(40), caption="一"), InputMediaPhoto(png(50))]
        )
        with pytest.raises(BadRequest):
            await bot.send_media_group(1001, [InputMediaPhoto(png(40))])

    assert [m.photo[-1].width for m in sent] == [40, 50]
    assert sent[0].caption == "一" and sent[1].caption is None
    assert sent[0].media_group_id == sent[1].media_group_id is not None
