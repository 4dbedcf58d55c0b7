"""`publish QUARTER --html DIR`: the static page set the bureau uploads as it is.

DIR/index.html lists every quarter page found in DIR (publishing another quarter adds to it);
DIR/<quarter>.html holds the results (searchable and filterable by the page's own script, the
data inline as JSON), the item list, the plans and how to re-compute each draw; DIR/<quarter>/
holds the same results as .xlsx and .csv and each draw record's public extract under records/.
The extracts and the seeds are written only once the quarter has ended (the page says so until
then): they tell who is to be inspected.
Nothing is fetched from anywhere: the style and the script are inline, so the pages work
offline from file:// as well as on any web server.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from bot.context import AppContext
from bot.services.disclosure import (
    Disclosure,
    item_sheet,
    plan_sheet,
    record_extracts,
    result_sheet,
    write_file,
)
from spotcheck.deadlines import QUARTER_PATTERN
from spotcheck.inspection import ResultCategory
from storage.excel import SheetData
from storage.out_files import staged

_PAGE = re.compile(QUARTER_PATTERN.pattern + r"\.html")


def _resource(name: str) -> str:
    return resources.files("bot.public_pages").joinpath(name).read_text(encoding="utf-8")


# A cell this short, or a code in ASCII, is kept on one line (a date, a county, a category,
# a credit code); longer text wraps. The page's script holds to the same rule.
SHORT = 10


class _Markup(str):
    """A cell already written as HTML (a link, a hash in <code>)."""


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _cell(header: str, value: Any) -> str:
    label = html.escape(header)
    if isinstance(value, _Markup):
        return f'<td data-label="{label}">{value}</td>'
    text = _plain(value)
    short = ' class="short"' if len(text) <= SHORT or text.isascii() else ""
    return f'<td data-label="{label}"{short}>{html.escape(text)}</td>'


def _script_json(value: object) -> str:
    """JSON that cannot end its <script> element early nor open a comment in it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], empty: str) -> str:
    """A table of values (escaped here) or _Markup; on a phone each row is a card labelled by
    its headers."""
    if not rows:
        return f"<p>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(_cell(h, v) for h, v in zip(headers, row, strict=True)) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="scroll"><table class="cards"><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def _sheet_table(sheet: SheetData, empty: str) -> str:
    return _table(sheet.headers, list(sheet.rows), empty)


async def write_pages(ctx: AppContext, disclosure: Disclosure, directory: Path) -> None:
    """The page set, into ``directory`` (made if missing). Every file is written into a scratch
    folder first and renamed into place once all are written: a failed write changes nothing
    in ``directory`` and raises."""
    quarter = disclosure.quarter
    directory.mkdir(exist_ok=True)
    with staged(directory) as stage:
        (stage / quarter).mkdir()
        xlsx, csv = f"{quarter}/results-{quarter}.xlsx", f"{quarter}/results-{quarter}.csv"
        write_file(ctx, disclosure, stage / xlsx)
        write_file(ctx, disclosure, stage / csv)
        links: dict[int, tuple[str, str]] = {}
        async for record_id, extract in record_extracts(ctx, disclosure):
            name = f"{quarter}/records/draw-{record_id}.json"
            (stage / name).parent.mkdir(exist_ok=True)
            (stage / name).write_bytes(extract)
            links[record_id] = (name, hashlib.sha256(extract).hexdigest())
        page = _quarter_page(ctx, disclosure, xlsx, csv, links)
        (stage / f"{quarter}.html").write_text(page, encoding="utf-8")
        index = _index_page(ctx, directory, quarter)
        (stage / "index.html").write_text(index, encoding="utf-8")


