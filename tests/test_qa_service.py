"""Policy questions through bot.services.qa, on SQLite and PostgreSQL: live numbers (the
configured ratio, this quarter's quota for the asker's county, his deadlines) that agree with
the quoted passage, "没有找到相关规定" for what the documents do not cover, and the documents
admins add (.txt in UTF-8 or GB18030, .docx), list and remove.

Retrieval itself (passages, tokens, BM25, the evaluation set) is tested in test_policy_qa.py."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from fractions import Fraction
from typing import Any
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select, update

from bot.config import DEFAULT_RATIOS
from bot.context import AppContext
from bot.knowledge.intents import Ask, intent_of
from bot.knowledge.passages import load_shipped
from bot.services import demo, identity, qa, reporting
from bot.services.draws import DrawRequest, preview
from bot.services.identity import Person
from bot.services.qa import MAX_DOCUMENT_BYTES, DocumentProblem, PolicyLibrary
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level, quota_for
from spotcheck.roles import Role
from storage.bot_models import PolicyDocument
from storage.models import AuditLog, Inspector, Target
from tests.conftest import make_config

PLAN = "保定市生态环境局2024年“双随机、一公开”监管工作实施方案"
NOT_FOUND = "\n".join(
    [
        "没有找到相关规定。我能回答的是：",
        f"· 规定原文：《{PLAN}》",
        "· 本机器人的用法：《使用说明》（任务、回避、现场检查、抽取、核验、报送）",
        "· 现行配置：各级各类监管对象的抽查比例、本季度应抽家数、报送期限",
        "可以换个说法再问，或咨询市局。",
    ]
)
GUIDE_LABEL = "（本机器人的用法，不是政策规定）"
STALE = "规定库已更新，请重新提问。"
JINGXIU, CITY = "130602", "130600"
TODAY = date(2024, 3, 28)  # 2024Q1, the day after the summary window opened

# The sentence of 二（四） that sets each level's ratio for each class.
PLAN_RATIO = {
    ("county", "key"): r"县级每季度至少对本行政区域内(\d+%)的重点监管对象",
    ("city", "key"): r"重点监管对象：市级\(含雄安新区本级\)每季度至少对本行政区域内(\d+%)",
    ("county", "special"): r"县级每季度至少对本行政区域内(\d+%)的特殊监管对象",
    ("city", "special"): r"特殊监管对象：市级\(含雄安新区本级\)每季度至少对本行政区域内(\d+%)",
    ("county", "general"): r"正面清单外的一般监管对象，各地每季度至少检查(\d+%)",
    ("city", "general"): r"正面清单外的一般监管对象，各地每季度至少检查(\d+%)",
}

# An added document: numbered sections, on a subject the shipped plan does not cover.
DRONE = "无人机巡查管理规定"
DRONE_TEXT = """无人机巡查管理规定

一、总则

（一）适用范围。本规定适用于全市生态环境部门使用无人机开展非现场巡查的工作。

（二）飞行报备。每次无人机巡查飞行须提前2个工作日向市局执法支队报备航线，经批准后方可起飞。

二、数据管理

