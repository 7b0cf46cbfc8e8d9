"""The evaluation report for people: Markdown, or one self-contained HTML file, in English or
Chinese, with charts drawn by matplotlib.

Both formats are rendered from one list of blocks (headings, paragraphs, tables, charts,
lists), so they carry the same figures in the same order. Every heading, label and sentence
comes from one table of strings per language (:data:`STRINGS`); numbers are formatted the
same way in both languages. Charts are PNG images (Agg backend, fixed metadata, so the same
report gives the same bytes); the HTML embeds them as base64 ``data:`` URIs, the Markdown
links them as files written beside it (:func:`libops.report.write_report`).

Chinese labels need a CJK font that matplotlib can find (Debian: ``fonts-wqy-microhei`` or
``fonts-noto-cjk``); without one, rendering in Chinese raises :class:`MissingCjkFontError`
rather than drawing empty boxes.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any, Final

import attrs

from libops.domain.errors import LibopsError
from libops.report.model import Finding, Report, check_language

CJK_FAMILIES: Final = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
"""CJK font families looked for, in order of preference."""

CJK_FONT_PACKAGE: Final = "fonts-wqy-microhei"
"""The Debian package that gives matplotlib a CJK font (``fonts-noto-cjk`` works too)."""

CHART_NAMES: Final = (
    "engagement_by_platform",
    "rate_by_content_type",
    "weekly_trend",
    "budget_positions",
    "risk_heat_map",
    "cadence",
)
"""The charts of a report, in the order they appear."""

SECTIONS: Final = (
    "background",
    "goals",
    "execution",
    "results",
    "engagement",
    "cadence",
    "interactions",
    "budget",
    "risks",
    "problems",
    "judgement",
    "recommendations",
)
"""The report's sections, in order (each one's heading is ``STRINGS[lang]["h." + name]``)."""


class MissingCjkFontError(LibopsError):
    """No CJK font is installed where matplotlib can find it, so Chinese labels cannot render."""

    def __init__(self) -> None:
        super().__init__(
            "no CJK font found for Chinese chart labels: install the Debian package "
            f"{CJK_FONT_PACKAGE} (`apt-get install -y {CJK_FONT_PACKAGE}`) or fonts-noto-cjk, "
            "or render the report with lang='en'"
        )


# --- the table of strings ----------------------------------------------------------------

_EN: Final[dict[str, str]] = {
    "title": "Evaluation report",
    "title.campaign": "Evaluation report: {name}",
    "h.background": "1. Background",
    "h.goals": "2. Goals",
    "h.execution": "3. Scope and execution",
    "h.results": "4. Results against goals",
    "h.engagement": "5. Engagement",
    "h.cadence": "6. Cadence against policy",
    "h.interactions": "7. Interaction effectiveness",
    "h.budget": "8. Budget and cost-effectiveness",
    "h.risks": "9. Risks",
    "h.problems": "10. Problems met and how they were solved",
    "h.judgement": "11. Overall judgement",
    "h.recommendations": "12. Recommendations and next actions",
    "h3.posts": "Posts per platform and content type",
    "h3.people": "People",
    "h3.milestones": "Milestones",
    "h3.by_platform": "By platform",
    "h3.by_content_type": "By content type",
    "h3.by_week": "By ISO week",
    "h3.positions": "Budget positions by category",
    "h3.by_campaign": "Budget positions by campaign",
    "h3.costs": "Cost-effectiveness",
    "h3.risk_register": "Risk register",
    "h3.incidents": "Open incidents",
    "h3.signals": "Risk signals raised",
    "p.store": "Store: {store}; the views were read at event {events}.",
    "p.period": "Period: {start} to {end} (Asia/Shanghai).",
    "p.no_period": "Period: no publication yet.",
    "p.scope_campaign": "Scope: one campaign.",
    "p.scope_all": "Scope: every campaign and post in the store.",
    "p.budgets": "Budgets: {names}.",
    "p.no_budgets": "Budgets: none.",
    "p.no_goals": "No campaign objectives in scope.",
    "p.publications": "Publications from {first} to {last}: {posts} post variants.",
    "p.no_publications": "Nothing was published in scope.",
    "p.total": "In total {posts} post variants reached {reach} and drew {engagements} "
    "engagements: an engagement rate of {rate} (engagements / reach).",
    "p.trend": "Weekly engagement rate trend: {direction}, {slope} percentage points a week "
    "(least squares over the weeks shown).",
    "p.no_trend": "Weekly engagement rate trend: not enough weeks for a slope.",
    "p.cadence": "Each day or ISO week lying wholly in the period counts once; a period "
    "with no publication counts as under when the policy sets a minimum.",
    "p.interactions": "{participants} distinct participants. Q&A: {questions} questions, "
    "{answered} answered (answer rate {answer_rate}), {escalated} escalated; median response "
    "{median} min, 90th percentile {p90} min.",
    "p.contests": "Contests: {contests} with {entries} entries ({disqualified} disqualified). "
    "Reading sessions: {sessions} with {registrations} registrations, {attendance} attended, "
    "{contributions} contributions.",
    "p.moderation": "Moderation actions: {total}.",
    "p.costs_note": "Campaign rows divide the money spent on the campaign's budget lines by "
    "all its posts' engagements; KOL rows divide the KOL's agreed fee by the campaign's "
    "engagements on the KOL's platform. Spending is not recorded per platform.",
    "p.heat": "Open risks: {open}; escalated: {escalated}.",
    "p.no_incidents": "No open incident.",
    "p.no_signals": "No risk signal fired.",
    "p.no_problems": "No problem was recorded in scope.",
    "p.no_recommendations": "The data give no recommendation.",
    "p.objectives": "Objectives met: {met} of {total} ({unmeasured} without a measured actual).",
    "p.verdict.all_met": "Every measured objective was met.",
    "p.verdict.most_met": "At least half of the measured objectives were met.",
    "p.verdict.few_met": "Fewer than half of the measured objectives were met.",
    "p.verdict.none_met": "No measured objective was met.",
    "p.verdict.no_objectives": "There were no measured objectives to judge against.",
    "p.headline": "Post variants: {posts}; engagements: {engagements}; engagement rate: "
    "{rate}; spent: {spent}; open risks: {open_risks}.",
    "col.campaign": "Campaign",
    "col.kind": "Kind",
    "col.status": "Status",
    "col.dates": "Dates",
    "col.platforms": "Platforms",
    "col.kol": "KOL partners",
    "col.metric": "Metric",
    "col.platform": "Platform",
    "col.target": "Target",
    "col.actual": "Actual",
    "col.attainment": "Attainment",
    "col.met": "Met",
    "col.content_type": "Content type",
    "col.posts": "Posts",
    "col.actor": "Actor",
    "col.events": "Events",
    "col.day": "Day",
    "col.milestone": "Milestone",
    "col.subject": "Subject",
    "col.group": "Group",
    "col.reach": "Reach",
    "col.engagements": "Engagements",
    "col.followers": "New followers",
    "col.rate": "Engagement rate",
    "col.week": "Week",
    "col.per": "Per",
    "col.policy": "Policy",
    "col.periods": "Periods",
    "col.under": "Under",
    "col.within": "Within",
    "col.over": "Over",
    "col.category": "Category",
    "col.currency": "Currency",
    "col.allocated": "Allocated",
    "col.committed": "Committed",
    "col.spent": "Spent",
    "col.available": "Available",
    "col.cpe": "Cost per engagement",
    "col.cpf": "Cost per new follower",
    "col.title": "Risk",
    "col.likelihood": "Likelihood",
    "col.impact": "Impact",
    "col.score": "Score",
    "col.level": "Level",
    "col.escalated": "Escalated",
    "col.number": "No.",
    "col.severity": "Severity",
    "col.affected": "Affected",
    "col.started": "Started",
    "col.signal": "Signal",
    "col.firings": "Times fired",
    "col.action": "Moderation action",
    "col.count": "Count",
    "yes": "yes",
    "no": "no",
    "all_platforms": "all platforms",
    "unit.min": "min",
    "chart.engagement_by_platform": "Engagements by platform",
    "chart.rate_by_content_type": "Engagement rate by content type (%)",
    "chart.weekly_trend": "Engagements and engagement rate by ISO week",
    "chart.budget_positions": "Budget positions by category",
    "chart.risk_heat_map": "Risk heat map: open risks by likelihood and impact",
    "chart.cadence": "Cadence: periods under, within and over policy",
    "chart.no_data": "no data",
    "axis.engagements": "Engagements",
    "axis.rate": "Engagement rate (%)",
    "axis.week": "ISO week",
    "axis.amount": "Amount",
    "axis.likelihood": "Likelihood",
    "axis.impact": "Impact",
    "axis.periods": "Periods",
    "kind.campaign": "campaign",
    "kind.kol": "KOL",
    "direction.rising": "rising",
    "direction.falling": "falling",
    "direction.flat": "flat",
    "per.day": "day",
    "per.week": "week",
    "finding.publish_failed": "Failed publishing attempts: {failures}, on {posts} posts; "
    "published on a later attempt: {published_later}.",
    "finding.changes_requested": "Changes requested by reviewers (personal data, accuracy "
    "or copyright): {changes_requested}, on {posts} posts; approved after revision: "
    "{approved_after}.",
    "finding.incidents": "Incidents reported: {reported}; resolved: {resolved}; still open: "
    "{open}.",
    "finding.questions_escalated": "Reader questions: {questions}, answered: {answered}; "
    "escalated for waiting too long: {escalated}; still unanswered: {unanswered}.",
    "finding.budget_pressure": "Budget pressure: adjustments recorded with reason and "
    "approver: {adjustments}; spendings past an allocation with an authorised override: "
    "{overrides}; overspend signals: {overspend_signals}.",
    "finding.moderation": "Moderation: comments hidden {hidden}, warnings {warned}, "
    "sanctions {sanctioned}; the conduct rules were applied with a reason each time.",
    "finding.erasures": "Erasure requests honoured by deleting the readers' keys: {erased}.",
    "finding.best_slot": "Post more {content_type} content around {hour}:00 (Asia/Shanghai): "
    "it had the highest engagement rate, {rate} over {posts} posts ({engagements} "
    "engagements / {reach} reach).",
    "finding.weakest_content": "Rework {content_type} content: its engagement rate was "
    "{rate} over {posts} posts, against {best_rate} for {best_content_type}.",
    "finding.cadence": "Keep {platform} on its cadence ({minimum} to {maximum} a {per}): "
    "of {periods} periods, {under} were under and {over} over the policy.",
    "finding.objective_missed": "{campaign}: the objective {metric} ({platform}) was "
    "missed, {actual} against a target of {target} ({attainment}); plan for it next time.",
    "finding.least_cost_effective": "Review the least cost-effective spending, {subject} "
    "({kind}): {spent} {currency} for {engagements} engagements, {cost_per_engagement} "
    "{currency} per engagement.",
    "finding.answer_questions": "Answer every question in time: {answered} of {questions} "
    "answered ({answer_rate}), {escalated} escalated, 90th percentile response "
    "{p90_response_seconds} min.",
    "finding.falling_trend": "Engagement rate fell over {weeks} weeks ({slope} percentage "
    "points a week): refresh the content plan.",
    "finding.review_risks": "Review the high or critical risks first ({serious} of {open} "
    "open, {escalated} escalated) and keep their contingency plans current.",
}

_ZH: Final[dict[str, str]] = {
    "title": "评估报告",
    "title.campaign": "评估报告：{name}",
    "h.background": "一、背景",
    "h.goals": "二、目标",
    "h.execution": "三、范围与执行",
    "h.results": "四、目标达成情况",
    "h.engagement": "五、互动数据",
    "h.cadence": "六、发布频率与规范对照",
    "h.interactions": "七、互动活动成效",
    "h.budget": "八、预算与成本效益",
    "h.risks": "九、风险",
    "h.problems": "十、遇到的问题及解决办法",
    "h.judgement": "十一、总体评价",
    "h.recommendations": "十二、建议与下一步行动",
    "h3.posts": "各平台、各内容类型的发布数",
    "h3.people": "参与人员",
    "h3.milestones": "里程碑",
    "h3.by_platform": "按平台",
    "h3.by_content_type": "按内容类型",
    "h3.by_week": "按ISO周",
    "h3.positions": "各预算类别的资金状况",
    "h3.by_campaign": "各活动的资金状况",
    "h3.costs": "成本效益",
    "h3.risk_register": "风险登记册",
    "h3.incidents": "未关闭的事件",
    "h3.signals": "触发的风险信号",
    "p.store": "数据存储：{store}；视图读取至第 {events} 个事件。",
    "p.period": "时段：{start} 至 {end}（北京时间）。",
    "p.no_period": "时段：尚无发布。",
    "p.scope_campaign": "范围：单个活动。",
    "p.scope_all": "范围：存储中的全部活动与帖子。",
    "p.budgets": "预算：{names}。",
    "p.no_budgets": "预算：无。",
    "p.no_goals": "范围内没有活动目标。",
    "p.publications": "发布时间 {first} 至 {last}：共 {posts} 条平台帖子。",
    "p.no_publications": "范围内没有发布。",
    "p.total": "共 {posts} 条平台帖子，触达 {reach}，获得 {engagements} 次互动，"
    "互动率 {rate}（互动数 / 触达数）。",
    "p.trend": "每周互动率趋势：{direction}，每周 {slope} 个百分点（按所列各周最小二乘）。",
    "p.no_trend": "每周互动率趋势：周数不足，无法计算斜率。",
    "p.cadence": "完全落在时段内的每一天或每个ISO周计一次；规范设有下限时，"
    "没有发布的时段计为不足。",
    "p.interactions": "共 {participants} 名不同参与者。问答：{questions} 个问题，已回答 "
    "{answered} 个（回答率 {answer_rate}），升级 {escalated} 个；响应时间中位数 {median} "
    "分钟，第90百分位 {p90} 分钟。",
    "p.contests": "竞赛：{contests} 场，{entries} 份参赛（取消资格 {disqualified} 份）。"
    "读书会：{sessions} 场，报名 {registrations} 人，出席 {attendance} 人，分享 "
    "{contributions} 次。",
    "p.moderation": "评论管理操作：{total} 次。",
    "p.costs_note": "活动行：活动预算条目的实际支出除以该活动全部帖子的互动数；KOL行："
    "KOL约定费用除以该活动在KOL所在平台的互动数。支出未按平台记录。",
    "p.heat": "未关闭风险 {open} 个，已升级 {escalated} 个。",
    "p.no_incidents": "没有未关闭的事件。",
    "p.no_signals": "未触发风险信号。",
    "p.no_problems": "范围内未记录问题。",
    "p.no_recommendations": "数据未给出建议。",
    "p.objectives": "目标达成：{met} / {total}（{unmeasured} 个无实际值）。",
    "p.verdict.all_met": "所有可衡量的目标均已达成。",
    "p.verdict.most_met": "至少一半可衡量的目标已达成。",
    "p.verdict.few_met": "不到一半可衡量的目标已达成。",
    "p.verdict.none_met": "没有可衡量的目标达成。",
    "p.verdict.no_objectives": "没有可衡量的目标可供评价。",
    "p.headline": "{posts} 条平台帖子，{engagements} 次互动，互动率 {rate}；支出 {spent}；"
    "未关闭风险 {open_risks} 个。",
    "col.campaign": "活动",
    "col.kind": "类型",
    "col.status": "状态",
    "col.dates": "日期",
    "col.platforms": "平台",
    "col.kol": "KOL合作方",
    "col.metric": "指标",
    "col.platform": "平台",
    "col.target": "目标值",
    "col.actual": "实际值",
    "col.attainment": "达成率",
    "col.met": "达成",
    "col.content_type": "内容类型",
    "col.posts": "帖子数",
    "col.actor": "人员",
    "col.events": "事件数",
    "col.day": "日期",
    "col.milestone": "里程碑",
    "col.subject": "对象",
    "col.group": "分组",
    "col.reach": "触达",
    "col.engagements": "互动数",
    "col.followers": "新增粉丝",
    "col.rate": "互动率",
    "col.week": "周",
    "col.per": "周期",
    "col.policy": "规范",
    "col.periods": "时段数",
    "col.under": "不足",
    "col.within": "符合",
    "col.over": "超出",
    "col.category": "类别",
    "col.currency": "币种",
    "col.allocated": "已分配",
    "col.committed": "已承诺",
    "col.spent": "已支出",
    "col.available": "可用",
    "col.cpe": "每次互动成本",
    "col.cpf": "每位新增粉丝成本",
    "col.title": "风险",
    "col.likelihood": "可能性",
    "col.impact": "影响",
    "col.score": "分值",
    "col.level": "等级",
    "col.escalated": "已升级",
    "col.number": "编号",
    "col.severity": "严重程度",
    "col.affected": "受影响对象",
    "col.started": "开始时间",
    "col.signal": "信号",
    "col.firings": "触发次数",
    "col.action": "管理操作",
    "col.count": "次数",
    "yes": "是",
    "no": "否",
    "all_platforms": "全部平台",
    "unit.min": "分钟",
    "chart.engagement_by_platform": "各平台互动数",
    "chart.rate_by_content_type": "各内容类型互动率（%）",
    "chart.weekly_trend": "每周互动数与互动率",
    "chart.budget_positions": "各预算类别的资金状况",
    "chart.risk_heat_map": "风险热力图：按可能性与影响统计的未关闭风险",
    "chart.cadence": "发布频率：低于、符合、超出规范的时段",
    "chart.no_data": "无数据",
    "axis.engagements": "互动数",
    "axis.rate": "互动率（%）",
    "axis.week": "ISO周",
    "axis.amount": "金额",
    "axis.likelihood": "可能性",
    "axis.impact": "影响",
    "axis.periods": "时段数",
    "kind.campaign": "活动",
    "kind.kol": "KOL",
    "direction.rising": "上升",
    "direction.falling": "下降",
    "direction.flat": "持平",
    "per.day": "天",
    "per.week": "周",
    "finding.publish_failed": "发布失败 {failures} 次，涉及 {posts} 条帖子；其中 "
    "{published_later} 个失败的平台版本在重试后发布成功。",
    "finding.changes_requested": "审核人员将 {posts} 条帖子退回修改 {changes_requested} "
    "次（个人信息、准确性或版权）；其中 {approved_after} 条修改后获批。",
    "finding.incidents": "共报告 {reported} 起事件；已解决 {resolved} 起，仍有 {open} 起未关闭。",
    "finding.questions_escalated": "读者提问 {questions} 个，已回答 {answered} 个；"
    "{escalated} 个等待过久被升级，{unanswered} 个尚未回答。",
    "finding.budget_pressure": "预算压力：记录了原因与审批人的调整 {adjustments} 次，"
    "经授权超额支出 {overrides} 次，超支信号 {overspend_signals} 次。",
    "finding.moderation": "评论管理隐藏评论 {hidden} 条，警告 {warned} 次，处罚 {sanctioned} 次。",
    "finding.erasures": "通过删除读者密钥，完成 {erased} 项个人信息删除请求。",
    "finding.best_slot": "多在北京时间 {hour}:00 前后发布{content_type}内容：其互动率最高，"
    "{posts} 条帖子的互动率为 {rate}（{engagements} 次互动 / {reach} 触达）。",
    "finding.weakest_content": "改进{content_type}内容：{posts} 条帖子的互动率为 {rate}，"
    "而{best_content_type}内容为 {best_rate}。",
    "finding.cadence": "保持{platform}的发布频率（每{per} {minimum} 至 {maximum} 条）："
    "{periods} 个时段中 {under} 个低于规范，{over} 个超出规范。",
    "finding.objective_missed": "{campaign}：目标 {metric}（{platform}）未达成：实际 "
    "{actual}，目标 {target}（{attainment}）；下次活动需提前规划。",
    "finding.least_cost_effective": "复核成本效益最低的支出 {subject}（{kind}）："
    "支出 {spent} {currency}，获得 {engagements} 次互动，每次互动 {cost_per_engagement} "
    "{currency}。",
    "finding.answer_questions": "及时回答每个问题：{questions} 个问题中已回答 {answered} 个"
    "（{answer_rate}），升级 {escalated} 个，第90百分位响应时间 {p90_response_seconds} 分钟。",
    "finding.falling_trend": "互动率在 {weeks} 周内下降（每周 {slope} 个百分点）：请更新内容计划。",
    "finding.review_risks": "优先复核 {serious} 个高或严重风险（未关闭 {open} 个，已升级 "
    "{escalated} 个），并保持应急预案最新。",
}

_LABELS_EN: Final[dict[str, str]] = {
    "weibo": "Weibo",
    "wechat": "WeChat",
    "douyin": "Douyin",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "news": "news",
    "knowledge": "knowledge",
    "interactive": "interactive",
    "content_creation": "content creation",
    "promotion": "promotion",
    "technical_support": "technical support",
    "staff": "staff",
    "partnerships": "partnerships",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
    "reads": "reads",
    "views": "views",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "favourites": "favourites",
    "followers_gained": "new followers",
    "engagements": "engagements",
    "posts_published": "posts published",
    "participants": "participants",
    "topic": "topic",
    "kol": "KOL",
    "cross_platform": "cross-platform",
    "service": "service",
    "reading_event": "reading event",
    "planned": "planned",
    "live": "live",
    "paused": "paused",
    "completed": "completed",
    "cancelled": "cancelled",
    "open": "open",
    "closed": "closed",
    "content": "content",
    "technical": "technical",
    "market": "market",
    "regulatory": "regulatory",
    "minor": "minor",
    "moderate": "moderate",
    "major": "major",
    "severe": "severe",
    "hidden": "comments hidden",
    "warned": "warnings",
    "sanctioned": "sanctions",
    "sanctioned_automatically": "automatic sanctions",
    "featured": "comments featured",
    "rewarded": "rewards",
    "qa": "Q&A",
    "reading": "reading sessions",
    "contest": "contests",
    "moderation": "moderation",
    "campaign_planned": "campaign planned",
    "campaign_launched": "campaign launched",
    "campaign_paused": "campaign paused",
    "campaign_resumed": "campaign resumed",
    "campaign_completed": "campaign completed",
    "campaign_cancelled": "campaign cancelled",
    "contest_drawn": "contest winners drawn",
    "session_closed": "reading session held",
    "budget_adjusted": "budget adjusted",
    "incident_reported": "incident reported",
    "incident_resolved": "incident resolved",
    "subject_erased": "reader's data erased",
    "first_publication": "first publication",
    "last_publication": "last publication",
    "period_start": "campaign period starts",
    "period_end": "campaign period ends",
    "negative_comment_spike": "negative comment spike",
    "publish_failures": "publish failures",
    "metric_anomaly": "metric anomaly",
    "personal_data_in_draft": "personal data in a draft",
    "overspend": "overspend",
    "spent": "spent",
    "committed": "committed",
    "available": "available",
    "Campaign": "campaign",
    "Contest": "contest",
    "ReadingSession": "reading session",
    "Budget": "budget",
    "Risk": "risk",
    "DataSubject": "reader",
}

_LABELS_ZH: Final[dict[str, str]] = {
    "weibo": "微博",
    "wechat": "微信公众号",
    "douyin": "抖音",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "news": "资讯类",
    "knowledge": "知识类",
    "interactive": "互动类",
    "content_creation": "内容创作",
    "promotion": "推广",
    "technical_support": "技术支持",
    "staff": "人员",
    "partnerships": "合作",
    "low": "低",
    "medium": "中",
    "high": "高",
    "critical": "严重",
    "reads": "阅读量",
    "views": "播放量",
    "likes": "点赞",
    "comments": "评论",
    "shares": "转发",
    "favourites": "收藏",
    "followers_gained": "新增粉丝",
    "engagements": "互动数",
    "posts_published": "发布数",
    "participants": "参与人数",
    "topic": "话题",
    "kol": "KOL",
    "cross_platform": "跨平台",
    "service": "服务",
    "reading_event": "阅读活动",
    "planned": "已计划",
    "live": "进行中",
    "paused": "已暂停",
    "completed": "已完成",
    "cancelled": "已取消",
    "open": "未关闭",
    "closed": "已关闭",
    "content": "内容",
    "technical": "技术",
    "market": "市场",
    "regulatory": "监管",
    "minor": "轻微",
    "moderate": "中等",
    "major": "重大",
    "severe": "严重",
    "hidden": "隐藏评论",
    "warned": "警告",
    "sanctioned": "处罚",
    "sanctioned_automatically": "自动处罚",
    "featured": "精选评论",
    "rewarded": "奖励",
    "qa": "问答",
    "reading": "读书会",
    "contest": "竞赛",
    "moderation": "评论管理",
    "campaign_planned": "活动计划",
    "campaign_launched": "活动启动",
    "campaign_paused": "活动暂停",
    "campaign_resumed": "活动恢复",
    "campaign_completed": "活动完成",
    "campaign_cancelled": "活动取消",
    "contest_drawn": "竞赛开奖",
    "session_closed": "读书会举行",
    "budget_adjusted": "预算调整",
    "incident_reported": "事件报告",
    "incident_resolved": "事件解决",
    "subject_erased": "读者信息删除",
    "first_publication": "首次发布",
    "last_publication": "最后发布",
    "period_start": "活动开始",
    "period_end": "活动结束",
    "negative_comment_spike": "负面评论激增",
    "publish_failures": "连续发布失败",
    "metric_anomaly": "指标异常",
    "personal_data_in_draft": "草稿含个人信息",
    "overspend": "超支",
    "spent": "已支出",
    "committed": "已承诺",
    "available": "可用",
    "Campaign": "活动",
    "Contest": "竞赛",
    "ReadingSession": "读书会",
    "Budget": "预算",
    "Risk": "风险",
    "DataSubject": "读者",
}

STRINGS: Final[dict[str, dict[str, str]]] = {"en": _EN, "zh": _ZH}
"""Every heading, label and sentence of the report, by language and key."""

LABELS: Final[dict[str, dict[str, str]]] = {"en": _LABELS_EN, "zh": _LABELS_ZH}
"""Names of platforms, content types, categories, levels and so on, by language."""


# --- formatting numbers (the same in every language) -------------------------------------

NONE: Final = "—"
"""How a figure that is unknown (a rate with a denominator of 0) is shown."""

_PERCENT: Final = frozenset({"rate", "best_rate", "answer_rate", "attainment"})
_MONEY: Final = frozenset({"spent", "cost_per_engagement", "cost_per_new_follower"})


def count(value: int | None) -> str:
    """A count with thousands separators (``12,345``)."""
    return NONE if value is None else f"{value:,}"


def percent(value: Decimal | None) -> str:
    """A ratio as a percentage with two decimals (``0.1234`` -> ``12.34%``)."""
    return NONE if value is None else f"{value * 100:,.2f}%"


def money(value: Decimal | None) -> str:
    """An amount with thousands separators and two decimals (four for a unit cost)."""
    if value is None:
        return NONE
    places = 4 if value != value.quantize(Decimal("0.01")) else 2
    return f"{value:,.{places}f}"


def number(value: Decimal | None) -> str:
    """A target or other exact number, without trailing zeros."""
    if value is None:
        return NONE
    text = f"{value.normalize():f}"
    return f"{int(value):,}" if value == value.to_integral_value() else text


def minutes(seconds: Decimal | int | None) -> str:
    """Seconds as minutes with one decimal."""
    return NONE if seconds is None else f"{Decimal(seconds) / 60:,.1f}"


def points(slope: Decimal | None) -> str:
    """A slope of a ratio per week, in signed percentage points (two decimals)."""
    return NONE if slope is None else f"{slope * 100:+.2f}"


@attrs.frozen
class _Words:
    """The language's strings and labels, and the figure formatting."""

    lang: str

    def __call__(self, key: str, **figures: object) -> str:
        text = STRINGS[self.lang][key]
        return text.format(**figures) if figures else text

    def label(self, value: str | None) -> str:
        if value is None:
            return self("all_platforms")
        return LABELS[self.lang].get(value, value)

    def yes_no(self, value: bool | None) -> str:
        return NONE if value is None else self("yes" if value else "no")

    def finding(self, finding: Finding) -> str:
        shown: dict[str, str] = {}
        for name, value in finding.figures:
            shown[name] = self._figure(name, value)
        return self(f"finding.{finding.kind}", **shown)

    def _figure(self, name: str, value: object) -> str:
        if value is None:
            return self.label(None) if name == "platform" else NONE
        if isinstance(value, bool):
            return self.yes_no(value)
        if name.endswith("_seconds") and isinstance(value, int | Decimal):
            return minutes(value)
        if isinstance(value, int):
            return str(value) if name == "hour" else count(value)
        if isinstance(value, Decimal):
            if name in _PERCENT:
                return percent(value)
            if name in _MONEY:
                return money(value)
            if name == "slope":
                return points(value)
            return number(value)
        if isinstance(value, date):
            return value.isoformat()
        if name == "kind":
            return self(f"kind.{value}")
        if name == "per":
            return self(f"per.{value}")
        return self.label(str(value))