def _quarter_page(
    ctx: AppContext,
    disclosure: Disclosure,
    xlsx: str,
    csv: str,
    links: dict[int, tuple[str, str]],
) -> str:
    texts = ctx.texts
    city = ctx.config.regions.name
    items = item_sheet(ctx, disclosure)
    return Template(_resource("quarter.html")).substitute(
        title=html.escape(f"{texts.public_quarter_title(disclosure.quarter)} · {city}"),
        css=_resource("page.css"),
        js=_resource("page.js"),
        back=html.escape(texts.public_back()),
        site_title=html.escape(texts.public_site_title(city)),
        heading=html.escape(texts.public_quarter_title(disclosure.quarter)),
        results_title=html.escape(texts.public_results_title()),
        noscript=html.escape(texts.public_noscript()),
        downloads=html.escape(texts.public_downloads()),
        xlsx_href=html.escape(xlsx),
        xlsx_label=html.escape(texts.public_download_xlsx()),
        csv_href=html.escape(csv),
        csv_label=html.escape(texts.public_download_csv()),
        items_title=html.escape(items.title),
        items_table=_sheet_table(items, texts.public_items_none()),
        plans_title=html.escape(texts.public_plans_title()),
        plans_table=_sheet_table(plan_sheet(ctx, disclosure), texts.public_plans_none()),
        records_title=html.escape(texts.public_records_title()),
        records=_records(ctx, disclosure, links),
        data=_script_json(_page_data(ctx, disclosure)),
    )


def _records(ctx: AppContext, disclosure: Disclosure, links: dict[int, tuple[str, str]]) -> str:
    """The records with their extracts, seeds and how to re-compute them; while the quarter
    lasts, only why they are not there yet."""
    texts = ctx.texts
    if not disclosure.draws_disclosed:
        return f"<p>{html.escape(texts.public_draws_withheld())}</p>"
    seeds = "\n".join(
        f"<li>{html.escape(texts.public_seed_line(p.id, p.seed['value'], p.seed['public_text']))}</li>"
        for p in disclosure.plans
        if p.seed is not None
    )
    steps = "\n".join(f"<li>{html.escape(step)}</li>" for step in texts.public_verify_steps())
    return (
        f"{_records_table(ctx, disclosure, links)}\n"
        f'<ul class="seeds">\n{seeds}\n</ul>\n<ol class="steps">\n{steps}\n</ol>'
    )


def _records_table(
    ctx: AppContext, disclosure: Disclosure, links: dict[int, tuple[str, str]]
) -> str:
    texts, zone = ctx.texts, ctx.config.timezone
    rows = []
    for plan in disclosure.plans:
        name, digest = links[plan.id]
        rows.append(
            [
                plan.id,
                f"{plan.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
                plan.onsite,
                plan.offsite,
                texts.public_amends(plan.amends),
                plan.reason,
                _Markup(f'<a href="{html.escape(name)}">{html.escape(Path(name).name)}</a>'),
                _Markup(f"<code>{digest}</code>"),
            ]
        )
    return _table(texts.public_record_headers(), rows, texts.public_plans_none())


def _page_data(ctx: AppContext, disclosure: Disclosure) -> dict[str, Any]:
    """The results as the page's script reads them: the county first, then the public
    columns; which columns the search box and the filters look at."""
    texts, regions = ctx.texts, ctx.config.regions
    sheet = result_sheet(ctx, disclosure)
    counties = [texts.region_name(regions, r.county) for r in disclosure.results]
    rows = [
        [county, *(_plain(v) for v in row)]
        for county, row in zip(counties, sheet.rows, strict=True)
    ]
    present = {r.category for r in disclosure.results}
    headers = [texts.public_county_column(), *sheet.headers]
    return {
        "labels": texts.public_page_labels(),
        "columns": headers,
        "rows": rows,
        # Positions in ``columns``: the county, then public_result_headers' order.
        "searched": [2, 3],  # 检查对象, 统一社会信用代码
        "countyColumn": 0,
        "categoryColumn": 5,  # 检查结果
        "counties": sorted(set(counties), key=counties.index),
        "categories": [texts.category_name(c) for c in ResultCategory if c in present],
        "short": SHORT,
    }


def _index_page(ctx: AppContext, directory: Path, quarter: str) -> str:
    """Every quarter page in the directory, newest first: those published before and this
    ``quarter``'s."""
    texts = ctx.texts
    found = {p.stem for p in directory.iterdir() if _PAGE.fullmatch(p.name)}
    quarters = sorted(found | {quarter}, reverse=True)
    items = "\n".join(
        f'<li><a href="{q}.html">{html.escape(texts.public_quarter_title(q))}</a></li>'
        for q in quarters
    )
    return Template(_resource("index.html")).substitute(
        title=html.escape(texts.public_site_title(ctx.config.regions.name)),
        css=_resource("page.css"),
        intro=html.escape(texts.public_index_intro()),
        quarters=items or f"<li>{html.escape(texts.public_index_empty())}</li>",
    )
