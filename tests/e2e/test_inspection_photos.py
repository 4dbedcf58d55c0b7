"""Photos for the inspection form: each checked, stored under its hash, counted once; refused
files store nothing; an album arrives whole."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from storage.evidence_store import evidence_path
from storage.result_models import Evidence
from tests.e2e.conftest import BotHarness, OpenBot
from tests.e2e.inspection_walk import (
    Plan,
    Task,
    accepted_task,
    answer_next,
    question_of,
    with_button,
)
from tests.evidence_images import bomb_png, exif_of, jpeg, png, truncated_jpeg

PHOTOS = "请发送现场照片"


async def at_photos(bot: BotHarness) -> Task:
    """An inspector whose form waits for photos."""
    task = await accepted_task(bot)
    await bot.press(task.user, "开始检查")
    while not question_of(bot, task.user).startswith(PHOTOS):
        await answer_next(bot, task.user, task, Plan())
    return task


def files_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


async def test_jpeg_with_exif_as_a_document_keeps_its_exif_and_bytes(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    store = tmp_path / "evidence"
    bot = await open_bot(storage={"evidence_dir": str(store)})
    taken = datetime(2024, 2, 5, 9, 30, 5)
    original = jpeg(seed=21, exif=exif_of(taken, 38.873, 115.464))
    async with bot.running():
        task = await at_photos(bot)
        bot.fake.send_document(
            task.user, original, "DSC_0042.jpg", "image/jpeg", caption="废气排口"
        )
        await bot.fake.until_idle()
        bot.fake.send_document(task.user, png(seed=5), "截图.png", "image/png")
        await bot.fake.until_idle()
    assert bot.said(task.user.id)[-2:] == ["已收到第 1 张照片。", "已收到第 2 张照片。"]
    first, second = await bot.all(select(Evidence).order_by(Evidence.id))
    assert (first.source, first.media_type, first.note, first.exif_time) == (
        "document",
        "jpeg",
        "废气排口",
        taken,
    )
    assert (round(first.exif_latitude or 0, 3), round(first.exif_longitude or 0, 3)) == (
        38.873,
        115.464,
    )
    assert evidence_path(store, first.sha256, "jpeg").read_bytes() == original
    assert (second.source, second.media_type, second.exif_time) == ("document", "png", None)


async def test_broken_and_fake_images_are_refused_and_nothing_is_stored(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    store = tmp_path / "evidence"
    bot = await open_bot(storage={"evidence_dir": str(store)})
    async with bot.running():
        task = await at_photos(bot)
        bot.fake.send_document(task.user, truncated_jpeg(), "IMG_1.jpg", "image/jpeg")
        await bot.fake.until_idle()
        bot.fake.send_document(task.user, "这不是图片".encode() * 50, "IMG_2.jpg", "image/jpeg")
        await bot.fake.until_idle()
    assert bot.said(task.user.id)[-2:] == [
        "图片不完整或已损坏，无法打开，未保存。请重新拍摄或重新发送。",
        "这不是图片文件，未保存。请发送照片，或以文件方式发送 JPEG/PNG 原图。",
    ]
    assert await bot.all(select(Evidence)) == []
    assert files_in(store) == []


async def test_a_decompression_bomb_sent_as_a_photo_or_a_file_is_refused(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    store = tmp_path / "evidence"
    bot = await open_bot(storage={"evidence_dir": str(store)})
    async with bot.running():
        task = await at_photos(bot)
        bot.fake.send_document(task.user, bomb_png(8_000), "IMG_3.png", "image/png")
        await bot.fake.until_idle()
        bot.fake.send_photo(task.user, bomb_png(8_000), width=1280, height=1280)
        await bot.fake.until_idle()
    assert bot.said(task.user.id)[-2:] == ["图片像素数异常庞大，疑似恶意文件，已拒绝。"] * 2
    assert await bot.all(select(Evidence)) == []
    assert files_in(store) == []


async def test_a_file_over_the_limit_is_refused_before_download(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(
        storage={"evidence_dir": str(tmp_path / "evidence")},
        inspection={"max_photo_bytes": 50_000},
    )
    async with bot.running():
        task = await at_photos(bot)
        downloads = len(bot.fake.calls_to("getFile"))
        bot.fake.send_document(task.user, jpeg((1200, 900), seed=3), "big.jpg", "image/jpeg")
        await bot.fake.until_idle()
        assert len(bot.fake.calls_to("getFile")) == downloads
    assert bot.said(task.user.id)[-1].startswith("图片过大（")
    assert await bot.all(select(Evidence)) == []


async def test_the_same_photo_twice_is_stored_once(open_bot: OpenBot, tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    bot = await open_bot(storage={"evidence_dir": str(store)})
    same = jpeg(seed=31)
    async with bot.running():
        task = await at_photos(bot)
        for _ in range(2):
            bot.fake.send_photo(task.user, same)
            await bot.fake.until_idle()
        bot.fake.duplicate_last_update()  # Telegram delivers it again after a crash
        await bot.fake.until_idle()
        await bot.press(task.user, "完成", _photos_question(bot, task))
        await bot.press(task.user, "发现问题已责令改正")
    assert bot.said(task.user.id).count("已收到第 1 张照片。") == 1
    assert "这张照片已收到过，不重复保存（共 1 张）。" in bot.said(task.user.id)
    [row] = await bot.all(select(Evidence))
    assert row.source == "photo"
    assert len(files_in(store)) == 2  # the photo and its thumbnail


async def test_an_album_of_ten_is_stored_whole_and_counted_once_each(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    store = tmp_path / "evidence"
    bot = await open_bot(storage={"evidence_dir": str(store)})
    album = [jpeg((480, 360), seed=40 + i) for i in range(10)]
    async with bot.running():
        task = await at_photos(bot)
        bot.fake.send_album(task.user, album)
        await bot.fake.until_idle()
        await bot.press(task.user, "完成", _photos_question(bot, task))
        while not question_of(bot, task.user).startswith("请核对"):
            await answer_next(bot, task.user, task, Plan())
        review = question_of(bot, task.user)
    acks = [t for t in bot.said(task.user.id) if t.startswith("已收到第")]
    assert acks == [f"已收到第 {n} 张照片。" for n in range(1, 11)]
    assert len(await bot.all(select(Evidence))) == 10
    assert "现场照片（张）：10" in review


async def test_a_photo_when_none_is_asked_is_not_stored(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await accepted_task(bot)
        bot.fake.send_photo(task.user, jpeg(seed=50))  # no form open
        await bot.fake.until_idle()
        await bot.press(task.user, "开始检查", with_button(bot, task.user, "开始检查"))
        bot.fake.send_photo(task.user, jpeg(seed=51))  # the check-in is asked
        await bot.fake.until_idle()
    expected = "现在不需要照片：检查表问到「现场照片」时再发送。未保存。"
    assert bot.said(task.user.id).count(expected) == 2
    assert await bot.all(select(Evidence)) == []
    assert bot.fake.calls_to("getFile") == []


def _photos_question(bot: BotHarness, task: Task) -> dict[str, object]:
    for message in reversed(bot.fake.sent_to(task.user.id)):
        if str(message.get("text", "")).startswith(PHOTOS):
            return message
    raise AssertionError("the photos question was not asked")