# --- the blocks both formats are rendered from -------------------------------------------


@attrs.frozen
class _Heading:
    level: int
    text: str
    anchor: str = ""


@attrs.frozen
class _Paragraph:
    text: str


@attrs.frozen
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


@attrs.frozen
class _Chart:
    name: str
    alt: str


@attrs.frozen
class _List:
    items: tuple[str, ...]


_Block = _Heading | _Paragraph | _Table | _Chart | _List


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> _Table:
    return _Table(tuple(header), tuple(tuple(r) for r in rows), tuple(numeric))


def _blocks(report: Report, w: _Words) -> list[_Block]:
    """The report as blocks, section by section, in the order of :data:`SECTIONS`."""
    b = report.background
    out: list[_Block] = []
    if b.campaign_id is not None and b.campaigns:
        out.append(_Heading(1, w("title.campaign", name=b.campaigns[0].name)))
    else:
        out.append(_Heading(1, w("title")))

    out.append(_Heading(2, w("h.background"), "background"))
    out.append(_Paragraph(w("p.store", store=b.store, events=count(b.events))))
    out.append(
        _Paragraph(
            w("p.no_period")
            if b.period is None
            else w("p.period", start=b.period.start.isoformat(), end=b.period.end.isoformat())
        )
    )
    out.append(_Paragraph(w("p.scope_campaign" if b.campaign_id else "p.scope_all")))
    out.append(
        _Paragraph(w("p.budgets", names="; ".join(b.budgets)) if b.budgets else w("p.no_budgets"))
    )
    if b.campaigns:
        out.append(
            _table(
                [
                    w("col.campaign"),
                    w("col.kind"),
                    w("col.status"),
                    w("col.dates"),
                    w("col.platforms"),
                    w("col.kol"),
                ],
                [
                    (
                        c.name,
                        w.label(c.kind),
                        w.label(c.status),
                        f"{c.start.isoformat()} – {c.end.isoformat()}",
                        ", ".join(w.label(p) for p in c.platforms),
                        "; ".join(
                            f"{k.handle} ({w.label(k.platform)}, {count(k.audience_size)}, "
                            f"{money(k.fee)} {k.currency})"
                            for k in c.kol_partners
                        )
                        or NONE,
                    )
                    for c in b.campaigns
                ],
                [False] * 6,
            )
        )

    out.append(_Heading(2, w("h.goals"), "goals"))
    if report.goals:
        out.append(
            _table(
                [w("col.campaign"), w("col.metric"), w("col.platform"), w("col.target")],
                [
                    (g.campaign, w.label(g.metric), w.label(g.platform), number(g.target))
                    for g in report.goals
                ],
                [False, False, False, True],
            )
        )
    else:
        out.append(_Paragraph(w("p.no_goals")))

    e = report.execution
    out.append(_Heading(2, w("h.execution"), "execution"))
    if e.first_publication is not None and e.last_publication is not None:
        out.append(
            _Paragraph(
                w(
                    "p.publications",
                    first=e.first_publication.isoformat(),
                    last=e.last_publication.isoformat(),
                    posts=count(e.posts_total),
                )
            )
        )
    else:
        out.append(_Paragraph(w("p.no_publications")))
    out.append(_Heading(3, w("h3.posts")))
    out.append(
        _table(
            [w("col.platform"), w("col.content_type"), w("col.posts")],
            [(w.label(p.platform), w.label(p.content_type), count(p.posts)) for p in e.posts],
            [False, False, True],
        )
    )
    out.append(_Heading(3, w("h3.people")))
    out.append(
        _table(
            [w("col.actor"), w("col.events")],
            [(p.actor_id, count(p.events)) for p in e.people],
            [False, True],
        )
    )
    out.append(_Heading(3, w("h3.milestones")))
    out.append(
        _table(
            [w("col.day"), w("col.milestone"), w("col.subject")],
            [
                (m.day.isoformat(), w.label(m.kind), w.label(m.subject) if m.subject else NONE)
                for m in e.milestones
            ],
            [False, False, False],
        )
    )

    out.append(_Heading(2, w("h.results"), "results"))
    if report.goals:
        out.append(
            _table(
                [
                    w("col.campaign"),
                    w("col.metric"),
                    w("col.platform"),
                    w("col.target"),
                    w("col.actual"),
                    w("col.attainment"),
                    w("col.met"),
                ],
                [
                    (
                        g.campaign,
                        w.label(g.metric),
                        w.label(g.platform),
                        number(g.target),
                        count(g.actual),
                        percent(g.attainment),
                        w.yes_no(g.met),
                    )
                    for g in report.goals
                ],
                [False, False, False, True, True, True, False],
            )
        )
    else:
        out.append(_Paragraph(w("p.no_goals")))

    eng = report.engagement
    out.append(_Heading(2, w("h.engagement"), "engagement"))
    t = eng.total
    out.append(
        _Paragraph(
            w(
                "p.total",
                posts=count(t.posts),
                reach=count(t.reach),
                engagements=count(t.engagements),
                rate=percent(t.engagement_rate),
            )
        )
    )
    header = [
        w("col.group"),
        w("col.posts"),
        w("col.reach"),
        w("col.engagements"),
        w("col.followers"),
        w("col.rate"),
    ]
    numeric = [False, True, True, True, True, True]

    def rows(group: Sequence[Any], label: Callable[[str], str]) -> list[tuple[str, ...]]:
        return [
            (
                label(r.key),
                count(r.posts),
                count(r.reach),
                count(r.engagements),
                count(r.followers_gained),
                percent(r.engagement_rate),
            )
            for r in group
        ]

    out.append(_Heading(3, w("h3.by_platform")))
    out.append(_table(header, rows(eng.by_platform, w.label), numeric))
    out.append(_Chart("engagement_by_platform", w("chart.engagement_by_platform")))
    out.append(_Heading(3, w("h3.by_content_type")))
    out.append(_table(header, rows(eng.by_content_type, w.label), numeric))
    out.append(_Chart("rate_by_content_type", w("chart.rate_by_content_type")))
    out.append(_Heading(3, w("h3.by_week")))
    out.append(_table(header, rows(eng.by_week, str), numeric))
    out.append(
        _Paragraph(
            w("p.no_trend")
            if eng.trend_slope is None or eng.trend_direction is None
            else w(
                "p.trend",
                direction=w(f"direction.{eng.trend_direction}"),
                slope=points(eng.trend_slope),
            )
        )
    )
    out.append(_Chart("weekly_trend", w("chart.weekly_trend")))

    out.append(_Heading(2, w("h.cadence"), "cadence"))
    out.append(_Paragraph(w("p.cadence")))
    out.append(
        _table(
            [
                w("col.platform"),
                w("col.per"),
                w("col.policy"),
                w("col.periods"),
                w("col.under"),
                w("col.within"),
                w("col.over"),
            ],
            [
                (
                    w.label(c.platform),
                    w(f"per.{c.per}"),
                    f"{_or_none(c.minimum)}–{_or_none(c.maximum)}",
                    count(c.periods),
                    count(c.under),
                    count(c.within),
                    count(c.over),
                )
                for c in report.cadence
            ],
            [False, False, False, True, True, True, True],
        )
    )
    out.append(_Chart("cadence", w("chart.cadence")))

    i = report.interactions
    out.append(_Heading(2, w("h.interactions"), "interactions"))
    out.append(
        _Paragraph(
            w(
                "p.interactions",
                participants=count(i.participants),
                questions=count(i.questions),
                answered=count(i.answered),
                answer_rate=percent(i.answer_rate),
                escalated=count(i.escalated),
                median=minutes(i.median_response_seconds),
                p90=minutes(i.p90_response_seconds),
            )
        )
    )
    out.append(
        _Paragraph(
            w(
                "p.contests",
                contests=count(i.contests),
                entries=count(i.contest_entries),
                disqualified=count(i.disqualified),
                sessions=count(i.sessions),
                registrations=count(i.registrations),
                attendance=count(i.attendance),
                contributions=count(i.contributions),
            )
        )
    )
    out.append(
        _table(
            [w("col.group"), w("col.count")],
            [(w.label(kind), count(n)) for kind, n in i.participants_by_kind],
            [False, True],
        )
    )
    out.append(_Paragraph(w("p.moderation", total=count(i.moderation_total))))
    out.append(
        _table(
            [w("col.action"), w("col.count")],
            [(w.label(kind), count(n)) for kind, n in i.moderation],
            [False, True],
        )
    )

    bu = report.budgets
    out.append(_Heading(2, w("h.budget"), "budget"))
    money_header = [
        w("col.currency"),
        w("col.allocated"),
        w("col.committed"),
        w("col.spent"),
        w("col.available"),
    ]

    def money_rows(group: Sequence[Any], label: Callable[[str], str]) -> list[tuple[str, ...]]:
        return [
            (
                label(r.subject),
                r.currency,
                money(r.allocated),
                money(r.committed),
                money(r.spent),
                money(r.available),
            )
            for r in group
        ]

    out.append(_Heading(3, w("h3.positions")))
    out.append(
        _table(
            [w("col.category"), *money_header],
            money_rows([*bu.by_category, *bu.totals], w.label),
            [False, False, True, True, True, True],
        )
    )
    out.append(_Chart("budget_positions", w("chart.budget_positions")))
    out.append(_Heading(3, w("h3.by_campaign")))
    out.append(
        _table(
            [w("col.campaign"), *money_header],
            money_rows(bu.by_campaign, str),
            [False, False, True, True, True, True],
        )
    )
    out.append(_Heading(3, w("h3.costs")))
    out.append(_Paragraph(w("p.costs_note")))
    out.append(
        _table(
            [
                w("col.subject"),
                w("col.kind"),
                w("col.platform"),
                w("col.currency"),
                w("col.spent"),
                w("col.engagements"),
                w("col.followers"),
                w("col.cpe"),
                w("col.cpf"),
            ],
            [
                (
                    c.subject,
                    w(f"kind.{c.kind}"),
                    w.label(c.platform) if c.platform else NONE,
                    c.currency,
                    money(c.spent),
                    count(c.engagements),
                    count(c.followers_gained),
                    money(c.cost_per_engagement),
                    money(c.cost_per_new_follower),
                )
                for c in bu.costs
            ],
            [False, False, False, False, True, True, True, True, True],
        )
    )

    r = report.risks
    out.append(_Heading(2, w("h.risks"), "risks"))
    out.append(_Paragraph(w("p.heat", open=count(r.open_risks), escalated=count(r.escalated))))
    out.append(
        _table(
            [w("col.level"), w("col.count")],
            [(w.label(level), count(n)) for level, n in r.by_level],
            [False, True],
        )
    )
    out.append(_Chart("risk_heat_map", w("chart.risk_heat_map")))
    out.append(_Heading(3, w("h3.risk_register")))
    out.append(
        _table(
            [
                w("col.title"),
                w("col.category"),
                w("col.likelihood"),
                w("col.impact"),
                w("col.score"),
                w("col.level"),
                w("col.status"),
                w("col.escalated"),
            ],
            [
                (
                    k.title,
                    w.label(k.category),
                    str(k.likelihood),
                    str(k.impact),
                    str(k.score),
                    w.label(k.level),
                    w.label(k.status),
                    w.yes_no(k.escalated),
                )
                for k in r.risks
            ],
            [False, False, True, True, True, False, False, False],
        )
    )
    out.append(_Heading(3, w("h3.incidents")))
    if r.open_incidents:
        out.append(
            _table(
                [
                    w("col.title"),
                    w("col.number"),
                    w("col.severity"),
                    w("col.affected"),
                    w("col.started"),
                ],
                [
                    (
                        n.risk,
                        str(n.number),
                        w.label(n.severity),
                        n.affected,
                        n.started_at.isoformat(timespec="minutes"),
                    )
                    for n in r.open_incidents
                ],
                [False, True, False, False, False],
            )
        )
    else:
        out.append(_Paragraph(w("p.no_incidents")))
    out.append(_Heading(3, w("h3.signals")))
    if r.signals:
        out.append(
            _table(
                [w("col.signal"), w("col.firings")],
                [(w.label(s), count(n)) for s, n in r.signals],
                [False, True],
            )
        )
    else:
        out.append(_Paragraph(w("p.no_signals")))

    out.append(_Heading(2, w("h.problems"), "problems"))
    if report.problems:
        out.append(_List(tuple(w.finding(f) for f in report.problems)))
    else:
        out.append(_Paragraph(w("p.no_problems")))

    j = report.judgement
    out.append(_Heading(2, w("h.judgement"), "judgement"))
    out.append(
        _Paragraph(
            w(
                "p.objectives",
                met=count(j.objectives_met),
                total=count(j.objectives_total),
                unmeasured=count(j.objectives_unmeasured),
            )
        )
    )
    out.append(_Paragraph(w(f"p.verdict.{j.verdict}")))
    spent = "; ".join(f"{money(amount)} {currency}" for currency, amount in j.spent) or NONE
    out.append(
        _Paragraph(
            w(
                "p.headline",
                posts=count(j.posts),
                engagements=count(j.engagements),
                rate=percent(j.engagement_rate),
                spent=spent,
                open_risks=count(j.open_risks),
            )
        )
    )

    out.append(_Heading(2, w("h.recommendations"), "recommendations"))
    if report.recommendations:
        out.append(_List(tuple(w.finding(f) for f in report.recommendations)))
    else:
        out.append(_Paragraph(w("p.no_recommendations")))
    return out


