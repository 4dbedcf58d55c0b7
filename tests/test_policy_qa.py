"""Policy Q&A: passages keep their sections, Chinese tokenisation keeps domain words, retrieval
meets the evaluation targets and answers nothing outside the documents, answers fit a phone."""

from __future__ import annotations

import os
import re
import time
from functools import cache
from pathlib import Path

import pytest

from bot.knowledge.guide import GUIDE, load_guide
from bot.knowledge.passages import (
    CLOSING,
    MAX_PASSAGE,
    PREAMBLE,
    Passage,
    load_shipped,
    split_text,
)
from bot.knowledge.retrieval import PolicyIndex, _cache_file, normalise, terms, trim
from tests.qa_eval import (
    ALL_IN_SCOPE,
    GUIDE_HELD_OUT,
    GUIDE_IN_SCOPE,
    IN_SCOPE,
    NOT_COVERED,
    NOT_COVERED_HELD_OUT,
    OUT_OF_SCOPE,
    PLAN,
    EvalQuestion,
    GuideQuestion,
)


@cache
def shipped() -> tuple[Passage, ...]:
    return tuple(load_shipped())


@cache
def index() -> PolicyIndex:
    """What the bot searches: the shipped plan and the bot's own guide."""
    return PolicyIndex([*shipped(), *load_guide()])


def passage_with(fact: str) -> Passage:
    (found,) = [p for p in shipped() if fact in p.text]
    return found


def answered_right(item: EvalQuestion | GuideQuestion, rank: int) -> bool:
    """A hit among the first rank holds the question's facts (and, for a guide question, is
    the guide's section that answers it)."""
    hits = index().search(item.question, k=rank)
    return any(
        all(fact in hit.passage.text for fact in item.facts)
        and (
            not isinstance(item, GuideQuestion)
            or (hit.passage.document, hit.passage.section) == (GUIDE, item.section)
        )
        for hit in hits[:rank]
    )


ANSWERABLE: tuple[EvalQuestion | GuideQuestion, ...] = (
    *ALL_IN_SCOPE,
    *GUIDE_IN_SCOPE,
    *GUIDE_HELD_OUT,
)
UNANSWERABLE: tuple[str, ...] = (*OUT_OF_SCOPE, *NOT_COVERED, *NOT_COVERED_HELD_OUT)


# --- the evaluation set -------------------------------------------------------------------------


def test_evaluation_hit_rates_meet_the_targets(capsys: pytest.CaptureFixture[str]) -> None:
    rank1 = sum(answered_right(item, 1) for item in ALL_IN_SCOPE) / len(ALL_IN_SCOPE)
    rank3 = sum(answered_right(item, 3) for item in ALL_IN_SCOPE) / len(ALL_IN_SCOPE)
    misses = [item.question for item in ALL_IN_SCOPE if not answered_right(item, 1)]
    with capsys.disabled():
        print(
            f"\npolicy Q&A: {len(ALL_IN_SCOPE)} questions, rank-1 hit rate {rank1:.3f}, "
            f"rank-3 hit rate {rank3:.3f}; missed at rank 1: {misses}"
        )
    assert rank1 >= 0.90, misses
    assert rank3 >= 0.95, misses


def test_answerable_rank1_and_unanswerable_abstention_meet_the_targets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12's two figures, on the whole extended set (tuned and held out)."""
    missed = [item.question for item in ANSWERABLE if not answered_right(item, 1)]
    answered = [q for q in UNANSWERABLE if index().search(q)]
    rank1 = 1 - len(missed) / len(ANSWERABLE)
    abstained = 1 - len(answered) / len(UNANSWERABLE)
    with capsys.disabled():
        print(
            f"\npolicy Q&A: answerable {len(ANSWERABLE)} (plan and guide), rank-1 {rank1:.3f}, "
            f"missed {missed}; unanswerable {len(UNANSWERABLE)}, abstained {abstained:.3f}, "
            f"answered {answered}"
        )
    assert rank1 >= 0.95, missed
    assert abstained >= 0.90, answered


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(
            q,
            marks=pytest.mark.xfail(
                strict=True,
                reason="jieba cuts 执法证 into 执法 / 证: left is 到期, which the guide's "
                "六（二） has (到期仍未报送); recorded in tests/qa_eval.py",
            ),
        )
        if q == "执法证到期了怎么换？"
        else q
        for q in OUT_OF_SCOPE
    ],
)
def test_question_the_documents_do_not_cover_gets_nothing(question: str) -> None:
    assert index().search(question) == []


@pytest.mark.parametrize(
    "question",
    [
        "执法车辆怎么申请？",  # 申请 is in the guide's 申请回避; 车辆 in nothing
        "企业不配合检查要怎么处罚？",  # 配合 is in 二（二）; 处罚 in nothing
        "跨部门联合检查的费用谁出？",  # 二（二） is about joint checks, not who pays
        "现场检查要带几个人去？",  # 现场 alone is in a third of the passages
        "检查结果怎么办？",  # generic words only
    ],
)
def test_passage_sharing_only_generic_or_one_word_with_the_question_is_no_answer(
    question: str,
) -> None:
    assert index().search(question) == []


