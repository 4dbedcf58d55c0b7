"""An inspector who is also an admin, with his inspection form waiting for photos: the photos
question takes only files that claim to be images; his /import spreadsheet goes to /import."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from spotcheck.roles import Role
from storage.models import Inspector, Target
from storage.result_models import Evidence
from tests.e2e.conftest import OpenBot
from tests.e2e.test_import_in_chat import XLSX, fresh_targets, sheet
from tests.e2e.test_inspection_photos import at_photos
from tests.evidence_images import png
from tests.factories import TARGET_HEADERS


async def test_an_import_sheet_sent_while_photos_are_asked_is_imported_not_taken_as_a_photo(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await at_photos(bot)
        [me] = await bot.all(select(Inspector).where(Inspector.cert_no == task.cert))
        async with bot.ctx.sessions() as session, session.begin():
            await session.execute(
                update(Inspector)
                .where(Inspector.cert_no == task.cert)
                .values(role=Role.COUNTY_ADMIN.value)
            )
        rows = fresh_targets(2, me.region_code)
        await bot.send(task.user, "/import targets")
        data = sheet(tmp_path, TARGET_HEADERS, rows)
        bot.fake.send_document(task.user, data, "企业名单.xlsx", XLSX)
        await bot.fake.until_idle()
        imported = bot.fake.last_text(task.user.id)
        # an image file with no image type still counts as a photo: by its name
        bot.fake.send_document(task.user, png(seed=5), "现场.PNG")
        await bot.fake.until_idle()
        photo = bot.fake.last_text(task.user.id)

    assert imported == "检查对象名录库导入完成：新增 2，更新 0，未变 0，停用 0。"
    codes = [r["统一社会信用代码"] for r in rows]
    stored = await bot.all(select(Target.credit_code).where(Target.credit_code.in_(codes)))
    assert sorted(stored) == sorted(codes)
    assert photo == "已收到第 1 张照片。"
    [evidence] = await bot.all(select(Evidence))
    assert evidence.assignment_id == task.assignment_id
