"""The policy Q&A evaluation set, as data.

Questions are phrased the way an inspector or county clerk would ask them in chat, not copied
from the plan. Each in-scope question names the facts (substrings) that the top passage's text
must contain for the answer to count as right. Out-of-scope questions are about things the
shipped documents do not cover; the bot must answer them with nothing ("没有找到相关规定").

IN_SCOPE and the first twelve OUT_OF_SCOPE questions were written before the retrieval was
tuned; the first run scored rank 1 34/40, rank 3 36/40, and answered 2 of the 12 out-of-scope
questions (排污费…, 排污许可证…). The fixes were general: more synonyms (至少/不低于, 分成/分为,
不同/差别化, 流程/程序, 交给/报送), question filler words as stop words, HMM guesses re-cut,
and the two-word rule for "not covered". Do not edit a question to make it pass: fix the retrieval in a way that would help other
questions too, or record the miss. Add new questions from real chats as they come.
"""

from __future__ import annotations

from dataclasses import dataclass

PLAN = "保定市生态环境局2024年“双随机、一公开”监管工作实施方案"


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    question: str
    facts: tuple[str, ...]


def q(question: str, *facts: str) -> EvalQuestion:
    return EvalQuestion(question, facts)


IN_SCOPE: tuple[EvalQuestion, ...] = (
    # 二（四）: quotas per class and level, positive list, cross-county teams
    q("县级重点监管对象每季度要抽多少？", "25%"),
    q("我们分局一个季度重点污染源至少查百分之几？", "25%"),
    q("县里的特殊污染源一个季度查几成？", "50%"),
    q("市局对重点企业每季度的抽查比例是多少？", "10%"),
    q("正面清单企业怎么查？", "非现场监管方式"),
    q("正面清单里的企业需要每个季度都覆盖到吗？", "全覆盖"),
    q("不在正面清单里的一般企业每季度检查多少？", "3%"),
    q("雄安新区本级的抽查比例按哪一级算？", "雄安新区本级"),
    q("县里执法人员不够，能不能跨县去查？", "异地交叉执法"),
    q("执法人员分组由谁来负责？", "分组调配"),
    # 二（二）: joint inspections
    q("内部联合抽查至少要占多少？", "30%"),
    q("一年里部门内部联合检查要占到几成？", "30%"),
    q("联合抽查在日常监管里是什么地位？", "主要方式"),
    q("跨部门联合检查按什么清单来安排？", "一业一查"),
    # 二（三）: classes, credit risk, directed checks, early warning
    q("按信用风险分级来抽的次数要达到多少？", "85%"),
    q("检查对象一共分成哪几类？", "3类"),
    q("一个企业既符合重点又符合特殊的条件，算哪一类？", "相冲突"),
    q("定向抽查要不要事先划定范围？", "不提前设定范围条件"),
    q("发现疑似违法的问题要怎么预警？", "推送线索"),
    # 二（一）: directories, experts, the list of check items
    q("抽查的时候能不能请专家一起去？", "专家库"),
    q("执法人员名录库要把哪些人放进去？", "应纳尽纳"),
    q("本级的抽查事项清单怎么制定？", "三定方案"),
    q("事项清单调整以后要不要对外公开？", "门户网站"),
    # 二（五）: procedure and follow-up
    q("抽查发现涉嫌犯罪的线索怎么处理？", "司法机关"),
    q("查出来企业有失信行为怎么办？", "信用惩戒"),
    q("随机抽查的流程按什么规范执行？", "河北省地方标准"),
    # 二（六）: publicity and training
    q("去企业检查的时候要不要给企业讲政策？", "宣讲政策"),
    q("基层执法人员的培训有什么要求？", "综合素质"),
    # 三: safeguards
    q("市局会不会对各县的抽查工作做稽查？", "执法稽查"),
    q("现场检查走过场会有什么后果？", "全市通报"),
    q("内部联合检查和部门联合检查时大家怎么配合？", "密切配合"),
    q("双随机工作在组织领导上有什么要求？", "统筹协调"),
    # closing paragraph: reporting
    q("统计表什么时候报？", "统计表", "3 个工作日"),
    q("季度工作总结哪天之前要交？", "结束前 3 个工作日"),
    q("季度统计报表交给谁？", "报送市局"),
    q("季度总结里要附典型案例吗？", "典型案例"),
    # 一: guiding ideas
    q("为什么要设不同的抽查比例？", "差别化抽查比例"),
    q("非现场检查有什么用？", "远程锁定"),
    # header and preamble
    q("这个方案是依据哪些文件制定的？", "国发〔2019〕5号"),
    q("这个通知发给哪些单位？", "局属各单位"),
)