（一）影像保存。无人机巡查取得的影像资料应当保存不少于3年，并及时上传至执法平台。
"""
DRONE_QUESTION = "无人机巡查要提前几天报备？"
DRONE_ANSWER = (
    "《无人机巡查管理规定》一（二） 飞行报备：\n"
    "每次无人机巡查飞行须提前2个工作日向市局执法支队报备航线，经批准后方可起飞。"
)


# --- small factories ----------------------------------------------------------------------------


@asynccontextmanager
async def opened(database_url: str, **sections: dict[str, Any]) -> AsyncIterator[AppContext]:
    ctx = await AppContext.open(make_config(database_url, **sections), migrate=False)
    try:
        yield ctx
    finally:
        await ctx.close()


async def bound(ctx: AppContext, role: Role, region: str, user_id: int) -> Person:
    """The first (by 执法证号) demo inspector with this role and region, bound to ``user_id``."""
    async with ctx.sessions() as session:
        cert_no = await session.scalar(
            select(Inspector.cert_no)
            .where(Inspector.role == role.value, Inspector.region_code == region, Inspector.active)
            .order_by(Inspector.cert_no)
            .limit(1)
        )
    assert cert_no is not None, (role, region)
    code, _ = await identity.create_invite(ctx, cert_no, "test")
    return await identity.redeem(ctx, code, user_id, user_id, "zh")


def docx(paragraphs: list[str]) -> bytes:
    """A minimal .docx: a zip holding word/document.xml, one w:p per paragraph (each split
    over two runs, as Word does)."""
    body = "".join(
        f"<w:p><w:r><w:t>{escape(p[:5])}</w:t></w:r><w:r><w:t>{escape(p[5:])}</w:t></w:r></w:p>"
        for p in paragraphs
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return out.getvalue()


async def ask(
    ctx: AppContext, library: PolicyLibrary, question: str, person: Person | None = None
) -> qa.Answer:
    return await qa.answer(library, ctx.texts, question, person, TODAY)


async def documents_in_db(ctx: AppContext) -> list[tuple[str, str, str, bool]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(
                PolicyDocument.name,
                PolicyDocument.text,
                PolicyDocument.added_by,
                PolicyDocument.active,
            ).order_by(PolicyDocument.id)
        )
        return [(name, text, by, active) for name, text, by, active in rows]


async def document_audit(ctx: AppContext) -> list[tuple[str, str, str, Any, Any]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(AuditLog.actor, AuditLog.action, AuditLog.entity_key, AuditLog.old, AuditLog.new)
            .where(AuditLog.entity == "policy_documents")
            .order_by(AuditLog.id)
        )
        return [(actor, action, key, old, new) for actor, action, key, old, new in rows]


def quoted_ratio(text: str, level: str, cls: str) -> str:
    found = re.search(PLAN_RATIO[(level, cls)], text)
    assert found is not None, (level, cls, text)
    return found.group(1)


# --- live numbers: the configured ratio --------------------------------------------------------


def test_plan_text_and_default_ratios_agree() -> None:
    """The ratios the bot is configured with by default are the ones 二（四） states."""
    [passage] = [p for p in load_shipped() if p.section == "二（四）"]
    for level, classes in DEFAULT_RATIOS.items():
        for cls, ratio in classes.items():
            assert quoted_ratio(passage.text, level, cls) == ratio


@pytest.mark.parametrize(
    ("question", "level", "cls", "line"),
    [
        (
            "县级重点监管对象每季度要抽多少？",
            "county",
            "key",
            "按现行配置，县级重点监管对象每季度至少抽查 25%。",
        ),
        (
            "市级重点监管对象抽查比例是多少？",
            "city",
            "key",
            "按现行配置，市级重点监管对象每季度至少抽查 10%。",
        ),
        (
            "县级特殊监管对象每季度抽查比例是多少？",
            "county",
            "special",
            "按现行配置，县级特殊监管对象每季度至少抽查 50%。",
        ),
        (
            "市局对特殊监管对象抽查比例是多少？",
            "city",
            "special",
            "按现行配置，市级特殊监管对象每季度至少抽查 10%。",
        ),
    ],
)
async def test_ratio_question_answers_the_configured_ratio_and_quotes_the_same_number(
    ctx: AppContext, question: str, level: str, cls: str, line: str
) -> None:
    intent = intent_of(question)
    assert intent is not None and intent.ask is Ask.RATIO
    found = await ask(ctx, PolicyLibrary(ctx), question)
    live, quote = found.text.split("\n\n", 1)
    assert found.found
    assert live == line
    assert quote.startswith(f"《{PLAN}》二（四） 分类确定抽查频次：\n")
    # the text-derived answer and the configured value agree
    configured = ctx.texts.percent(
        ctx.config.policy.ratios.ratio(Level(level), SupervisionClass(cls))
    )
    assert quoted_ratio(quote, level, cls) == configured == line.split(" ")[-1].rstrip("。")


async def test_county_key_ratio_question_answers_25_percent_from_config_and_plan(
    ctx: AppContext,
) -> None:
    found = await ask(ctx, PolicyLibrary(ctx), "县级重点监管对象每季度要抽多少？")
    assert found.text.startswith(
        "按现行配置，县级重点监管对象每季度至少抽查 25%。\n\n"
        f"《{PLAN}》二（四） 分类确定抽查频次：\n"
    )
    assert "县级每季度至少对本行政区域内25%的重点监管对象进行抽查。" in found.text
    assert found.found and len(found.more) == 2


async def test_configured_ratio_differing_from_the_plan_names_both(database_url: str) -> None:
    async with opened(database_url, policy={"ratios": {"county": {"key": "30%"}}}) as ctx:
        found = await ask(ctx, PolicyLibrary(ctx), "县级重点监管对象每季度要抽多少？")
    live, quote = found.text.split("\n\n", 1)
    assert live == (
        "按现行配置，县级重点监管对象每季度至少抽查 30%。（方案原文为 25%，本系统配置已调整为 30%。）"
    )
    assert "方案原文为 25%" in live
    assert quoted_ratio(quote, "county", "key") == "25%"  # the plan still says what it says


# --- live numbers: this quarter's quota, my deadlines -----------------------------------------


async def key_population(ctx: AppContext, region: str | None) -> int:
    """Active key targets, counted here in Python (not the service's query): of one county, or
    of the whole city when ``region`` is None. The positive list takes only general targets off
    site, so it does not matter here."""
    async with ctx.sessions() as session:
        targets = (await session.scalars(select(Target))).all()
    return sum(
        1
        for t in targets
        if t.active and t.supervision_class == "key" and (region is None or t.region_code == region)
    )


async def test_my_county_quota_is_ceil_25_percent_of_its_active_key_targets(
    ctx: AppContext,
) -> None:
    await demo.load_demo_directory(ctx)
    # one key target of 竞秀区 leaves the directory (it no longer counts); one is put on the
    # positive list, which takes only general targets off site — it still counts, as in a draw
    async with ctx.sessions() as session, session.begin():
        two = (
            await session.scalars(
                select(Target.id)
                .where(Target.region_code == JINGXIU, Target.supervision_class == "key")
                .order_by(Target.id)
                .limit(2)
            )
        ).all()
        await session.execute(update(Target).where(Target.id == two[0]).values(active=False))
        await session.execute(update(Target).where(Target.id == two[1]).values(positive_list=True))
    inspector = await bound(ctx, Role.INSPECTOR, JINGXIU, 7001)
    population = await key_population(ctx, JINGXIU)
    quota = quota_for(Fraction(25, 100), population)
    assert population > 0 and quota == -(-population * 25 // 100)

    found = await ask(ctx, PolicyLibrary(ctx), "我县重点监管对象这季度要抽几家？", inspector)

    live, quote = found.text.split("\n\n", 1)
    assert live == (
        f"按现行配置和名录库，竞秀区2024Q1：重点监管对象{population} 家，"
        f"县级每季度至少抽查 25%，本季度至少 {quota} 家（向上取整，含信用风险分级）。"
    )
    assert quote.startswith(f"《{PLAN}》二（四）")
    assert quoted_ratio(quote, "county", "key") == "25%"


async def test_city_admin_asking_the_quota_gets_the_city_figure_at_10_percent(
    ctx: AppContext,
) -> None:
    await demo.load_demo_directory(ctx)
    admin = await bound(ctx, Role.ADMIN, CITY, 7002)
    population = await key_population(ctx, None)
    assert population > await key_population(ctx, JINGXIU)

    found = await ask(ctx, PolicyLibrary(ctx), "我们重点监管对象这季度要抽几家？", admin)

    assert found.text.split("\n\n")[0] == (
        f"按现行配置和名录库，保定市2024Q1：重点监管对象{population} 家，"
        f"市级每季度至少抽查 10%，本季度至少 {quota_for(Fraction(1, 10), population)} 家（向上取整，含信用风险分级）。"
    )


async def test_county_admin_asking_when_statistics_are_due_gets_his_countys_windows(
    ctx: AppContext,
) -> None:
    await demo.load_demo_directory(ctx)
    county_admin = await bound(ctx, Role.COUNTY_ADMIN, JINGXIU, 7003)
    await reporting.mark_submitted(ctx, county_admin, "2024Q1", "summary", today=TODAY)

    found = await ask(ctx, PolicyLibrary(ctx), "我们的统计表什么时候报？", county_admin)

    assert found.text == "\n".join(
        [
            "按现行配置（节假日日历）算出的近期报送期限：",
            "2024Q1 季度工作总结：2024-03-27 至 2024-03-29（已报送）",
            "2024Q1 季度统计表：2024-04-01 至 2024-04-03（未报送）",
            "2024Q2 季度工作总结：2024-06-26 至 2024-06-28（未报送）",
            "2024Q2 季度统计表：2024-07-01 至 2024-07-03（未报送）",
            "",
            f"《{PLAN}》文末：",
            "请各县（市、区）分局严格落实工作信息报送机制，每季度结束前 3 个工作日内将本季度"
            "“双随机、一公开”监管工作总结（包括典型案例及相关佐证材料），每季度结束后 3 个工作日内"
            "将上一季度统计表报送市局。",
        ]
    )
    # the next passage is the guide's: where the bot shows these dates
    [position] = found.more
    guide = (await PolicyLibrary(ctx).index()).passages[position]
    assert (guide.document, guide.section) == ("使用说明", "六（一）")


async def test_deadline_question_without_a_person_quotes_only_the_plan(ctx: AppContext) -> None:
    found = await ask(ctx, PolicyLibrary(ctx), "我们的统计表什么时候报？")
    assert found.text.startswith(f"《{PLAN}》文末：\n请各县（市、区）分局")


# --- no answer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["食堂几点开饭？", "执法车辆怎么申请？"])
async def test_question_the_documents_do_not_cover_gets_exactly_the_refusal(
    ctx: AppContext, question: str
) -> None:
    found = await ask(ctx, PolicyLibrary(ctx), question)
    assert found == qa.Answer(NOT_FOUND, (), False)


# --- issue 12: the guide, and which source an answer quotes -------------------------------------


async def test_question_about_the_bot_is_answered_from_the_guide_with_its_section(
    ctx: AppContext,
) -> None:
    found = await ask(ctx, PolicyLibrary(ctx), "执法人员和检查对象有利害关系怎么办？")
    assert found.found
    assert found.text.startswith(f"《使用说明》二（三） 申请回避{GUIDE_LABEL}：\n")
    assert "「申请回避」" in found.text and "30 分钟" in found.text
    assert PLAN not in found.text


async def test_publication_deadline_comes_from_the_guide_not_a_wrong_plan_passage(
    ctx: AppContext,
) -> None:
    found = await ask(ctx, PolicyLibrary(ctx), "抽查结果多久要向社会公示？")
    assert found.text.startswith(f"《使用说明》六（三） 结果公示{GUIDE_LABEL}：\n")
    assert "20 个工作日" in found.text


async def test_next_passage_from_the_guide_is_labelled_as_the_guide(ctx: AppContext) -> None:
    library = PolicyLibrary(ctx)
    index = await library.index()
    position = next(i for i, p in enumerate(index.passages) if p.document == "使用说明")
    shown = await qa.passage_at(library, ctx.texts, library.fingerprint, position)
    assert shown is not None and shown.startswith("《使用说明》")
    assert GUIDE_LABEL in shown


async def test_each_part_of_an_answer_says_whether_it_is_configuration_or_the_plan(
    ctx: AppContext,
) -> None:
    await demo.load_demo_directory(ctx)
    inspector = await bound(ctx, Role.INSPECTOR, JINGXIU, 7004)
    library = PolicyLibrary(ctx)
    ratio = await ask(ctx, library, "县级重点监管对象每季度要抽多少？")
    quota = await ask(ctx, library, "我县重点监管对象这季度要抽几家？", inspector)
    deadlines = await ask(ctx, library, "我们的统计表什么时候报？", inspector)
    for found, live in (
        (ratio, "按现行配置，"),
        (quota, "按现行配置和名录库，"),
        (deadlines, "按现行配置（节假日日历）算出的近期报送期限："),
    ):
        first, quote = found.text.split("\n\n", 1)
        assert first.startswith(live)
        assert quote.startswith(f"《{PLAN}》")
        assert GUIDE_LABEL not in found.text


async def test_refusal_names_the_documents_it_can_answer_from_including_added_ones(
    ctx: AppContext,
) -> None:
    library = PolicyLibrary(ctx)
    await qa.add_document(ctx, library, f"{DRONE}.txt", DRONE_TEXT.encode(), "t")
    found = await ask(ctx, library, "食堂几点开饭？")
    assert not found.found
    assert found.text.splitlines()[:2] == [
        "没有找到相关规定。我能回答的是：",
        f"· 规定原文：《{PLAN}》、《{DRONE}》",
    ]
    assert "《使用说明》" in found.text


# --- documents: added ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
async def test_added_txt_answers_with_its_name_and_section(ctx: AppContext, encoding: str) -> None:
    library = PolicyLibrary(ctx)
    assert (await ask(ctx, library, DRONE_QUESTION)).text == NOT_FOUND

    document_id, passages = await qa.add_document(
        ctx, library, f"{DRONE}.txt", DRONE_TEXT.encode(encoding), "tg:1/130600001"
    )

    assert passages == 4
    found = await ask(ctx, library, DRONE_QUESTION)
    assert found.found and found.text == DRONE_ANSWER
    answer = await ask(ctx, library, "无人机巡查的影像资料保存多久？")
    assert answer.text.startswith("《无人机巡查管理规定》二（一） 影像保存：\n")
    assert "保存不少于3年" in answer.text
    # stored decoded, whatever the file's encoding
    assert await documents_in_db(ctx) == [(DRONE, DRONE_TEXT, "tg:1/130600001", True)]
    assert await document_audit(ctx) == [
        ("tg:1/130600001", "create", str(document_id), None, {"name": DRONE, "passages": 4})
    ]


async def test_added_docx_answers_from_its_paragraphs(ctx: AppContext) -> None:
    library = PolicyLibrary(ctx)
    paragraphs = [line for line in DRONE_TEXT.splitlines() if line.strip()]

    _, passages = await qa.add_document(ctx, library, f"{DRONE}.docx", docx(paragraphs), "test")

    assert passages == 4
    assert (await ask(ctx, library, DRONE_QUESTION)).text == DRONE_ANSWER
    [(name, text, _, active)] = await documents_in_db(ctx)
    assert (name, text, active) == (DRONE, "\n".join(paragraphs), True)


async def test_added_documents_persist_for_a_new_library(ctx: AppContext) -> None:
    """A restarted bot (a new PolicyLibrary) still answers from what admins added."""
    await qa.add_document(ctx, PolicyLibrary(ctx), f"{DRONE}.txt", DRONE_TEXT.encode(), "test")
    assert (await ask(ctx, PolicyLibrary(ctx), DRONE_QUESTION)).text == DRONE_ANSWER


def _zip_without_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/styles.xml", "<styles/>")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("name", "data", "kind", "message"),
    [
        (
            "规定.pdf",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj",
            "not_text",
            "只接受 .txt 或 .docx 规定文本。",
        ),
        ("规定.doc", DRONE_TEXT.encode(), "not_text", "只接受 .txt 或 .docx 规定文本。"),
        ("规定.txt", PNG, "unreadable", "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。"),
        (
            "规定.txt",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
            "unreadable",
            "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。",
        ),
        (
            "规定.txt",
            bytes(range(256)),
            "unreadable",
            "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。",
        ),
        (
            "规定.docx",
            b"not a zip at all",
            "unreadable",
            "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。",
        ),
        (
            "规定.docx",
            _zip_without_document(),
            "unreadable",
            "文件无法读取：请另存为 UTF-8 编码的 .txt 或 .docx。",
        ),
        (
            "规定.txt",
            "一、".encode() + b"x" * MAX_DOCUMENT_BYTES,
            "too_large",
            "文件过大（上限 2 MB）。",
        ),
        ("规定.txt", b"", "empty", "文件里没有可用的文字。"),
        ("规定.txt", " \r\n\n\u3000\n".encode(), "empty", "文件里没有可用的文字。"),
        ("规定.docx", docx([]), "empty", "文件里没有可用的文字。"),
    ],
    ids=[
        "pdf",
        "doc",
        "png-as-txt",
        "zip-as-txt",
        "bytes-as-txt",
        "not-zip-docx",
        "docx-no-body",
        "oversize",
        "empty",
        "blank",
        "empty-docx",
    ],
)
async def test_refused_document_stores_nothing(
    ctx: AppContext, name: str, data: bytes, kind: str, message: str
) -> None:
    library = PolicyLibrary(ctx)
    generation = library.generation

    with pytest.raises(DocumentProblem) as refused:
        await qa.add_document(ctx, library, name, data, "test")

    assert refused.value.kind == kind
    assert ctx.texts.document_problem(kind) == message
    assert await documents_in_db(ctx) == []
    assert await document_audit(ctx) == []
    assert library.generation == generation


async def test_documents_lists_the_shipped_plan_as_0_and_the_added_ones(ctx: AppContext) -> None:
    library = PolicyLibrary(ctx)
    assert await qa.documents(ctx) == [(0, PLAN)]
    first, _ = await qa.add_document(ctx, library, f"{DRONE}.txt", DRONE_TEXT.encode(), "test")
    second, _ = await qa.add_document(
        ctx,
        library,
        "执法记录仪使用规定.docx",
        docx(["一、总则", "（一）佩戴。现场检查全程佩戴执法记录仪。"]),
        "test",
    )

    assert await qa.documents(ctx) == [(0, PLAN), (first, DRONE), (second, "执法记录仪使用规定")]
    assert ctx.texts.documents_list(await qa.documents(ctx)) == "\n".join(
        [
            "规定库：",
            f"0. 《{PLAN}》（内置）",
            f"{first}. 《{DRONE}》",
            f"{second}. 《执法记录仪使用规定》",
            "移除：/policies remove 编号；加入：直接发送 .txt 或 .docx 文件。",
        ]
    )


# --- documents: removed ------------------------------------------------------------------------


async def test_removed_document_no_longer_answers_and_stays_inactive_with_an_audit_row(
    ctx: AppContext,
) -> None:
    library = PolicyLibrary(ctx)
    document_id, _ = await qa.add_document(
        ctx, library, f"{DRONE}.txt", DRONE_TEXT.encode(), "tg:1/a"
    )
    assert (await ask(ctx, library, DRONE_QUESTION)).text == DRONE_ANSWER

    assert await qa.remove_document(ctx, library, document_id, "tg:2/b") == DRONE

    assert await ask(ctx, library, DRONE_QUESTION) == qa.Answer(NOT_FOUND, (), False)
    assert await ask(ctx, PolicyLibrary(ctx), DRONE_QUESTION) == qa.Answer(NOT_FOUND, (), False)
    assert await qa.documents(ctx) == [(0, PLAN)]
    assert await documents_in_db(ctx) == [(DRONE, DRONE_TEXT, "tg:1/a", False)]
    assert await document_audit(ctx) == [
        ("tg:1/a", "create", str(document_id), None, {"name": DRONE, "passages": 4}),
        ("tg:2/b", "deactivate", str(document_id), {"active": True}, {"active": False}),
    ]


async def test_removing_the_shipped_plan_an_unknown_or_a_removed_document_is_refused(
    ctx: AppContext,
) -> None:
    library = PolicyLibrary(ctx)
    document_id, _ = await qa.add_document(ctx, library, f"{DRONE}.txt", DRONE_TEXT.encode(), "t")
    await qa.remove_document(ctx, library, document_id, "t")
    generation = library.generation
    for wrong in (0, document_id, document_id + 100):
        with pytest.raises(DocumentProblem) as refused:
            await qa.remove_document(ctx, library, wrong, "t")
        assert refused.value.kind == "no_document"
    assert ctx.texts.document_problem("no_document") == "没有这个规定文件编号。"
    assert library.generation == generation
    assert [a[1] for a in await document_audit(ctx)] == ["create", "deactivate"]
    assert (await ask(ctx, library, "县级重点监管对象每季度要抽多少？")).found  # the plan stays


# --- the 下一条相关规定 button -----------------------------------------------------------------


async def test_next_passage_is_the_second_hit_until_the_library_changes(ctx: AppContext) -> None:
    library = PolicyLibrary(ctx)
    found = await ask(ctx, library, "县级重点监管对象每季度要抽多少？")
    generation, position = library.fingerprint, found.more[0]
    second = (await library.index()).passages[position]

    shown = await qa.passage_at(library, ctx.texts, generation, position)

    assert shown is not None
    assert shown.startswith(f"《{second.document}》{second.section}")
    assert second.text[:40] in shown
    assert "县级每季度至少对本行政区域内25%" not in shown  # not the first hit again
    # an admin adds a document: the old button is stale (and says so), a new question is not
    document_id, _ = await qa.add_document(ctx, library, f"{DRONE}.txt", DRONE_TEXT.encode(), "t")
    assert await qa.passage_at(library, ctx.texts, generation, position) is None
    assert ctx.texts.qa_stale() == STALE
    again = await ask(ctx, library, "县级重点监管对象每季度要抽多少？")
    assert await qa.passage_at(library, ctx.texts, library.fingerprint, again.more[0]) is not None
    # and removing one makes it stale again
    before = library.fingerprint
    await qa.remove_document(ctx, library, document_id, "t")
    assert await qa.passage_at(library, ctx.texts, before, again.more[0]) is None
    # a restarted bot (a new library) still knows a button from before the restart
    restarted = PolicyLibrary(ctx)
    await restarted.index()
    assert restarted.fingerprint == library.fingerprint


async def test_next_passage_button_with_a_forged_position_shows_nothing(ctx: AppContext) -> None:
    library = PolicyLibrary(ctx)
    count = len((await library.index()).passages)
    for position in (-1, count, 10_000):
        assert await qa.passage_at(library, ctx.texts, library.generation, position) is None


class _PausingSession:
    def __init__(self, session: Any, pause: ReadPausesOnce) -> None:
        self._session, self._pause = session, pause

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        result = await self._session.execute(*args, **kwargs)
        if not self._pause.read.is_set():
            self._pause.read.set()
            await self._pause.go_on.wait()
        return result


class ReadPausesOnce:
    """The library's context, whose first query stops after reading until ``go_on`` is set."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        self.read, self.go_on = asyncio.Event(), asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    @asynccontextmanager
    async def sessions(self) -> AsyncIterator[Any]:
        async with self._ctx.sessions() as session:
            yield _PausingSession(session, self)


async def test_document_added_while_the_index_is_being_read_is_not_lost(ctx: AppContext) -> None:
    """The bot builds its index at start; an admin's document arriving meanwhile must not be
    hidden by the index read just before it (until some later change)."""
    library = PolicyLibrary(ctx)
    paused = ReadPausesOnce(ctx)
    library.ctx = paused  # type: ignore[assignment]
    building = asyncio.create_task(library.index())
    await paused.read.wait()

    await qa.add_document(ctx, library, f"{DRONE}.txt", DRONE_TEXT.encode(), "t")
    paused.go_on.set()
    await building

    assert (await ask(ctx, library, DRONE_QUESTION)).text == DRONE_ANSWER


async def test_my_county_quota_is_what_the_draw_plans_with_grade_multipliers(
    database_url: str,
) -> None:
    multipliers = {"policy": {"grade_multipliers": {"C": 2, "D": 3}}}
    async with opened(database_url, **multipliers) as ctx:
        await demo.load_demo_directory(ctx)
        inspector = await bound(ctx, Role.INSPECTOR, JINGXIU, 7001)
        found = await ask(ctx, PolicyLibrary(ctx), "我县重点监管对象这季度要抽几家？", inspector)
        request = DrawRequest(
            "2024Q1", Level.COUNTY, "t", region=JINGXIU, supervision_class=SupervisionClass.KEY
        )
        planned = sum(s.quota for s in await preview(ctx, request))
        assert planned > quota_for(
            Fraction(1, 4), await key_population(ctx, JINGXIU)
        )  # the multipliers bite
        assert f"本季度至少 {planned} 家" in found.text


async def test_a_button_from_before_a_restart_and_a_removal_is_stale(ctx: AppContext) -> None:
    library = PolicyLibrary(ctx)
    document_id, _ = await qa.add_document(ctx, library, f"{DRONE}.txt", DRONE_TEXT.encode(), "t")
    found = await ask(ctx, library, "县级重点监管对象每季度要抽多少？")
    button = (library.fingerprint, found.more[0])
    await qa.remove_document(ctx, library, document_id, "t")
    restarted = PolicyLibrary(ctx)  # another process, or the same after a restart
    assert await qa.passage_at(restarted, ctx.texts, *button) is None
