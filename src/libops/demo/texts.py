"""What the demo's library writes and its readers say: themes, post titles and bodies, names."""

from __future__ import annotations

from typing import Final

from libops.demo.setting import CampaignRole
from libops.domain.values import ContentType

# The topic campaign of each quarter of the year: (Chinese, English, hashtag).
THEMES: Final = {
    2: ("世界读书日", "World Book Day", "世界读书日"),
    3: ("暑期阅读季", "Summer Reading", "暑期阅读"),
    4: ("金秋读书月", "Autumn Reading Month", "金秋读书月"),
    1: ("寒假阅读计划", "Winter Reading", "寒假阅读"),
}

TEXTS: Final[dict[tuple[CampaignRole, ContentType], tuple[tuple[str, str], ...]]] = {
    ("topic", ContentType.NEWS): (
        ("{theme}活动预告", "{theme}期间图书馆将举办系列阅读活动，欢迎读者参加。"),
        ("开放时间调整", "{theme}当天图书馆延长开放至晚上十点。"),
        ("新书上架通知", "本周新到图书300余册，涵盖文学、历史与科普，欢迎借阅。"),
    ),
    ("topic", ContentType.KNOWLEDGE): (
        ("阅读推荐书单", "馆员为您精选十本好书，陪伴您度过{theme}。"),
        ("馆藏珍本介绍", "带您走近本馆收藏的清代刻本，了解古籍修复的故事。"),
        ("如何高效阅读", "三个小技巧，帮助您在忙碌中保持阅读习惯。"),
    ),
    ("topic", ContentType.INTERACTIVE): (
        ("你最爱的一本书", "留言分享你最爱的一本书，说说它为什么打动你？"),
        ("{theme}有奖问答", "回答三道与阅读有关的问题，参与抽奖赢取纪念品！你准备好了吗？"),
        ("阅读打卡挑战", "连续七天打卡阅读，晒出你的读书笔记，你能坚持几天？"),
    ),
    ("kol", ContentType.NEWS): (
        ("书虫小王来馆啦", "知名书评人@书虫小王将与馆员一起直播逛馆，敬请期待。"),
        ("直播回放上线", "与@书虫小王的直播回放已上线，错过的读者可以补看。"),
    ),
    ("kol", ContentType.KNOWLEDGE): (
        ("书评人的私藏书单", "@书虫小王推荐五本适合初夏阅读的小说。"),
        ("怎样写一篇书评", "@书虫小王分享写书评的三个步骤。"),
    ),
    ("kol", ContentType.INTERACTIVE): (
        ("向书虫小王提问", "直播前征集问题：你想问书评人什么？"),
        ("书评接龙", "用一句话评价你最近读完的书，优秀评论将被@书虫小王翻牌！你会写什么？"),
    ),
    ("eresources", ContentType.NEWS): (
        ("新增数据库试用", "本馆新开通两个学术数据库的试用，欢迎读者体验。"),
        ("电子书平台升级", "电子书平台完成升级，借阅更快更方便。"),
    ),
    ("eresources", ContentType.KNOWLEDGE): (
        ("电子资源使用指南", "在家也能访问数据库：远程访问电子资源的步骤。"),
        ("如何检索期刊论文", "三步学会在本馆平台检索期刊论文。"),
        ("有声书怎么听", "手机上收听本馆有声书的方法。"),
    ),
    ("eresources", ContentType.INTERACTIVE): (
        ("你用过哪些电子资源", "留言告诉我们你最常用的电子资源，你希望我们增加什么？"),
        ("电子资源小测验", "这些数据库你都认识吗？来测一测吧，你能答对几道？"),
    ),
}

SURNAMES: Final = "张李王陈刘杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES: Final = (
    "晓雨",
    "明",
    "芳",
    "静",
    "洋",
    "磊",
    "丽",
    "杰",
    "敏",
    "浩",
    "蕾",
    "平",
    "婷",
    "强",
)
QUESTIONS: Final = (
    "周末开放到几点？",
    "电子书可以在家借吗？",
    "读书会需要提前报名吗？",
    "有奖问答什么时候公布结果？",
    "可以带孩子参加活动吗？",
    "借书证丢了怎么办？",
    "数据库在校外怎么登录？",
    "直播会有回放吗？",
)
PHONE: Final = " 咨询电话 13812345678"