# Written after the first tuning round (synonyms, stop words, the coverage rule), without looking
# at the passages again, to see how the retrieval does on questions it was not tuned on. First
# run, before any further change: rank 1 15/18, rank 3 17/18, out of scope 6/6 answered with
# nothing. Two general fixes followed (domain words at least as frequent as common words, so
# 专家库里 is not cut 专家 / 库里; dictionary words inside long words indexed to any depth) and
# b=0.5; from then on these count like the rest.
LATER_IN_SCOPE: tuple[EvalQuestion, ...] = (
    q("市里每季度要抽多少特殊监管的企业？", "10%"),
    q("我们县的一般污染源每季度至少查几家？", "3%"),
    q("正面清单企业还要去现场吗？", "非现场监管方式"),
    q("名录库里的企业要打标签吗？", "分类标注"),
    q("专家库里的专家从哪里来？", "环科院"),
    q("抽查事项清单的依据是什么？", "三定方案"),
    q("今年联合抽查的比例要求是多少？", "30%"),
    q("企业信用风险分级要怎么用到抽查里？", "85%"),
    q("抽查中发现的问题线索怎么转交？", "移交"),
    q("抽查结果会记入企业信用吗？", "信用记录"),
    q("随机抽查的好做法要不要总结？", "好经验"),
    q("市局多长时间评估一次抽查任务完成情况？", "定期"),
    q("季度统计表最晚什么时候交到市局？", "结束后 3 个工作日"),
    q("工作总结要附哪些材料？", "佐证材料"),
    q("检查对象名录和执法人员名录在哪个系统里调整？", "双随机抽查系统"),
    q("特殊监管对象县里每季度查多少？", "50%"),
    q("雄安新区本级抽重点监管对象的比例？", "10%"),
    q("对违法失信企业有什么惩戒？", "联合惩戒"),
)

OUT_OF_SCOPE: tuple[str, ...] = (
    "罚款金额怎么算？",
    "执法车辆怎么申请？",
    "食堂几点开饭？",
    "排污费标准是多少？",
    "年休假怎么请？",
    "出差住宿报销标准是多少？",
    "噪声扰民投诉怎么处理？",
    "排污许可证怎么办理？",
    "执法记录仪的视频要保存多久？",
    "环评报告审批需要多少天？",
    "危险废物转移联单怎么填？",
    "今天保定天气怎么样？",
    # written with LATER_IN_SCOPE
    "执法证到期了怎么换？",
    "环保督察什么时候来？",
    "企业停产了还要交排污许可执行报告吗？",
    "污水处理厂的排放标准是多少？",
    "单位体检在哪家医院？",
    "加班有没有调休？",
)

ALL_IN_SCOPE: tuple[EvalQuestion, ...] = IN_SCOPE + LATER_IN_SCOPE

# --- issue 12: what the documents do not answer, and the bot's own guide -----------------------
#
# Written before the coverage rule was changed, in inspectors' words; many share generic words
# (检查、企业、结果、执法人员 …) or even a term of art with a passage that does not answer them.
# A question the plan or the guide does answer is not here but below, with its fact.
#
# History. With the guide added to the index and the old rule (two shared content words, half
# of them), the set as it then stood scored: answerable (IN_SCOPE, LATER_IN_SCOPE, GUIDE_IN_SCOPE)
# rank-1 0.836, unanswerable (OUT_OF_SCOPE, NOT_COVERED) abstained 0.659 — the guide's short
# passages outranked the plan, and one shared word (申请, 配合, 模板) was taken for coverage.
# Tuned on those two sets: the coverage rule (bot/knowledge/coverage.py: IDF weights, generic
# words, function words by jieba's tag, MIN_EVIDENCE, two distinctive words when the question
# names a thing no document has), GUIDE_PRIOR, compounds cut into halves the documents use
# (企业信用), synonyms (印发/发给, 纳入/记入, 亲属/亲戚, 重抽, 作假), and the guide's wording (亲戚,
# 开始一次抽取, 证明没有作假, 按钮, 抽完后). End of tuning: rank-1 0.959 (70/73), abstained
# 0.909 (40/44). NOT_COVERED_HELD_OUT and GUIDE_HELD_OUT, written at the same time as the rest,
# were then run once and not tuned on: 12/13 abstained (检查时企业负责人不在场 got the guide's
# 二（三）, which names 负责人), 6/7 guide questions right (统计表报送后提醒还会来吗 got the plan's
# 文末). On the whole extended set: rank-1 0.950 (76/80), abstained 0.912 (52/57).
# Known misses: 执法证到期了怎么换 (jieba cuts 执法证 into 执法 / 证, leaving 到期, which the
# guide's 六（二） has), 信用等级多久更新一次 (jieba tags 更新 an adverb), 一年最多能查几次,
# 执法文书模板在哪下载 (the guide's /template passage has 模板 and 下载).
NOT_COVERED: tuple[str, ...] = (
    "检查时企业拒绝开门怎么办？",
    "企业不配合检查要怎么处罚？",
    "现场检查要带几个人去？",
    "检查发现企业超标排放，罚多少钱？",
    "现场检查笔录怎么写？",
    "企业对检查结果不服，可以申请复议吗？",
    "企业整改期限一般给多久？",
    "现场采样要送哪个监测站？",
    "检查对象的信用等级多久更新一次？",
    "执法证丢了怎么补办？",
    "夜间突击检查需要审批吗？",
    "检查的时候可以拍照录像吗？",
    "同一家企业一年最多能查几次？",
    "跨部门联合检查的费用谁出？",
    "专家参加检查有没有劳务费？",
    "信用修复怎么申请？",
    "重点排污单位名录每年什么时候公布？",
    "排污许可证过期了还能生产吗？",
    "上级交办的信访件算不算双随机任务？",
    "双随机抽查的执法文书模板在哪下载？",
    "季度统计表的表格格式是什么样的？",
    "检查组长要负什么责任？",
    "抽查不合格的企业要不要再复查？",
    "污染源自动监控数据超标怎么处理？",
    "违法企业要不要在网站上曝光？",
    "执法人员被投诉了怎么处理？",
)

