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