# What the library records besides its posts, in each language of a run (``--lang``): the
# English run keeps the Chinese-and-English names it always had; the Chinese run records
# Chinese only, so its report names nothing in English. Fields: {theme}, {theme_en},
# {year}, {quarter} (2026 Q2), {quarter_zh} (2026年第二季度), {n}.
CONTENT: Final[dict[str, tuple[str, str]]] = {
    # The library the demo plays, named in the report's title.
    "library": ("Riverside City Library", "滨江市图书馆"),
    # The account's standing (docs/standing.md): the provincial monthly ranking and its peers,
    # the typical case and the honour.
    "peer": ("兄弟图书馆{n} / Peer library {n}", "兄弟图书馆{n}"),
    "ranking_source": (
        "省文化和旅游厅 公共图书馆新媒体传播力月榜 / Provincial monthly ranking of public "
        "libraries' new media",
        "省文化和旅游厅 公共图书馆新媒体传播力月榜",
    ),
    "ranking_index": ("新媒体传播力指数 / new-media index", "新媒体传播力指数"),
    "case_theme": ("世界读书日阅读推广 / World Book Day reading promotion", "世界读书日阅读推广"),
    "case_why": (
        "三个平台联动，话题、直播与有奖问答相互引流 / three platforms together, topic, live "
        "stream and prize quiz drawing readers to each other",
        "三个平台联动，话题、直播与有奖问答相互引流",
    ),
    "honour_title": (
        "{year}年度全民阅读优秀新媒体账号 / Outstanding reading-promotion account {year}",
        "{year}年度全民阅读优秀新媒体账号",
    ),
    "honour_by": ("省图书馆学会 / Provincial Library Society", "省图书馆学会"),
    # The team's names, as the report's people table shows them (their roles beside them).
    "person.li.na": ("Li Na", "李娜"),
    "person.zhao.lei": ("Zhao Lei", "赵磊"),
    "person.wang.fang": ("Wang Fang", "王芳"),
    "person.chen.jie": ("Chen Jie", "陈杰"),
    "person.liu.yang": ("Liu Yang", "刘洋"),
    "person.zhou.min": ("Zhou Min", "周敏"),
    "budget": (
        "新媒体运营预算 {quarter} / Social media budget {quarter}",
        "新媒体运营预算 {quarter_zh}",
    ),
    "topic": ("{theme} {year} / {theme_en} {year}", "{theme} {year}"),
    "topic_about": (
        "The quarter's reading festival, with a surge of posts on its main day.",
        "本季度的阅读节，主活动日集中发布。",
    ),
    "kol": ("书评人@书虫小王合作 {year} / KOL collaboration {year}", "书评人@书虫小王合作 {year}"),
    "kol_about": (
        "Posts and a live Q&A with a book reviewer who has a large following.",
        "与拥有大量粉丝的书评人合作发帖，并举办直播问答。",
    ),
    "eresources": (
        "电子资源推广 {quarter} / E-resources promotion {quarter}",
        "电子资源推广 {quarter_zh}",
    ),
    "eresources_about": (
        "Databases, e-books and audiobooks the library offers, promoted everywhere.",
        "在各平台推广本馆的数据库、电子书和有声书。",
    ),
    "risk_douyin": (
        "抖音发布接口不稳定 / Douyin publishing unstable",
        "抖音发布接口不稳定",
    ),
    "risk_kol": (
        "合作书评人言论风险 / A KOL's remarks reflect on the library",
        "合作书评人言论风险",
    ),
    "risk_privacy": ("帖子泄露读者个人信息 / Personal data in a post", "帖子泄露读者个人信息"),
    "mitigation": (
        "Publish Douyin videos a day early and keep a manual fallback",
        "抖音视频提前一天发布，并保留人工发布预案",
    ),
    "deliverable_posts": ("3 posts", "3条帖子"),
    "deliverable_live": ("1 live Q&A", "1场直播问答"),
    "phone_found": ("contains a phone number", "含有电话号码"),
    "licence_expired": ("the key visual's licence has expired", "主视觉素材授权已过期"),
    "incident_affected": (
        "Douyin video of the quarter's topic campaign",
        "本季度主题活动的抖音视频",
    ),
    "incident_summary": (
        "upstream timeout on publish; retried an hour later",
        "发布时平台超时，一小时后重试",
    ),
    "reassess": ("it happened once already", "已经发生过一次"),
    "resolution": (
        "republished; the platform confirmed the outage",
        "已重新发布，平台确认了故障",
    ),
    "consent_question": ("回答读者提问 / answering the reader's question", "回答读者提问"),
    "consent_session": ("读书会报名与提醒 / registration and reminders", "读书会报名与提醒"),
    "consent_quiz": ("有奖问答抽奖与领奖 / quiz draw and prize delivery", "有奖问答抽奖与领奖"),
    "session": ("{theme}线上读书会 / {theme_en} reading circle", "{theme}线上读书会"),
    "eligibility": (
        "关注本馆微博的读者均可参加，馆员除外 / followers, not staff",
        "关注本馆微博的读者均可参加，馆员除外",
    ),
    "prize": ("{theme}纪念帆布袋 / {theme_en} tote bag", "{theme}纪念帆布袋"),
    "quiz": ("{theme}有奖问答 / {theme_en} quiz", "{theme}有奖问答"),
    "insult": ("人身攻击 / personal insult", "人身攻击"),
    "warning": ("第{n}次警告 / warning {n}", "第{n}次警告"),
    "review": ("优质书评 / a thoughtful review", "优质书评"),
    "erasure": ("读者申请删除个人信息 / the reader's request", "读者申请删除个人信息"),
    "vendor_design": ("Inkstone Design", "墨石设计工作室"),
    "vendor_weibo_ads": ("Weibo promotion", "微博推广"),
    "vendor_video": ("Lantern Video Studio", "灯笼视频工作室"),
    "vendor_douyin_ads": ("Douyin promotion", "抖音推广"),
    "vendor_software": ("Schedulr SaaS", "排期云服务"),
    "vendor_kol": ("书虫小王工作室 / Bookworm Studio", "书虫小王工作室"),
    "move": ("电子资源推广追加投放 / more promotion for the e-resources", "电子资源推广追加投放"),
    # --- the satisfaction survey after the reading session (issue 17, item 1) ---
    "survey": (
        "{theme}读书会满意度调查 / {theme_en} reading circle survey",
        "{theme}读书会满意度调查",
    ),
    "consent_survey": ("读书会满意度调查 / the reading circle survey", "读书会满意度调查"),
    "survey_overall": (
        "How satisfied were you with the reading circle? (1-5)",
        "您对本次读书会的满意程度如何？（1至5分）",
    ),
    "survey_recommend": (
        "How likely are you to recommend our reading circles to a friend? (0-10)",
        "您向朋友推荐我馆读书会的可能性有多大？（0至10分）",
    ),
    "survey_next": ("What would you like next time?", "下次希望的主题？"),
    "survey_comment": ("Anything else you would like to tell us?", "其他意见和建议"),
    # Content briefs (issue 17): the topic campaign's posts start as briefs.
    "brief_need": (
        "Readers ask for {theme_en} reading lists and the events' dates",
        "读者希望获得{theme}书单与活动安排",
    ),
    "brief_feedback": (
        "Readers' messages asking about {theme_en}",
        "读者留言询问{theme}书单与活动安排",
    ),
    "brief_figure": ("Reads of last year's {theme_en} topic", "往年同期话题阅读量"),
    "brief_idea": ("{theme_en}: live reading night", "{theme}·夜读直播"),
    "brief_idea_need": ("Evening readers want to read together online", "晚间读者希望参加线上共读"),
    "brief_idea_dropped": ("No presenter this month", "本月没有主持人"),
    # The team and training (issue 17, item 7): each member's duties, and the quarter's course.
    "duty.li.na.1": ("WeChat editor", "微信公众号编辑"),
    "duty.li.na.2": ("copywriting", "文案撰写"),
    "duty.zhao.lei.1": ("Weibo and Douyin editor", "微博与抖音编辑"),
    "duty.zhao.lei.2": ("photography", "摄影"),
    "duty.wang.fang.1": ("content review", "内容审核"),
    "duty.chen.jie.1": ("operations and accounts", "运营统筹与账号管理"),
    "duty.liu.yang.1": ("publishing and platform support", "发布与平台技术支持"),
    "duty.zhou.min.1": ("budget", "经费管理"),
    "training_course": ("New media writing", "新媒体写作"),
    "training_provider": ("Provincial Library Society", "省图书馆学会"),
    "training_learned": (
        "Headlines that say what a post offers; short paragraphs for phone screens.",
        "标题直接说明内容；段落简短，适合手机阅读。",
    ),
}

SURVEY_TOPICS: Final = ("poetry", "history", "science")
"""The options of the demo survey's multiple-choice question (ids, the same in both languages)."""

SURVEY_COMMENTS: Final = ("希望多一些诗歌分享", "时间安排很合适", "希望增加线下场次")
"""Free-text answers the demo's respondents give (sealed with them)."""

_QUARTER_ZH: Final = ("一", "二", "三", "四")


def content(name: str, lang: str, **fields: object) -> str:
    """The text ``name`` of :data:`CONTENT` in ``lang`` (``en`` or ``zh``), filled in."""
    english, chinese = CONTENT[name]
    return (chinese if lang == "zh" else english).format(**fields)


def quarter_zh(year: int, number: int) -> str:
    """A quarter in Chinese: ``2026年第二季度``."""
    return f"{year}年第{_QUARTER_ZH[number - 1]}季度"