# --- Markdown and HTML ---------------------------------------------------------------------


def _language(report: Report, lang: str | None) -> _Words:
    return _Words(check_language(report.lang if lang is None else lang))


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, *, lang: str | None = None, chart_dir: str = "charts") -> str:
    """The report as Markdown; charts are linked as ``<chart_dir>/<name>.png``."""
    words = _language(report, lang)
    lines: list[str] = []
    for block in _blocks(report, words):
        if isinstance(block, _Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, _Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, _Table):
            lines.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            lines.append("|" + "|".join("---:" if n else "---" for n in block.numeric) + "|")
            for row in block.rows:
                lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            lines.append("")
        elif isinstance(block, _Chart):
            lines += [f"![{block.alt}]({chart_dir}/{block.name}.png)", ""]
        else:
            lines += [f"- {item}" for item in block.items] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


_CSS: Final = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",
system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;max-width:60rem;
margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{border-bottom:3px solid #2b6cb0;padding-bottom:.3rem}
h2{margin-top:2.2rem;border-bottom:1px solid #cbd2d9;padding-bottom:.2rem;color:#2b6cb0}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #d9e2ec;padding:.25rem .6rem;vertical-align:top}
th{background:#f0f4f8;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0}
img{max-width:100%;height:auto;border:1px solid #e4e7eb}
li{margin:.3rem 0}
""".strip()


def render_html(
    report: Report, *, lang: str | None = None, charts: dict[str, bytes] | None = None
) -> str:
    """The report as one self-contained HTML page: inline CSS, charts as base64 PNG."""
    words = _language(report, lang)
    images = render_charts(report, lang=words.lang) if charts is None else charts
    e = html.escape
    title = words("title")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if words.lang == "zh" else "en"}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
    ]
    for block in _blocks(report, words):
        if isinstance(block, _Heading):
            anchor = f' id="{e(block.anchor)}"' if block.anchor else ""
            parts.append(f"<h{block.level}{anchor}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, _Paragraph):
            parts.append(f"<p>{e(block.text)}</p>")
        elif isinstance(block, _Table):
            parts.append("<table><thead><tr>")
            parts += [f"<th>{e(h)}</th>" for h in block.header]
            parts.append("</tr></thead><tbody>")
            for row in block.rows:
                cells = "".join(
                    f'<td class="n">{e(c)}</td>' if n else f"<td>{e(c)}</td>"
                    for c, n in zip(row, block.numeric, strict=True)
                )
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</tbody></table>")
        elif isinstance(block, _Chart):
            data = base64.b64encode(images[block.name]).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{e(block.alt)}" '
                f'data-chart="{block.name}"></figure>'
            )
        else:
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block.items) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- charts ----------------------------------------------------------------------------------


def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    # A font installed after matplotlib built its cache: add the files themselves.
    for path in font_manager.findSystemFonts():
        lowered = path.lower()
        if any(
            mark in lowered
            for mark in ("wqy", "notosanscjk", "noto-cjk", "sourcehan", "droidsansfallback")
        ):
            font_manager.fontManager.addfont(path)
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


@contextmanager
def _style(lang: str) -> Iterator[None]:
    """matplotlib settings for one language: a CJK font first in the fallback list for zh."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context

    families = ["DejaVu Sans"]
    if lang == "zh":
        family = cjk_font()
        if family is None:
            raise MissingCjkFontError
        families = [family, "DejaVu Sans"]
    with rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": families,
            "axes.unicode_minus": False,
            "svg.hashsalt": "libops",
            "figure.dpi": 100,
        }
    ):
        yield


_COLOURS: Final = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096")


def render_charts(report: Report, *, lang: str | None = None) -> dict[str, bytes]:
    """Every chart of :data:`CHART_NAMES` as PNG bytes (same report, same bytes)."""
    words = _language(report, lang)
    with _style(words.lang):
        return {name: _png(_DRAW[name](report, words)) for name in CHART_NAMES}


def _png(figure: Any) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        figure.tight_layout()
        figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    finally:
        plt.close(figure)
    return buffer.getvalue()


def _figure(title: str) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 4.2))
    axes.set_title(title)
    return figure, axes


