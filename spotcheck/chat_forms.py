"""The short chat forms, declared for the form engine (spotcheck/form.py): the /draw wizard and
the reason of a 申请回避 (回避: recusal for conflict of interest).

Options that depend on who asks and when (the quarters offered, the counties of the city, the
target tags) are givens of the draft, passed at start; their buttons carry an index into the
given list, so callback data stays short and a forged value is simply not offered.
"""

from __future__ import annotations

from collections.abc import Callable

from spotcheck.classes import SupervisionClass
from spotcheck.follow_up import CLOSING
from spotcheck.form import Form, InputKind, Item, Option, Question, View
from spotcheck.inspection import KIND as INSPECTION
from spotcheck.inspection import inspection_form
from spotcheck.quota import Level

ALL = "all"  # 全部类别 / 不定向
SERVER = "server"  # 服务器随机
TYPED = "text"  # a public text, typed
MAX_QUARTERS = 4
MAX_COUNTIES = 64
MAX_TAGS = 8


def _indices(limit: int, label_key: str) -> tuple[Option, ...]:
    return tuple(Option(str(i), label_key) for i in range(limit))


def _within(given: str) -> Callable[[View, Item | None, Option], bool]:
    def offered(answers: View, _item: Item | None, option: Option) -> bool:
        return option.code == ALL or int(option.code) < len(answers.get(given) or ())

    return offered


def _city_admin(answers: View, _item: Item | None) -> bool:
    return not answers.get("own_region")


def _county_level_for_city_admin(answers: View, _item: Item | None) -> bool:
    return _city_admin(answers, None) and answers.get("level") == Level.COUNTY.value


def _typed_seed(answers: View, _item: Item | None) -> bool:
    return answers.get("seed") == TYPED


DRAW = Form(
    kind="draw",
    givens=("quarters", "counties", "tags", "own_region"),
    questions=(
        Question(
            "quarter",
            InputKind.BUTTONS,
            "draw.ask_quarter",
            "draw.quarter",
            options=_indices(MAX_QUARTERS, "draw.quarter_option"),
            offered=_within("quarters"),
        ),
        Question(
            "level",
            InputKind.BUTTONS,
            "draw.ask_level",
            "draw.level",
            options=(
                Option(Level.COUNTY.value, "draw.level_county"),
                Option(Level.CITY.value, "draw.level_city"),
            ),
            relevant=_city_admin,  # a county admin draws at county level
        ),
        Question(
            "region",
            InputKind.BUTTONS,
            "draw.ask_region",
            "draw.region",
            options=_indices(MAX_COUNTIES, "draw.region_option"),
            offered=_within("counties"),
            relevant=_county_level_for_city_admin,  # a county admin draws his own county
            depends_on=("level",),
        ),
        Question(
            "class",
            InputKind.BUTTONS,
            "draw.ask_class",
            "draw.class",
            options=(
                Option(ALL, "draw.class_all"),
                *(Option(c.value, f"draw.class_{c.value}") for c in SupervisionClass),
            ),
        ),
        Question(
            "tag",
            InputKind.BUTTONS,
            "draw.ask_tag",
            "draw.tag",
            options=(Option(ALL, "draw.tag_all"), *_indices(MAX_TAGS, "draw.tag_option")),
            offered=_within("tags"),
        ),
        Question(
            "seed",
            InputKind.BUTTONS,
            "draw.ask_seed",
            "draw.seed",
            options=(Option(SERVER, "draw.seed_server"), Option(TYPED, "draw.seed_typed")),
        ),
        Question(
            "seed_text",
            InputKind.TEXT,
            "draw.ask_seed_text",
            "draw.seed_text",
            relevant=_typed_seed,
            depends_on=("seed",),
            max_chars=3000,  # the free-text limit of the config refuses longer ones first
        ),
    ),
)
"""The /draw wizard; after its last question comes the preview and 确认抽取 (the service's)."""


RECUSAL = Form(
    kind="recusal",
    givens=("assignment",),
    questions=(
        Question("reason", InputKind.TEXT, "recusal.ask_reason", "recusal.reason", max_chars=3000),
    ),
)
"""申请回避: the reason, typed, for the assignment given at start."""


OBJECTION = Form(
    kind="objection",
    givens=("result",),
    questions=(
        Question(
            "reason", InputKind.TEXT, "objection.ask_reason", "objection.reason", max_chars=3000
        ),
    ),
)
"""有异议: the reason, typed, for the result version given at start."""

RETURN = Form(
    kind="return",
    givens=("result",),
    questions=(
        Question("reason", InputKind.TEXT, "return.ask_reason", "return.reason", max_chars=3000),
    ),
)
"""退回 (the reviewer's): the reason, typed, for the result version given at start."""


# --- issue 10: amendments ---
AMEND = Form(
    kind="amend",
    givens=("result",),
    questions=(
        Question("reason", InputKind.TEXT, "amend.ask_reason", "amend.reason", max_chars=3000),
    ),
)
"""更正 (the submitter's, of his passed result): the reason, typed, for the version given."""


def step_number(form: Form, key: str) -> int:
    """The question's place in the form (第 N 步), as declared: a question skipped for some
    people keeps its number for the others."""
    return next(i for i, q in enumerate(form.questions, 1) if q.key == key)


TYPED_KINDS = (InputKind.TEXT, InputKind.NUMBER, InputKind.DATE)


def typed_questions(form: Form) -> tuple[str, ...]:
    """The questions of ``form`` a typed text answers (text, number, date), as a draft's open
    question names them: the key, or for a question repeated per item the key and a dot
    (``note.``: each of its instances ``note.0``, ``note.1`` …)."""
    return tuple(
        f"{q.key}." if q.repeat_over is not None else q.key
        for q in form.questions
        if q.kind in TYPED_KINDS
    )


# The questions a plain text message answers, by form kind (Person.waiting: the most recently
# asked draft whose open question is one of these; a key ending in a dot names the instances
# of a repeated question). The seed's buttons take a typed public text too. The inspection's
# check-in is not here: its only typed answer is the reply keyboard's 无法定位, which the text
# handler gives the inspection whatever else waits.
TAKES_TEXT: dict[str, tuple[str, ...]] = {
    RECUSAL.kind: typed_questions(RECUSAL),
    OBJECTION.kind: typed_questions(OBJECTION),
    RETURN.kind: typed_questions(RETURN),
    DRAW.kind: ("seed", *typed_questions(DRAW)),
    INSPECTION: typed_questions(inspection_form()),
    # --- issue 10: follow-ups ---
    CLOSING.kind: typed_questions(CLOSING),
    # --- issue 10: amendments ---
    AMEND.kind: typed_questions(AMEND),
}
