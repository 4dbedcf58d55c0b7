"""Policy questions: the passage that answers them, with its section, and the numbers the bot
itself holds (the configured ratio, this quarter's quota for the asker's county, his deadlines)
put first when the question asks for one. Where the configuration differs from the shipped
plan, both are said."""

from __future__ import annotations

import asyncio
import re
import zlib
from dataclasses import dataclass
from datetime import date

from bot.config import DEFAULT_RATIOS, Config
from bot.context import AppContext
from bot.knowledge.docx import NotADocx, UnsafeDocx, docx_text
from bot.knowledge.guide import is_guide, load_guide, policy_documents
from bot.knowledge.intents import Ask, Intent, intent_of
from bot.knowledge.passages import Passage, load_shipped, split_text
from bot.knowledge.retrieval import PolicyIndex, trim
from bot.services import reporting
from bot.services.identity import Person
from bot.services.minimums import class_minimums
from bot.services.problems import ServiceProblem
from bot.texts import Texts
from spotcheck.classes import SupervisionClass
from spotcheck.deadlines import Quarter
from spotcheck.quota import Level, parse_ratio
from storage import policy_store
from storage.audit import audit
from storage.bot_models import PolicyDocument
from storage.lengths import fit_text, length_of

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # not \t \n \v \f \r


class DocumentProblem(ServiceProblem):
    """An added document refused: not .txt or .docx, unreadable, empty or too large."""


class PolicyLibrary:
    """The shipped documents and those admins added, indexed once and again after a change."""

    def __init__(self, ctx: AppContext | None, config: Config | None = None) -> None:
        """Without ``ctx`` (`ask` where no database exists yet): the shipped documents only,
        and the numbers of ``config``."""
        if ctx is not None:
            config = ctx.config
        assert config is not None, "a library without a database needs the config"
        self.ctx, self.config = ctx, config
        self._index: PolicyIndex | None = None
        self.generation = 0  # bumps on every change in this process (guards a racing read)
        # Which documents are in the index: "next passage" buttons carry it, so that a button
        # from before a change (or from another process) is recognised as stale.
        self.fingerprint = 0
        self._building = asyncio.Lock()  # one build at a time; who waited takes its result

    async def index(self) -> PolicyIndex:
        if self._index is not None:
            return self._index
        async with self._building:
            if self._index is not None:
                return self._index
            return await self._build()

    async def _build(self) -> PolicyIndex:
        generation = self.generation
        passages = list(load_shipped())
        ids = []
        for document_id, name, text in await self._added():
            ids.append(str(document_id))
            passages += split_text(name, text)
        passages += load_guide()  # last, so that the others keep their positions
        # jieba cuts every passage (a second or more at start): in a thread, so that the bot
        # keeps answering inspectors meanwhile.
        index = await asyncio.to_thread(PolicyIndex, passages)
        if generation == self.generation:
            # Not when a document was added or removed while we read: that index is stale.
            self._index = index
            self.fingerprint = zlib.crc32(",".join(ids).encode()) % 100_000_000
        return index

    async def _added(self) -> list[tuple[int, str, str]]:
        if self.ctx is None:
            return []
        async with self.ctx.sessions() as session:
            return await policy_store.active_texts(session)

    def invalidate(self) -> None:
        self._index = None
        self.generation += 1


@dataclass(frozen=True)
class Answer:
    text: str
    more: tuple[int, ...]  # passage positions of the next best hits, for 下一条 buttons
    found: bool


async def answer(
    library: PolicyLibrary, texts: Texts, question: str, person: Person | None, today: date
) -> Answer:
    index = await library.index()
    hits = index.search(question, k=3)
    live = await _live(library, texts, intent_of(question), person, today)
    if not hits and live is None:
        return Answer(texts.qa_not_found(policy_documents(index.passages)), (), False)
    parts = [live] if live else []
    if hits:
        parts.append(_quote(texts, hits[0].passage, question))
    positions = tuple(h.position for h in hits[1:])
    return Answer("\n\n".join(parts), positions, True)


async def passage_at(
    library: PolicyLibrary, texts: Texts, generation: int, position: int
) -> str | None:
    """The passage a 下一条 button names, or None when the library changed since."""
    index = await library.index()
    if generation != library.fingerprint or not 0 <= position < len(index.passages):
        return None
    return _quote(texts, index.passages[position], "")


def _quote(texts: Texts, passage: Passage, question: str) -> str:
    text = trim(passage.text, 300, query=question)
    if is_guide(passage):
        return texts.qa_guide_passage(passage.section, passage.title, text)
    return texts.qa_passage(passage.document, passage.section, passage.title, text)