def _no_data(axes: Any, w: _Words) -> None:
    axes.text(
        0.5,
        0.5,
        w("chart.no_data"),
        ha="center",
        va="center",
        fontsize=14,
        color="#718096",
        transform=axes.transAxes,
    )
    axes.set_xticks([])
    axes.set_yticks([])


def _engagement_by_platform(report: Report, w: _Words) -> Any:
    figure, axes = _figure(w("chart.engagement_by_platform"))
    rows = report.engagement.by_platform
    if not rows:
        _no_data(axes, w)
        return figure
    labels = [w.label(r.key) for r in rows]
    values = [r.engagements for r in rows]
    bars = axes.bar(labels, values, color=_COLOURS[: len(rows)])
    axes.bar_label(bars, labels=[count(v) for v in values])
    axes.set_ylabel(w("axis.engagements"))
    return figure


def _rate_by_content_type(report: Report, w: _Words) -> Any:
    figure, axes = _figure(w("chart.rate_by_content_type"))
    rows = report.engagement.by_content_type
    if not rows:
        _no_data(axes, w)
        return figure
    labels = [w.label(r.key) for r in rows]
    values = [
        float(r.engagement_rate * 100) if r.engagement_rate is not None else 0.0 for r in rows
    ]
    bars = axes.bar(labels, values, color=_COLOURS[1 : len(rows) + 1])
    axes.bar_label(bars, labels=[percent(r.engagement_rate) for r in rows])
    axes.set_ylabel(w("axis.rate"))
    return figure


