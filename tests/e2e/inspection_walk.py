"""Helpers of the inspection form's bot tests: an inspector with an accepted task, and the
answers of one inspection walked question by question as a user would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from storage.draw_models import Assignment
from storage.models import Target
from tests.e2e.conftest import BotHarness
from tests.e2e.fake_telegram import TgUser
from tests.e2e.test_assignments import drawn_with_a_push
from tests.evidence_images import exif_of, jpeg

JSON = dict[str, Any]
CHECKIN = "第 1 步 现场签到"
REVIEW = "请核对"
# What the form says between questions: acknowledgements and headings.
NOT_QUESTIONS = ("已收到", "已签到", "已记录", "⚠️", "这张照片", "【现场检查】", "继续填写")


@dataclass
class Task:
    cert: str
    user: TgUser
    assignment_id: int
    target: Target
    push: JSON


async def accepted_task(bot: BotHarness) -> Task:
    """A county drawn and pushed; the first inspector with a task accepts it."""
    cert, user, push, assignment_id = await drawn_with_a_push(bot)
    await bot.press(user, "接受", push)
    [assignment] = await bot.all(select(Assignment).where(Assignment.id == assignment_id))
    return Task(cert, user, assignment_id, await bot.target(assignment.credit_code), push)


def with_button(bot: BotHarness, user: TgUser, label: str) -> JSON:
    """The latest message in the chat carrying a button ``label``."""
    for message in reversed(bot.fake.sent_to(user.id)):
        if any(text == label for text, _ in bot.fake.buttons(message)):
            return message
    raise AssertionError(f"no message with a button {label!r}")


def question_of(bot: BotHarness, user: TgUser) -> str:
    """The text of the latest question (or review screen) the form showed."""
    for message in reversed(bot.fake.sent_to(user.id)):
        text = str(message.get("text", ""))
        if text and not text.startswith(NOT_QUESTIONS):
            return text
    raise AssertionError("no question shown")


@dataclass
class Plan:
    """How to answer: the first item has a problem, the rest none."""

    offset: float = 0.001  # degrees of latitude north of the target (about 111 m)
    photos: list[bytes] = field(
        default_factory=lambda: [jpeg(seed=11), jpeg(seed=12, exif=exif_of(None, 38.9, 115.5))]
    )
    category: str = "发现问题已责令改正"
    follow_ups: tuple[str, ...] = ("责令整改", "移交")


async def answer_next(bot: BotHarness, user: TgUser, task: Task, plan: Plan) -> bool:
    """Answer the form's open question as the plan says; False at the review screen."""
    text = question_of(bot, user)
    if text.startswith(REVIEW):
        return False
    if text.startswith(CHECKIN):
        lat = float(task.target.latitude or 0) + plan.offset
        bot._log(f"{user.first_name}({user.id}) ⇒ location")
        bot.fake.send_location(user, lat, float(task.target.longitude or 0))
        await bot.fake.until_idle()
    elif text.endswith("：检查结果？"):
        first = "排污许可制度执行情况的检查" in text
        await bot.press(user, "发现问题" if first else "未发现问题")
    elif "发现的问题（简要说明" in text:
        await bot.send(user, "废气处理设施未运行")
    elif text.startswith("请填写检查发现"):
        await bot.send(user, "现场检查发现废气处理设施停运，已责令立即恢复运行。")
    elif text.startswith("请发送现场照片"):
        for data in plan.photos:
            bot._log(f"{user.first_name}({user.id}) ⇒ photo ({len(data)} bytes)")
            if data is plan.photos[-1]:
                bot.fake.send_document(user, data, "IMG_0001.jpg", "image/jpeg", caption="排口")
            else:
                bot.fake.send_photo(user, data)
            await bot.fake.until_idle()
        await bot.press(user, "完成", with_button(bot, user, "完成"))
    elif text.startswith("请选择检查结果类别"):
        await bot.press(user, plan.category)
    elif text.startswith("请选择后续处置"):
        for label in plan.follow_ups:
            await bot.press(user, label, with_button(bot, user, label))
        await bot.press(user, "完成", with_button(bot, user, "完成"))
    elif text.startswith("请选择整改期限"):
        await bot.press(user, "15天")
    elif text.startswith("请输入移交的主管部门"):
        await bot.send(user, "保定市公安局")
    else:
        raise AssertionError(f"unexpected question {text!r}")
    return True


async def walk_to_review(bot: BotHarness, task: Task, plan: Plan | None = None) -> None:
    plan = plan or Plan()
    for _ in range(40):
        if not await answer_next(bot, task.user, task, plan):
            return
    raise AssertionError("the form did not reach its review screen")