async def _live(
    library: PolicyLibrary, texts: Texts, intent: Intent | None, person: Person | None, today: date
) -> str | None:
    if intent is None:
        return None
    ctx = library.ctx  # an asker's own numbers need the database he is bound in
    if intent.ask is Ask.DEADLINE:
        if person is None or ctx is None:
            return None
        rows = await reporting.upcoming(ctx, person, today)
        county = person.role.value == "county_admin"
        return texts.qa_deadlines(
            [
                texts.deadline_line(
                    d.quarter, d.duty, d.window, d.provisional, d.submitted if county else None
                )
                for d in rows
            ]
        )
    assert intent.supervision_class is not None
    cls = intent.supervision_class
    levels = [intent.level] if intent.level is not None else [Level.COUNTY, Level.CITY]
    if intent.ask is Ask.QUOTA and person is not None and ctx is not None:
        return await _quota(ctx, texts, cls, intent.level, person, today)
    lines = []
    for level in levels:
        configured = library.config.policy.ratios.ratio(level, cls)
        planned = parse_ratio(DEFAULT_RATIOS[level.value][cls.value])
        lines.append(
            texts.qa_ratio(
                level.value,
                cls.value,
                texts.percent(configured),
                None if configured == planned else texts.percent(planned),
            )
        )
    return "\n".join(lines)


async def _quota(
    ctx: AppContext,
    texts: Texts,
    cls: SupervisionClass,
    level: Level | None,
    person: Person,
    today: date,
) -> str:
    """This quarter's minimum for the asker's county (or the city, for city staff)."""
    city = person.region == ctx.config.regions.code or level is Level.CITY
    where = Level.CITY if city else Level.COUNTY
    async with ctx.sessions() as session:
        found = (await class_minimums(ctx, session, where, None if city else person.region))[cls]
    ratio = ctx.config.policy.ratios.ratio(where, cls)
    name = ctx.config.regions.name if city else texts.region_name(ctx.config.regions, person.region)
    return texts.qa_quota(
        name,
        str(Quarter.containing(today)),
        where.value,
        cls.value,
        found.population,
        texts.percent(ratio),
        found.minimum,
    )


async def add_document(
    ctx: AppContext, library: PolicyLibrary, name: str, data: bytes, actor: str
) -> tuple[int, int]:
    """An admin's .txt (UTF-8 or GB18030) or .docx: (document id, passages found)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentProblem("too_large")
    title = fit_text(document_title(name), length_of(PolicyDocument.name))
    # Unpacking and parsing take a while on a large file: not on the loop every chat shares.
    text, passages = await asyncio.to_thread(read_document, name, title, data)
    async with ctx.sessions() as session, session.begin():
        document = await policy_store.add(session, title, text, actor)
        session.add(
            audit(
                actor,
                "create",
                "policy_documents",
                str(document.id),
                new={"name": title, "passages": len(passages)},
            )
        )
        document_id = document.id
    library.invalidate()
    return document_id, len(passages)


def document_title(file_name: str) -> str:
    """A document's name in answers: its file name without the extension."""
    return file_name.rsplit(".", 1)[0].strip() or file_name


def read_document(name: str, title: str, data: bytes) -> tuple[str, list[Passage]]:
    """An upload's text and passages, or the DocumentProblem saying why not."""
    lower = name.lower()
    if lower.endswith(".docx"):
        try:
            text = docx_text(data, MAX_DOCUMENT_BYTES)
        except UnsafeDocx:
            raise DocumentProblem("unsafe") from None
        except NotADocx:
            raise DocumentProblem("unreadable") from None
    elif lower.endswith(".txt"):
        text = _decode(data)
    else:
        raise DocumentProblem("not_text")
    passages = split_text(title, text)
    if not passages:
        raise DocumentProblem("empty")
    return text, passages


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes most byte soup: control characters mean it was not text.
        if _CONTROL.search(text):
            break
        return text
    raise DocumentProblem("unreadable")


async def documents(ctx: AppContext) -> list[tuple[int, str]]:
    """(id, name) of the documents admins added and did not remove; the shipped plan is id 0."""
    async with ctx.sessions() as session:
        return [(0, shipped_name()), *await policy_store.active_names(session)]


def shipped_name() -> str:
    shipped = load_shipped()
    return shipped[0].document if shipped else ""


async def remove_document(
    ctx: AppContext, library: PolicyLibrary, document_id: int, actor: str
) -> str:
    async with ctx.sessions() as session, session.begin():
        document = await policy_store.active(session, document_id)
        if document is None:
            raise DocumentProblem("no_document")
        document.active = False
        session.add(
            audit(
                actor,
                "deactivate",
                "policy_documents",
                str(document_id),
                old={"active": True},
                new={"active": False},
            )
        )
        name = document.name
    library.invalidate()
    return name