def _weekly_trend(report: Report, w: _Words) -> Any:
    figure, axes = _figure(w("chart.weekly_trend"))
    weeks = report.engagement.by_week
    if not weeks:
        _no_data(axes, w)
        return figure
    # "2026-W14" -> "W14" on the axis (the year is in the axis label), slanted so that a
    # quarter's thirteen or more weeks stay readable.
    years = sorted({r.key.split("-W")[0] for r in weeks})
    labels = [r.key.split("-", 1)[1] if len(years) == 1 else r.key for r in weeks]
    axes.plot(
        labels,
        [r.engagements for r in weeks],
        marker="o",
        color=_COLOURS[0],
        label=w("axis.engagements"),
    )
    axes.set_ylabel(w("axis.engagements"))
    axes.set_xlabel(w("axis.week") + (f" ({years[0]})" if len(years) == 1 else ""))
    axes.tick_params(axis="x", labelrotation=45)
    second = axes.twinx()
    second.plot(
        labels,
        [
            float(r.engagement_rate * 100) if r.engagement_rate is not None else float("nan")
            for r in weeks
        ],
        marker="s",
        linestyle="--",
        color=_COLOURS[1],
        label=w("axis.rate"),
    )
    second.set_ylabel(w("axis.rate"))
    handles = axes.get_legend_handles_labels()[0] + second.get_legend_handles_labels()[0]
    axes.legend(handles=handles, loc="upper left")
    return figure