def test_question_the_plan_does_not_answer_but_the_guide_does_cites_the_guide() -> None:
    (best, *_) = index().search("执法人员和检查对象有利害关系怎么办？")
    assert (best.passage.document, best.passage.section) == (GUIDE, "二（三）")
    (best, *_) = index().search("抽查结果多久要向社会公示？")
    assert (best.passage.document, best.passage.section) == (GUIDE, "六（三）")
    assert "20 个工作日" in best.passage.text


def test_on_ground_both_cover_the_plan_is_quoted_before_the_guide() -> None:
    (best, *_) = index().search("正面清单企业怎么查？")
    assert best.passage.document == PLAN


def test_evaluation_set_is_large_enough_and_its_facts_are_in_the_plan() -> None:
    assert len(IN_SCOPE) >= 36
    assert len(OUT_OF_SCOPE) >= 6
    assert len(NOT_COVERED) + len(NOT_COVERED_HELD_OUT) >= 30
    guide = "".join(p.text for p in load_guide())
    for guided in (*GUIDE_IN_SCOPE, *GUIDE_HELD_OUT):
        for fact in guided.facts:
            assert fact in guide, (guided.question, fact)
    text = "".join(p.text for p in shipped())
    for item in ALL_IN_SCOPE:
        assert item.facts
        for fact in item.facts:
            assert fact in text, (item.question, fact)


def longest_shared(question: str, text: str) -> str:
    best = ""
    for start in range(len(question)):
        for end in range(start + len(best) + 1, len(question) + 1):
            if question[start:end] not in text:
                break
            best = question[start:end]
    return best


def test_evaluation_questions_are_not_copied_from_the_plan() -> None:
    text = "".join(p.text for p in shipped())
    for item in ALL_IN_SCOPE:
        assert len(longest_shared(item.question, text)) <= 8, item.question


# --- passages -----------------------------------------------------------------------------------


def test_shipped_plan_is_package_data_split_into_its_sections() -> None:
    assert {p.document for p in shipped()} == {PLAN}
    sections = list(dict.fromkeys(p.section for p in shipped()))
    assert sections == [
        PREAMBLE,
        "一（一）",
        "一（二）",
        "一（三）",
        "一（四）",
        "二（一）",
        "二（二）",
        "二（三）",
        "二（四）",
        "二（五）",
        "二（六）",
        "三（一）",
        "三（二）",
        "三（三）",
        CLOSING,
    ]


def test_quarterly_ratios_are_in_section_two_four_with_its_heading() -> None:
    passage = passage_with("25%")
    assert passage.section == "二（四）"  # the text writes (四) half-width
    assert passage.title == "分类确定抽查频次"
    assert passage.text.startswith("市级根据")
    assert "**" not in passage.text


def test_reporting_deadlines_are_their_own_closing_passage() -> None:
    passage = passage_with("统计表")
    assert passage.section == CLOSING
    assert "每季度结束前 3 个工作日内" in passage.text  # joined across the page break
    assert "统计表" not in passage_with("执法稽查").text


def test_notice_header_is_the_first_preamble_passage() -> None:
    first = shipped()[0]
    assert first.section == PREAMBLE
    assert first.text.splitlines()[:2] == ["保定市生态环境局", "〔2024〕—5"]
    assert "局属各单位" in first.text


def test_sentence_broken_by_a_page_break_is_joined() -> None:
    assert "持续完善企业信用风险差异化管理机制" in passage_with("差别化抽查比例").text


def test_half_width_subsection_number_becomes_full_width() -> None:
    passages = split_text(
        "d", "二、任务\n\n(四) 分类抽查。每季度抽查。\n\n（五）规范程序。依法移交。"
    )
    assert [(p.section, p.title, p.text) for p in passages] == [
        ("二（四）", "分类抽查", "每季度抽查。"),
        ("二（五）", "规范程序", "依法移交。"),
    ]


def test_continuation_keeps_its_subsection_and_the_tail_closes_the_document() -> None:
    text = (
        "一、要求\n\n（一）统一部署。第一段。\n\n第二段，仍属（一）。\n\n"
        "（二）按时报送。每月报送。\n\n请各单位认真落实，按时报送。"
    )
    assert [(p.section, p.text) for p in split_text("d", text)] == [
        ("一（一）", "第一段。"),
        ("一（一）", "第二段，仍属（一）。"),
        ("一（二）", "每月报送。"),
        (CLOSING, "请各单位认真落实，按时报送。"),
    ]


def test_numbered_item_is_labelled_under_its_subsection() -> None:
    text = "二、任务\n\n（一）名录库。\n\n1. 检查对象名录库。每年更新。"
    (item,) = [p for p in split_text("d", text) if p.section.endswith("1")]
    assert (item.section, item.title, item.text) == ("二（一）1", "检查对象名录库", "每年更新。")


