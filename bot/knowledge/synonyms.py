"""The domain vocabulary of 双随机、一公开 questions: words jieba must keep whole, words that mean
the same, colloquial phrasings and the words that carry no content.

These are the words inspectors and county staff use next to the words the documents use. Add a
group when a question in the wild misses its passage because it says it differently — not to
make one evaluation question pass.
"""

from __future__ import annotations

from collections.abc import Iterable

# Terms of art that jieba would otherwise cut apart (名录库 → 名录 / 库).
DOMAIN_WORDS: tuple[str, ...] = (
    "双随机",
    "一公开",
    "两库一单",
    "正面清单",
    "重点监管对象",
    "特殊监管对象",
    "一般监管对象",
    "监管对象",
    "检查对象",
    "非现场",
    "统计表",
    "工作总结",
    "异地交叉执法",
    "交叉执法",
    "信用风险分级分类",
    "分级分类",
    "联合抽查",
    "内部联合抽查",
    "部门联合抽查",
    "专家库",
    "名录库",
    "随机抽查",
    "随机抽查事项清单",
    "事项清单",
    "一业一查",
    "抽查比例",
    "定向抽查",
    "不定向抽查",
    "执法稽查",
    "稽查考核",
    "信用惩戒",
    "佐证材料",
    "典型案例",
    "雄安新区",
    "门户网站",
    "工作日",
    "检查任务",
)

# Words that mean the same thing in a question about these documents. Every member of a group
# matches every other; members are added to jieba's dictionary so they stay whole.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("双随机", "随机抽查", "双随机一公开", "双随机抽查"),
    ("特殊监管对象", "特殊污染源", "特殊企业", "特殊单位", "特殊类"),
    ("重点监管对象", "重点污染源", "重点企业", "重点排污单位", "重点单位", "重点类"),
    ("一般监管对象", "一般污染源", "一般企业", "一般单位", "一般类"),
    ("检查对象", "监管对象", "被检查企业", "排污单位"),
    ("统计表", "统计报表", "报表", "季度统计"),
    ("工作总结", "季度总结", "总结"),
    ("市局", "市级", "市生态环境局", "市里"),
    ("县级", "区县", "分局", "县局", "县里", "各县", "县区"),
    ("报送", "上报", "提交", "上交", "交给", "报给"),
    ("时限", "期限", "截止", "截止时间"),
    ("比例", "占比", "抽查比例", "百分比", "比率", "占比率"),
    ("异地交叉执法", "交叉执法", "交叉检查", "异地执法", "跨县", "跨区域", "跨区县"),
    ("专家库", "专家"),
    ("名录库", "名录", "两库"),
    ("随机抽查事项清单", "事项清单", "抽查事项", "检查事项", "抽查清单"),
    ("联合抽查", "联合检查", "联合执法"),
    ("内部联合抽查", "内部联合检查", "部门内部联合"),
    ("部门联合抽查", "跨部门联合", "部门联合检查", "多部门联合"),
    ("信用风险分级分类", "信用分级", "信用风险", "信用等级", "信用评级", "风险分级"),
    ("执法人员", "检查人员", "执法队员", "执法力量"),
    ("频次", "次数", "频率"),
    ("移交", "移送", "转办", "转交"),
    ("惩戒", "惩罚"),
    ("公开", "对外公开", "公布"),  # not 公示: "双随机、一公开" is in nearly every passage
    ("雄安新区", "雄安"),
    ("典型案例", "案例"),
    ("佐证材料", "证明材料"),
    ("宣讲", "讲解"),
    ("至少", "不低于", "不少于", "最少"),
    ("每季度", "每个季度", "每季"),
    ("分为", "分成", "划分", "分类"),
    ("差别化", "差异化", "不同", "区别"),
    ("程序", "流程"),
    ("年度内", "年度", "今年", "一年", "全年", "每年"),
    # --- issue 12 ---
    ("印发", "下发", "发给", "发文"),
    ("纳入", "记入", "计入", "列入"),
    ("亲属", "亲戚", "家属"),
    ("重抽", "重新抽取", "重新抽"),
    ("作假", "造假", "舞弊", "操纵"),
)

# One-way: a colloquial word in a question points to the words the documents use for it.
RELATED: dict[str, tuple[str, ...]] = {
    "查": ("检查", "抽查"),
    "抽": ("抽查", "抽取"),
    "报": ("报送",),
    "交": ("报送",),
    "正面清单": ("非现场",),
    "几成": ("比例", "%"),
    "多少": ("比例", "%"),
    "百分之几": ("比例", "%"),
    "什么时候": ("时限", "工作日"),
    "何时": ("时限", "工作日"),
    "哪天": ("时限", "工作日"),
    "几号": ("时限", "工作日"),
    "啥时候": ("时限", "工作日"),
    "什么时间": ("时限", "工作日"),
    "几时": ("时限", "工作日"),
    "多久": ("时限", "工作日", "频次"),
    "谁": ("负责",),
}

# Words that say nothing about which passage answers the question (question words still point
# to document words through RELATED).
_STOP_WORDS_TEXT = """
的 地 得 了 着 过 吗 呢 吧 啊 呀 么 嘛 是 有 在 和 与 及 或 或者 对 把 被 给 让 将 从 向 由
要 需要 应该 应当 必须 得要 都 也 就 还 又 再 才 只 很 更 最 所 其 之 以 于 为 等 等等
怎么 怎样 怎么样 如何 什么 哪些 哪个 哪 谁 多少 几 为什么 为何 是否 能否 能不能 可以
可不可以 要不要 会不会 有没有 没有 不 没 我 我们 你 你们 他 他们 她 它 这 这个 这些 那 那个
那些 请问 一下 一个 时候 以后 之后 以前 之前 里 里面 中 上 下 进行 开展 工作 相关 有关
方面 情况 要求 规定 按 按照 根据 一共 到底 具体 现在 目前 已经 可能 大家 咱们 个 啥
什么时候 何时 哪天 几号 多久 几成 百分之几 不能 不要 不会 怎么办 咋办 一起 大概
哪里 哪儿 用到 啥时候 什么时间 几时
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())


def domain_dictionary() -> list[str]:
    """Every word jieba must keep whole: the terms of art and every synonym."""
    words = dict.fromkeys(DOMAIN_WORDS)
    for group in SYNONYM_GROUPS:
        words.update(dict.fromkeys(word for word in group if len(word) > 1))
    for source, targets in RELATED.items():
        words.update(dict.fromkeys(w for w in (source, *targets) if len(w) > 1 and w != "%"))
    return list(words)


def _synonym_table(groups: Iterable[tuple[str, ...]]) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in groups:
        for word in group:
            table.setdefault(word, set()).update(w for w in group if w != word)
    return {word: frozenset(others) for word, others in table.items()}


SYNONYMS: dict[str, frozenset[str]] = _synonym_table(SYNONYM_GROUPS)


def synonyms_of(word: str) -> frozenset[str]:
    """The words that mean the same as word, not including word."""
    return SYNONYMS.get(word, frozenset())


def related_to(word: str) -> tuple[str, ...]:
    """The document words a colloquial question word points to."""
    return RELATED.get(word, ())