NOT_COVERED_HELD_OUT: tuple[str, ...] = (
    "检查时企业负责人不在场能不能查？",
    "暗访需要几个人？",
    "环境违法行为的举报奖励怎么发？",
    "企业申请延期整改要交什么材料？",
    "检查时发现锅炉没有环评手续怎么处理？",
    "新来的执法人员多长时间能独立执法？",
    "现场检查可以让企业签字确认吗？",
    "抽查中企业提供虚假材料怎么办？",
    "检查结果需要企业盖章吗？",
    "夏季高温天气现场检查有补贴吗？",
    "企业可以自己申请被检查吗？",
    "区县之间交叉执法的差旅费谁报销？",
    "年度考核里双随机占多少分？",
)


@dataclass(frozen=True, slots=True)
class GuideQuestion:
    question: str
    section: str  # the guide's section that answers it
    facts: tuple[str, ...]


def g(question: str, section: str, *facts: str) -> GuideQuestion:
    return GuideQuestion(question, section, facts)


# Questions about the bot itself, answered from the guide (《使用说明》).
GUIDE_IN_SCOPE: tuple[GuideQuestion, ...] = (
    g("执法人员和检查对象有利害关系怎么办？", "二（三）", "申请回避"),
    g("抽查结果多久要向社会公示？", "六（三）", "20 个工作日"),
    g("我和被查企业老板是亲戚，这个任务能不去吗？", "二（三）", "申请回避"),
    g("怎么开始一次抽查？", "三（二）", "/draw"),
    g("怎么证明抽取没有作假？", "四（二）", "shuangsuiji verify"),
    g("为什么偏偏抽中了我们这家企业？", "三（五）", "随机排序值"),
    g("邀请码怎么用？", "一（一）", "/start 邀请码"),
    g("回避原因要在多长时间内回复？", "二（三）", "30 分钟"),
    g("已报送按钮什么时候点？", "六（二）", "已报送"),
    g("名录库怎么导入？", "五（一）", "/import"),
    g("导入模板在哪里下载？", "五（二）", "/template"),
    g("我的检查任务在哪看？", "二（一）", "/tasks"),
    g("区县管理员能不能抽市级的？", "三（一）", "区县管理员只能为本区县发起县级抽取"),
    g("公开种子怎么用？", "四（一）", "--seed"),
    g("抽完了还能重新抽吗？", "三（四）", "不能重抽"),
)

GUIDE_HELD_OUT: tuple[GuideQuestion, ...] = (
    g("接受任务在哪里点？", "二（二）", "「接受」"),
    g("点了申请回避又不想回避了怎么办？", "二（三）", "/cancel"),
    g("拿彩票号码当种子怎么操作？", "四（一）", "公开文本"),
    g("机器人能登记现场检查结果吗？", "二（五）", "开始检查"),
    g("邀请码过期了怎么办？", "一（一）", "重新索取"),
    g("组长每天能收到什么？", "二（四）", "组长每天收到"),
    g("统计表报送后提醒还会来吗？", "六（二）", "提醒即停止"),
)