def _budget_positions(report: Report, w: _Words) -> Any:
    figure, axes = _figure(w("chart.budget_positions"))
    rows = report.budgets.by_category
    if not rows:
        _no_data(axes, w)
        return figure
    labels = [f"{w.label(r.subject)} ({r.currency})" for r in rows]
    bottom = [0.0] * len(rows)
    for name, colour in (
        ("spent", _COLOURS[1]),
        ("committed", _COLOURS[3]),
        ("available", _COLOURS[2]),
    ):
        values = [max(float(getattr(r, name)), 0.0) for r in rows]
        axes.bar(labels, values, bottom=bottom, color=colour, label=w.label(name))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel(w("axis.amount"))
    axes.legend()
    axes.tick_params(axis="x", labelrotation=20)
    return figure


def _risk_heat_map(report: Report, w: _Words) -> Any:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.6, 5.0))
    axes.set_title(w("chart.risk_heat_map"), fontsize=10)
    # Background: the score (likelihood x impact), so the bands show; counts written on top.
    scores = [[(l + 1) * (i + 1) for i in range(5)] for l in range(5)]  # noqa: E741  # l is likelihood, as in the register
    axes.imshow(scores, cmap="YlOrRd", origin="lower", vmin=1, vmax=25, alpha=0.55)
    for likelihood in range(5):
        for impact in range(5):
            n = report.risks.heat_map[likelihood][impact]
            axes.text(
                impact,
                likelihood,
                str(n),
                ha="center",
                va="center",
                fontsize=15 if n else 10,
                color="#1a202c" if n else "#4a5568",
            )
    axes.set_xticks(range(5), [str(n) for n in range(1, 6)])
    axes.set_yticks(range(5), [str(n) for n in range(1, 6)])
    axes.set_xlabel(w("axis.impact"))
    axes.set_ylabel(w("axis.likelihood"))
    return figure


def _cadence_chart(report: Report, w: _Words) -> Any:
    figure, axes = _figure(w("chart.cadence"))
    rows = [r for r in report.cadence if r.periods]
    if not rows:
        _no_data(axes, w)
        return figure
    labels = [f"{w.label(r.platform)} / {w(f'per.{r.per}')}" for r in rows]
    bottom = [0] * len(rows)
    for name, colour in (("under", _COLOURS[1]), ("within", _COLOURS[2]), ("over", "#c53030")):
        values = [getattr(r, name) for r in rows]
        axes.bar(labels, values, bottom=bottom, color=colour, label=w(f"col.{name}"))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel(w("axis.periods"))
    axes.legend()
    return figure


_DRAW: Final[dict[str, Callable[[Report, _Words], Any]]] = {
    "engagement_by_platform": _engagement_by_platform,
    "rate_by_content_type": _rate_by_content_type,
    "weekly_trend": _weekly_trend,
    "budget_positions": _budget_positions,
    "risk_heat_map": _risk_heat_map,
    "cadence": _cadence_chart,
}


def _or_none(value: object) -> str:
    """A bound of a cadence rule, or the sign for none."""
    return NONE if value is None else str(value)