def test_long_paragraph_is_cut_into_sentence_groups_that_keep_the_section() -> None:
    sentence = "各地要按季度完成随机抽查任务并及时公开抽查结果。"
    body = sentence * (2 * MAX_PASSAGE // len(sentence) + 1)
    passages = split_text("d", f"一、要求\n\n（二）抽查。{body}")
    assert len(passages) >= 3
    assert {p.section for p in passages} == {"一（二）"}
    assert all(len(p.text) <= MAX_PASSAGE and p.text.endswith("。") for p in passages)
    assert "".join(p.text for p in passages) == body


# --- tokenisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "重点监管对象",
        "特殊监管对象",
        "正面清单",
        "异地交叉执法",
        "信用风险分级分类",
        "内部联合抽查",
        "随机抽查事项清单",
        "统计表",
        "双随机",
    ],
)
def test_domain_word_is_one_token(word: str) -> None:
    assert word in terms(f"关于{word}的规定")


def test_domain_word_wins_over_a_common_neighbour() -> None:
    assert "专家库" in terms("专家库里的专家")
    assert "库里" not in terms("专家库里的专家")


def test_words_inside_a_domain_word_are_indexed_too() -> None:
    found = terms("信用风险分级分类")
    assert {"信用风险", "风险分级", "分类"} <= set(found)


def test_stop_words_punctuation_and_lone_characters_are_dropped() -> None:
    assert terms("县级重点监管对象每季度要抽多少？") == [
        "县级",
        "重点监管对象",
        "重点",
        "监管",
        "监管对象",
        "对象",
        "每季度",
        "每季",
        "季度",
    ]


def test_percentage_also_gives_the_percent_marker_and_full_width_is_normalised() -> None:
    assert normalise("２５％（市级）") == "25%(市级)"
    assert terms("至少２５％") == ["至少", "25%", "25", "%"]


def test_jieba_cache_goes_to_our_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHUANGSUIJI_CACHE_DIR", str(tmp_path / "cache"))
    assert _cache_file() == str(tmp_path / "cache" / "jieba.cache")


def test_jieba_cache_skips_a_folder_it_cannot_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("SHUANGSUIJI_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _cache_file() == str(tmp_path / "xdg" / "shuangsuiji" / "jieba.cache")
    assert _cache_file() != os.path.join("/tmp", "jieba.cache")


# --- retrieval ----------------------------------------------------------------------------------


def test_synonym_finds_the_word_the_plan_uses() -> None:
    (best, *_) = index().search("特殊污染源县里一个季度查多少？")
    assert (best.passage.section, "50%" in best.passage.text) == ("二（四）", True)


def test_search_returns_at_most_k_hits_best_first() -> None:
    hits = index().search("县级重点监管对象每季度要抽多少？", k=2)
    assert len(hits) <= 2
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_question_words_alone_get_nothing() -> None:
    assert index().search("什么时候？多少？") == []


def test_empty_index_answers_nothing() -> None:
    assert PolicyIndex([]).search("统计表什么时候报？") == []


def test_index_builds_and_answers_fast() -> None:
    index()  # jieba's dictionary is loaded once per process, not per index
    started = time.perf_counter()
    fresh = PolicyIndex([*shipped(), *load_guide()])
    built = time.perf_counter() - started
    started = time.perf_counter()
    for item in ALL_IN_SCOPE:
        fresh.search(item.question)
    per_query = (time.perf_counter() - started) / len(ALL_IN_SCOPE)
    assert built < 0.5
    assert per_query < 0.05


# --- trimming to a phone screen -----------------------------------------------------------------


def test_short_passage_is_not_trimmed() -> None:
    text = passage_with("统计表").text
    assert trim(text, 300, query="统计表什么时候报") == text


def test_trim_centres_on_the_best_sentence_and_keeps_whole_sentences() -> None:
    text = passage_with("25%").text
    trimmed = trim(text, 100, query="县级重点监管对象每季度要抽多少")
    assert len(trimmed) <= 100
    assert "25%" in trimmed
    assert trimmed.startswith("…") and trimmed.endswith("…")
    body = trimmed.strip("…")
    assert body in text
    sentences = re.findall(r"[^。]*。", text)
    assert body == "".join(s for s in sentences if s in body)


def test_trim_without_a_query_keeps_the_start() -> None:
    text = passage_with("25%").text
    trimmed = trim(text, 120)
    assert trimmed.startswith("市级根据") and trimmed.endswith("…")


def test_sentence_longer_than_the_limit_is_cut_at_clauses() -> None:
    text = passage_with("统计表").text  # one 99-character sentence
    trimmed = trim(text, 60, query="统计表什么时候报")
    assert len(trimmed) <= 60
    assert "统计表" in trimmed and "3 个工作日" in trimmed
    assert trimmed.startswith("…")
