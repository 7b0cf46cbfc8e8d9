"""The report's English catalogue: every heading, label and sentence, and the names of things."""

from __future__ import annotations

from typing import Final

STRINGS: Final[dict[str, str]] = {
    "title": "Evaluation report",
    "title.campaign": "Evaluation report: {name}",
    "h.background": "Background",
    "h.goals": "Goals",
    "h.execution": "Scope and execution",
    "h.results": "Results against goals",
    "h.engagement": "Engagement",
    "h.cadence": "Cadence against policy",
    "h.interactions": "Interaction effectiveness",
    "h.budget": "Budget and cost-effectiveness",
    "h.risks": "Risks",
    "h.problems": "Problems met and how they were solved",
    "h.judgement": "Overall judgement",
    "h.recommendations": "Recommendations and next actions",
    "h3.posts": "Posts per platform and content type",
    "h3.people": "People",
    "h3.milestones": "Milestones",
    "h3.by_platform": "By platform",
    "h3.by_content_type": "By content type",
    "h3.by_week": "By week",
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
    "p.publications": "Publications from {first} to {last}: {posts} "
    "{posts:post variant|post variants}.",
    "p.no_publications": "Nothing was published in scope.",
    "p.total": "In total {posts} {posts:post variant|post variants} reached {reach} and drew "
    "{engagements} {engagements:engagement|engagements}: an engagement rate of {rate} "
    "(engagements / reach).",
    "p.trend": "Weekly engagement rate trend over {weeks} full {weeks:week|weeks}: "
    "{direction}, {slope} percentage points a week (95% confidence interval {ci_low} to "
    "{ci_high}); Mann-Kendall test {p_value}: beyond the week-to-week noise (weekly rates "
    "from {rate_low} to {rate_high}).",
    "p.no_trend": "Weekly engagement rate trend: {weeks} full {weeks:week|weeks} with a rate; "
    "a trend needs at least 2.",
    "p.cadence": "Each day or ISO week lying wholly in the period counts once; a period "
    "with no publication counts as under when the policy sets a minimum.",
    "p.interactions": "{participants} distinct {participants:participant|participants}. Q&A: "
    "{questions} {questions:question|questions}, {answered} answered (answer rate "
    "{answer_rate}), {escalated} escalated; median response "
    "{median} min, 90th percentile {p90} min.",
    "p.contests": "Contests: {contests}, with {entries} {entries:entry|entries} "
    "({disqualified} disqualified). Reading sessions: {sessions}, with {registrations} "
    "{registrations:registration|registrations}, {attendance} attended, {contributions} "
    "{contributions:contribution|contributions}.",
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
    "col.actor": "Person",
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
    "col.risks": "Risks",
    "col.participants": "Participants",
    "risk.negative_comment_spike": "Spike in hidden and sanctioned comments on {platform}",
    "risk.publish_failures": "{failures} publish {failures:failure|failures} in a row on "
    "{platform}",
    "risk.metric_anomaly": "Unusual metrics for a post on {platform}",
    "risk.personal_data_in_draft": "Personal data in a draft post",
    "risk.overspend": "Over allocation: {budget} / {category} / {campaign}",
    "risk.general_line": "general",
    "yes": "yes",
    "no": "no",
    "all_platforms": "all platforms",
    "unit.min": "min",
    "chart.engagement_by_platform": "Engagements by platform",
    "chart.rate_by_content_type": "Engagement rate by content type (%)",
    "chart.weekly_trend": "Engagements and engagement rate by week",
    "chart.budget_positions": "Budget positions by category",
    "chart.risk_heat_map": "Risk heat map: open risks by likelihood and impact",
    "chart.cadence": "Cadence: periods under, within and over policy",
    "chart.no_data": "no data",
    "axis.engagements": "Engagements",
    "axis.rate": "Engagement rate (%)",
    "axis.week": "Week beginning",
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
    "finding.publish_failed": "Failed publishing attempts: {failures}, on {posts} "
    "{posts:post|posts}; "
    "published on a later attempt: {published_later}.",
    "finding.changes_requested": "Changes requested by reviewers (personal data, accuracy "
    "or copyright): {changes_requested}, on {posts} {posts:post|posts}; approved after "
    "revision: "
    "{approved_after}.",
    "finding.incidents": "Incidents reported: {reported}; resolved: {resolved}; still open: "
    "{open}.",
    "finding.questions_escalated": "Reader questions: {questions}, answered: {answered}; "
    "escalated for waiting too long: {escalated}; still unanswered: {unanswered}.",
    "finding.budget_pressure": "Budget pressure: adjustments recorded with reason and "
    "approver: {adjustments}; spendings past an allocation with an authorised override: "
    "{overrides}; overspend signals: {overspend_signals}.",
    "finding.moderation": "Moderation: {hidden} {hidden:comment|comments} hidden, {warned} "
    "{warned:warning|warnings}, {sanctioned} {sanctioned:sanction|sanctions}; the conduct "
    "rules were applied with a reason each time.",
    "finding.erasures": "Erasure requests honoured by deleting the readers' keys: {erased}.",
    "finding.best_slot": "Post more {content_type} content around {hour}:00 (Asia/Shanghai): "
    "it had the highest engagement rate, {rate} from {posts} {posts:post|posts} "
    "({engagements} {engagements:engagement|engagements} / {reach} reach), against "
    "{next_rate} for the next best, of {compared} {compared:slot|slots} (content type and "
    "hour) with at least {minimum} {minimum:post|posts} each; not compared: {left_out} "
    "{left_out:slot|slots} with fewer.",
    "finding.weakest_content": "Rework {content_type} content: its engagement rate was "
    "{rate} from {posts} {posts:post|posts}, against {best_rate} from {best_posts} "
    "{best_posts:post|posts} for {best_content_type} ({compared} content "
    "{compared:type|types} with at "
    "least {minimum} {minimum:post|posts} each compared).",
    "finding.cadence": "Keep {platform} on its cadence ({minimum} to {maximum} a {per}): "
    "of {periods} {periods:period|periods}, {under} {under:was|were} under and {over} over "
    "the policy.",
    "finding.objective_missed": "{campaign}: the objective {metric} ({platform}) was "
    "missed, {actual} against a target of {target} ({attainment}); plan for it next time.",
    "finding.least_cost_effective": "Review the least cost-effective spending, {subject} "
    "({kind}, {platform}): {spent} {currency} for {engagements} "
    "{engagements:engagement|engagements}, {cost_per_engagement} {currency} per engagement, "
    "the highest of {compared} comparable {compared:row|rows} (same kind, platform scope and "
    "currency; the lowest: {best_subject}, {best_cost_per_engagement} {currency}).",
    "finding.answer_questions": "Answer every question in time: {answered} of {questions} "
    "answered ({answer_rate}), {escalated} escalated, 90th percentile response "
    "{p90_response_seconds} min.",
    "finding.falling_trend": "Engagement rate fell over {weeks} full {weeks:week|weeks}, "
    "{slope} percentage points a week (95% confidence interval {ci_low} to {ci_high}; "
    "Mann-Kendall test {p_value}), beyond the week-to-week range of {rate_low} to "
    "{rate_high}: refresh the content plan.",
    "finding.review_risks": "Review the open high or critical risks first ({serious} of "
    "{open} open, {escalated} escalated), such as {titles}, and keep their contingency "
    "plans current.",
    # --- issue 14, recommendations that hold up and weeks with dates (helper c) ---
    "p.no_clear_trend": "Weekly engagement rate: no clear trend over {weeks} full "
    "{weeks:week|weeks}. The slope, {slope} percentage points a week (95% confidence "
    "interval {ci_low} to {ci_high}), is within the week-to-week noise (weekly rates from "
    "{rate_low} to {rate_high}; Mann-Kendall test {p_value}, not significant at 0.05).",
    "p.partial_weeks": "Left out of the trend: {partial} partial {partial:week|weeks} at the "
    "edges of the period, marked in the table.",
    "week.range": "{start} – {end} {year}",
    "week.range_years": "{start} {start_year} – {end} {end_year}",
    "week.label": "{dates} (W{number})",
    "week.label_partial": "{dates} (W{number}, partial)",
    "date.day": "{day} {month}",
    "axis.week_year": "Week beginning ({year})",
    "axis.week_partial": "Week beginning (* partial week, not in the trend)",
    "axis.week_year_partial": "Week beginning ({year}; * partial week, not in the trend)",
    "month.1": "Jan",
    "month.2": "Feb",
    "month.3": "Mar",
    "month.4": "Apr",
    "month.5": "May",
    "month.6": "Jun",
    "month.7": "Jul",
    "month.8": "Aug",
    "month.9": "Sep",
    "month.10": "Oct",
    "month.11": "Nov",
    "month.12": "Dec",
    "list.separator": "; ",
    "p_value.equal": "p = {p}",
    "p_value.below": "p < {p}",
    # --- Chinese practice (issue 14, item 5): chapters, indices, standing, terms ---------
    "chapter.overview": "Overview",
    "chapter.platforms": "Platform data analysis",
    "chapter.content": "Content work and typical cases",
    "chapter.standing": "Influence and honours",
    "chapter.problems": "Problems",
    "chapter.plan": "Next steps",
    "h.indices": "Communication indices",
    "h.standing": "Weighted index, rankings and honours",
    "h3.platform_figures": "Figures by platform",
    "col.index": "Index",
    "col.version": "Version or source",
    "col.value": "Value",
    "col.weight": "Weight given",
    "col.share": "Weight used",
    "col.included": "Counted",
    "index.wci": "WeChat index (WCI)",
    "index.bci": "Weibo index (BCI)",
    "index.video": "Short-video index (libops's own)",
    "index.weighted": "Weighted cross-platform index",
    "index.across_platforms": "Across platforms",
    "version.wci": "Qingbo WCI {version}",
    "version.bci": "BCI formula (one published source)",
    "version.video": "libops's own, of the BCI's form",
    "version.weighted": "libops, with the weights listed",
    "p.indices_period": "The indices cover the posts of this report published from {start} to "
    "{end}: {days} {days:day|days} (the WCI's d).",
    "p.no_indices": "No indices: nothing was published in the scope.",
    "about.wci": "WCI: Qingbo's WeChat communication index {version}, "
    "(0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 12, from reads, 'wow' counts, likes and shares as "
    "daily averages (O), per-article averages (A), headline articles (H) and the best article "
    "(P); 'wow' counts are WeChat's own metric where a snapshot records it (else taken as 0), "
    "and each day's first article is its headline.",
    "about.bci": "BCI: the Weibo index, (0.2·W1 + 0.8·W2) × 160 with W1 = ln(posts + 1) and "
    "W2 = 0.4·ln(shares + 1) + 0.4·ln(comments + 1) + 0.2·ln(likes + 1), from the period's "
    "totals; the culture-and-tourism variant's terms for original posts are left out "
    "(originality is not recorded).",
    "about.video": "Short-video index: libops's own, not an official index (none is published "
    "for Douyin); it has the BCI's form, with the videos published in W1 and their shares, "
    "comments and likes in W2.",
    "about.weighted": "Weighted index: the weighted mean of the platforms' indices, each taken "
    "as it is (all three are log composites of the same order of magnitude; none is "
    "normalised against other accounts), weighted as shown under “Weighted index, rankings and "
    "honours”.",
    "p.figures.wci": "{platform}: articles: {posts}; reads (times read): {reach}; reads per "
    "article: {per_post}; headline reads: {headline}; highest reads of an article: {peak}; "
    "articles read 100,000 times or more: {over_100k}; likes: {likes}; comments: {comments}; "
    "shares: {shares}; like rate (likes ÷ reads): {like_rate}; engagement rate: {rate}.",
    "p.figures.bci": "{platform}: posts: {posts}; reads (times read): {reach}; reads per post: "
    "{per_post}; shares: {shares}; comments: {comments}; likes: {likes}; like rate (likes ÷ "
    "reads): {like_rate}; engagement rate: {rate}.",
    "p.figures.video": "{platform}: videos: {posts}; views: {reach}; views per video: "
    "{per_post}; likes: {likes}; comments: {comments}; shares: {shares}; like rate (likes ÷ "
    "views): {like_rate}; engagement rate: {rate}.",
    "p.figures.none": "{platform}: nothing published in the period.",
    "p.terms": "Reads are times read (every reading counts, as in the platforms' read counts "
    "and the WCI), not readers; engagement rate = (likes + comments + shares + favourites) ÷ "
    "reads or views. libops records no 'wow' counts, originality or completion rates, so no "
    "wow count, originality rate or completion rate is given; new followers are those the "
    "platforms attribute to posts (the accounts' unfollows and net growth, where their "
    "figures were imported, are under Follower growth).",
    "p.weighted": "Weighted cross-platform index: {value}.",
    "p.no_weighted": "No weighted index: none of the weighted platforms published in the period.",
    "p.weights_method": "Each platform's index is weighed as it is; a platform with no post in "
    "the period is left out and the other weights are scaled up to a total of 100%. The "
    "default weights are the national culture-and-tourism new-media ranking's (WeChat 40, "
    "Weibo 25, Douyin 20, Toutiao 15); libops does not publish on Toutiao, so its 15 are "
    "shared out the same way.",
    "p.no_ranking": "No ranking among peer libraries and no honour is recorded in the store: "
    "the account's place in peer rankings (the monthly culture-and-tourism lists, Qingbo's "
    "library lists) and its awards can be recorded with the libops standing commands (see "
    "docs/standing.md).",
    # --- issue 14, new sections (summary, targets, statistics, WCI, comparisons, budget
    # --- use, appendix), the title and the people table ---------------------------------
    "title.dated": "Social media evaluation report, {when}",
    "title.undated": "Social media evaluation report",
    "title.library": "{library} — social media evaluation report, {when}",
    "title.library_undated": "{library} — social media evaluation report",
    "when.campaign": "{campaign}, {first} – {last} (campaign)",
    "when.monthly": "{month} {year} (monthly)",
    "when.quarterly": "{quarter} {year} (quarterly)",
    "when.quarters": "Q{first} {first_year} – Q{last} {last_year} ({count} "
    "{count:quarter|quarters})",
    "when.half_year": "{half} {year} (half-year)",
    "when.annual": "{year} (annual)",
    "when.custom": "{first} – {last} (custom range)",
    "date": "{day} {month} {year}",
    "quarter.1": "January–March",
    "quarter.2": "April–June",
    "quarter.3": "July–September",
    "quarter.4": "October–December",
    "half.1": "January–June",
    "half.2": "July–December",
    "sep.list": ", ",
    "h.summary": "Executive summary",
    "h.targets": "Setting the next targets",
    "h.statistics": "Descriptive statistics and correlation",
    "h.wechat_index": "WeChat Communication Index (WCI)",
    "h.comparisons": "Comparison with earlier periods",
    "h.budget_use": "Budget use",
    "h.appendix": "Appendix: data source",
    "h3.previous": "Against the previous period ({start} to {end})",
    "h3.year_earlier": "Against the same period a year earlier ({start} to {end})",
    "p.empty": "No activity was recorded in the period of this report.",
    "p.no_summary": "The data give no finding to summarise.",
    "p.targets": "An objective met below {low} of its target was missed badly, one met more "
    "than {high} × its target was set too low: either way the next target should start from "
    "this period's actual.",
    "p.no_target_advice": "No objective was missed badly or met far beyond its target: "
    "the targets were set at a fitting level.",
    "p.statistics": "For each platform's measured posts: the distribution of the engagement "
    "rate and of reach (n posts, mean, median, sample standard deviation, minimum, maximum), "
    "then Spearman's rank correlation (ρ) of reach with engagements and of the posting hour "
    "(Asia/Shanghai) with the engagement rate, given for {minimum} {minimum:post|posts} or "
    "more. The posts' length is not recorded, so it is not correlated.",
    "p.no_statistics": "No measured post in scope: no statistics.",
    "p.wci": "WCI ({version}, Qingbo) of {articles} {articles:post|posts} on WeChat over "
    "{days} {days:day|days}: {wci}. Inputs used: {used}; left out: {left_out}.",
    "p.wci_method": "WCI = (0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 12, where O, A, H and P are "
    "the logarithmic reach of the daily averages, the per-post averages, the headlines "
    "(each day's first WeChat post) and the single highest figures. Weeks are ISO weeks "
    "(Monday to Sunday), a week cut by the period's first or last day taken over its days in "
    "the period; Qingbo's own figure may differ, as it uses its own collected counts.",
    "p.no_wci": "No WeChat post was published in scope: no WCI.",
    "p.no_comparison.campaign": "A campaign has no earlier period of its own, so it is not "
    "compared with one.",
    "p.no_comparison.no_period": "Nothing was published, so there is nothing to compare.",
    "p.no_comparison.no_data": "The store holds no data for the previous period or for the "
    "same period a year earlier, so there is no comparison.",
    "p.no_previous": "The store holds no data for the previous period.",
    "p.no_year_earlier": "The store holds no data for the same period a year earlier.",
    "p.budget_use": "Money allocated against money spent, line by line; a line that used "
    "less than {threshold} of its allocation by the end of its budget's period is flagged.",
    "p.budget_flagged": "{budget} / {category} / {line}: only {spent} of {allocated} "
    "{currency} spent ({used}). Say whether the money was not needed or not put to work, "
    "and allocate the next period's accordingly.",
    "p.budget_none_flagged": "Every line used at least {threshold} of its allocation.",
    "p.budget_running": "A budget whose period has not ended by the last record is still "
    "running: its lines are not judged yet.",
    "p.no_budget_lines": "No budget line in scope.",
    "p.source": "Store: {store}; {records} {records:record|records}, the last recorded at "
    "{last} (Asia/Shanghai). Any password in the store's address is left out.",
    "p.source_empty": "Store: {store}; it holds no record yet. Any password in the store's "
    "address is left out.",
    "p.source_views": "Every figure was computed from the whole record as it stood when "
    "the report was built; building the report recorded nothing.",
    "line.general": "general line",
    "stat.rate": "engagement rate",
    "stat.reach": "reach",
    "pair.reach.engagements": "reach and engagements",
    "pair.hour.engagement_rate": "posting hour and engagement rate",
    "strength.negligible": "negligible",
    "strength.weak": "weak",
    "strength.moderate": "moderate",
    "strength.strong": "strong",
    "corr.too_few_posts": "too few posts (fewer than {minimum})",
    "corr.constant": "a figure does not vary",
    "figure.posts": "Post variants",
    "figure.reach": "Reach",
    "figure.engagements": "Engagements",
    "figure.engagement_rate": "Engagement rate",
    "figure.followers_gained": "New followers",
    "col.roles": "Role",
    "col.figure": "Figure",
    "col.n": "n",
    "col.mean": "Mean",
    "col.median": "Median",
    "col.sd": "Standard deviation",
    "col.minimum": "Minimum",
    "col.maximum": "Maximum",
    "col.pair": "Figures",
    "col.rho": "Spearman ρ",
    "col.strength": "Strength",
    "col.articles": "WeChat posts",
    "col.reads": "Reads",
    "col.likes": "Likes",
    "col.shares": "Shares",
    "col.wci": "WCI",
    "col.now": "This period",
    "col.then": "Then",
    "col.change": "Change",
    "col.budget": "Budget",
    "col.line": "Line",
    "col.used": "Used",
    "finding.summary_objectives_met": "Objectives: every measured objective was met "
    "({met} of {total}).",
    "finding.summary_objectives_missed": "Objectives: {met} of {total} measured "
    "{total:objective|objectives} met; the furthest behind is {campaign}: {metric} "
    "({platform}), {actual} against a target of {target} ({attainment}).",
    # --- lead, session 6: comparisons count like with like (platforms in both periods) ---
    "finding.summary_change_previous_up_on": "Against the previous period, on {platforms} "
    "(the platforms with posts in both periods), {figure} rose by {change}, from {then} to "
    "{now}.",
    "finding.summary_change_previous_down_on": "Against the previous period, on {platforms} "
    "(the platforms with posts in both periods), {figure} fell by {change}, from {then} to "
    "{now}.",
    "finding.summary_change_year_earlier_up_on": "Against the same period a year earlier, on "
    "{platforms} (the platforms with posts in both periods), {figure} rose by {change}, from "
    "{then} to {now}.",
    "finding.summary_change_year_earlier_down_on": "Against the same period a year earlier, on "
    "{platforms} (the platforms with posts in both periods), {figure} fell by {change}, from "
    "{then} to {now}.",
    "p.compared_platforms": "Like with like: both columns count only {platforms}, the "
    "platforms with posts in both periods. Left out, with posts in one period only: "
    "{left_out}.",
    "finding.summary_change_previous_up": "Against the previous period, {figure} rose by "
    "{change}, from {then} to {now}.",
    "finding.summary_change_previous_down": "Against the previous period, {figure} fell by "
    "{change}, from {then} to {now}.",
    "finding.summary_change_year_earlier_up": "Against the same period a year earlier, "
    "{figure} rose by {change}, from {then} to {now}.",
    "finding.summary_change_year_earlier_down": "Against the same period a year earlier, "
    "{figure} fell by {change}, from {then} to {now}.",
    "finding.summary_engagement": "This period: {posts} {posts:post variant|post variants}, "
    "reach {reach}, {engagements} {engagements:engagement|engagements}, engagement rate "
    "{rate}; the store holds no earlier period to compare with.",
    "finding.summary_risk": "Most serious open risk: {title} ({level}, score {score}); "
    "{serious} of {open} open {open:risk is|risks are} high or critical.",
    "finding.summary_budget_unused": "Budget left unused: {category} spent {spent} of "
    "{allocated} {currency} ({used}) by the end of its budget's period.",
    "finding.summary_open_risks": "Open risks: {open}, none of them high or critical.",
    "finding.target_missed_badly": "{campaign}: {metric} ({platform}) reached {actual} of "
    "a target of {target} ({attainment}): set the next target from this period's actual "
    "and what the plan can add to it, not from the missed target.",
    "finding.target_exceeded_far": "{campaign}: {metric} ({platform}) reached {actual}, "
    "{times} × its target of {target} ({attainment}): a target met that easily was set "
    "too low; set the next one from this period's actual.",
    "finding.target_nothing_recorded": "{campaign}: nothing was recorded towards {metric} "
    "({platform}), target {target}: check that the posts were published and their metrics "
    "collected before judging or resetting this target.",
    "finding.summary_engagement_campaign": "This campaign: {posts} {posts:post variant|post "
    "variants}, reach {reach}, {engagements} {engagements:engagement|engagements}, "
    "engagement rate {rate}.",
    # --- the account's standing (issue 14, item 5, records): peer ranks, honours, typical
    # --- cases, online service uses --------------------------------------------------------
    "h3.peer_ranks": "Rank among peers",
    "h3.honours": "Honours",
    "h.typical_cases": "Typical cases",
    "h.services": "Online service uses",
    "col.ranking": "Ranking",
    "col.ranking_platform": "Platform",
    "col.ranking_period": "Period",
    "col.rank": "Rank",
    "col.leader": "Leader",
    "col.honour": "Honour",
    "col.awarded_by": "Awarded by",
    "col.awarded_on": "Date",
    "col.note": "Note",
    "col.case": "Case",
    "col.case_kind": "Kind",
    "col.theme": "Theme",
    "col.why": "Why it is typical",
    "col.service": "Service",
    "col.uses": "Uses",
    "col.channels": "By platform or channel",
    "ranking.name": "{source}: {index}",
    "ranking.overall": "All platforms",
    "ranking.period": "{start} – {end}",
    "ranking.rank_of": "{rank} of {entrants}",
    "ranking.leader": "{leader} ({value})",
    "p.no_peer_ranks": "No ranking among peer libraries is recorded for this period.",
    "p.no_honours": "No honour awarded in this period is recorded.",
    "p.no_cases": "No post or campaign in the report's scope is marked as a typical case.",
    "p.cases": "{cases} typical {cases:case|cases} chosen from the work of the period:",
    "case.post": "Post",
    "case.campaign": "Campaign",
    "p.no_services": "No online service use (bookings, renewals, card binding, payments "
    "through the accounts) is recorded for this period.",
    "p.services": "Readers used the library's services through the accounts {uses} "
    "{uses:time|times} in the period (records for periods within the report's, summed):",
    "service.reservation": "Visit booking",
    "service.renewal": "Loan renewal",
    "service.card_binding": "Library card binding",
    "service.payment": "Payment",
    "service.channel": "{channel}: {uses}",
    # --- issue 17, items 5, 6 and 9: sameness, reuse and original content ------------------
    "h.sameness": "Sameness of content",
    "p.no_sameness": "No post was submitted for review in the report's scope, so the sameness "
    "check compared none.",
    "p.sameness": "Of the {submitted} {submitted:post|posts} submitted for review, the sameness "
    "check found {near} close to a recent post of the same account (a near-duplicate share of "
    "{share}).",
    "p.sameness_pairs": "The most similar pairs:",
    "col.sameness_post": "Post",
    "col.sameness_similar": "Close to",
    "col.sameness_score": "Score (of 100)",
    "h.reuse": "Original and reused content",
    "p.no_reuse": "No post was published in the report's scope.",
    "p.reuse": "Of the {posts} {posts:post|posts} published, {original} "
    "{original:is|are} original ({original_ratio} original content) and {reposted} "
    "reposted; {reused} {reused:was|were} made from an earlier post (reuse rate "
    "{reuse_rate}).",
    "p.no_reuse_costs": "No production cost is recorded against these posts.",
    "col.reuse_content": "Content",
    "col.reuse_total": "Production cost",
    "col.reuse_posts": "Posts",
    "col.reuse_per_post": "Cost per post",
    "reuse.new": "New",
    "reuse.reused": "Reused",
    "risk.homogeneous_content": "Homogeneous content: drafts repeat recent posts",
    # --- satisfaction surveys (issue 17, item 1; helper e) ---------------------------------
    "h.satisfaction": "Reader satisfaction",
    "p.satisfaction": "{surveys} {surveys:survey|surveys} asked readers how satisfied they "
    "were ({responses} {responses:response|responses} in all):",
    "col.survey": "Survey",
    "col.survey_target": "About",
    "col.responses": "Responses",
    "col.response_rate": "Response rate",
    "col.csat": "CSAT",
    "col.nps": "NPS",
    "col.nps_interval": "NPS, 95% interval",
    "survey_target.activity": "An activity",
    "survey_target.campaign": "A campaign",
    "survey_target.account": "The account",
    "survey.interval": "{low} to {high}",
    "p.satisfaction_compared": "Compared with the survey before of the same kind:",
    "survey.change": "{survey} (against {previous}): change of CSAT in percentage points: "
    "{csat}; change of NPS: {nps}",
    "p.no_surveys": "No satisfaction survey of readers is recorded for this period; surveys "
    "(ratings, the 0-10 recommendation question, choices, free text) can be recorded with "
    "ops.surveys (see docs/surveys.md).",
    "p.satisfaction_method": "CSAT is the share of answers of 4 or 5 on the 1-5 rating "
    "questions. NPS (Net Promoter Score) is the share of promoters (9 or 10 on the 0-10 "
    "recommendation question) minus the share of detractors (0 to 6), in points from -100 to "
    "+100; its 95% interval is NPS ± 1.96 × 100 × √(Var ÷ n), with Var = p+ + p- - (p+ - p-)², "
    "the variance of a trinomial score (a rough guide under about 30 answers). The response "
    "rate counts responses against the participants present, for a survey of a reading "
    "session; other surveys have none.",
    # --- quality of participation (issue 17, item 2; helper e) ----------------------------
    "h3.quality": "Quality of participation",
    "p.quality": "Questions answered well (answered without being escalated): {well} of "
    "{questions} ({well_rate}). Participants who came back (took part in two or more "
    "questions, reading sessions or contests): {returning} of {participants} "
    "({returning_share}). Recognised by staff: comments featured: {featured}; readers "
    "rewarded: {rewarded}; contest winners: {winners}.",
    "col.length": "Length",
    "col.answers": "Staff answers",
    "col.contributions": "Contributions",
    "length.short": "Short (under 50 characters)",
    "length.medium": "Medium (50 to 199 characters)",
    "length.long": "Long (200 characters or more)",
    "length.median": "Median length (characters)",
    "p.quality_method": "Lengths count the characters of the staff's answers to questions and "
    "of what participants shared at reading sessions; no text is copied into the figures.",
    # --- content briefs and topic heat (issue 17, part "briefs and topic heat") ---
    "h.topics": "Topic heat",
    "p.topics": "Each campaign hashtag is a topic. Its heat is the engagement it gained "
    "each day (likes, comments, shares and favourites, from the metric snapshots); days "
    "before {as_of} count. A topic posted on in the last two weeks is cooling when "
    "{days} or more days in a row after its peak fell below {share} of the peak.",
    "p.no_topics": "No campaign topic (hashtag) had posts or engagement in this period.",
    "col.topic": "Topic",
    "col.peak_day": "Peak day",
    "col.peak": "Peak",
    "col.latest": "Latest",
    "col.of_peak": "Of peak",
    "col.heat": "Heat",
    "heat.cooling": "cooling",
    "heat.live": "live",
    "heat.quiet": "no recent posts",
    "rec.fresh_topic": "Start a fresh topic to follow #{topic}: it peaked on {peak_day} "
    "with {peak} {peak:engagement|engagements}, and on {latest_day} it had {latest} "
    "({share} of the peak, {days} {days:day|days} in a row below {threshold}).",
    "p.briefs": "Content briefs due in the period: {planned} planned, {on_time} drafted "
    "on time, {late} drafted late, {overdue} overdue and {dropped} dropped.",
    "risk.brief_overdue": "Content brief overdue: {brief}",
    # --- the team and training (issue 17, item 7) ---
    "h3.team": "The team and training",
    "p.team": "Who did what in the period: posts drafted, reviews given (approvals and "
    "requests for changes), post variants published and questions answered, with each "
    "person's roles and duties on the roster.",
    "col.duties": "Duties",
    "col.drafted": "Drafted",
    "col.reviews": "Reviews",
    "col.publishes": "Published",
    "col.answers_given": "Answers",
    "h3.training": "Training",
    "col.course": "Course",
    "col.provider": "Provider",
    "col.trainees": "People",
    "col.hours": "Hours",
    "p.training_hours": "Training in the period: {courses} {courses:course|courses}, "
    "{hours} {hours:hour|hours} in all.",
    "p.no_training": "No training was recorded in the period.",
    # --- issue 17, items 8 and 9: media and copyright (版权), checklist items ----------------
    "h.copyright": "Copyright",
    "p.no_copyright": "No media of the library were used, no licence ends soon and no "
    "licence problem was found in the report's scope.",
    "p.copyright_assets": "Posts published in the period used {assets} "
    "{assets:asset|assets} of the media library, in {publishes} "
    "{publishes:publication|publications}:",
    "p.copyright_no_assets": "No post published in the period used media of the library.",
    "p.copyright_expiring": "Licences ending within 30 days of {day}: {assets} "
    "{assets:asset|assets} (renew the licence or swap the media in time):",
    "p.copyright_findings": "Review found {findings} licence "
    "{findings:problem|problems} in the media of submitted posts (each blocks approval until "
    "the licence is fixed or the media swapped):",
    "p.copyright_no_findings": "Review found no licence problem in the media of submitted posts.",
    "p.review_items": "The checklist items the library added, as reviews answered them:",
    "col.asset": "Asset",
    "col.asset_licence": "Licence",
    "col.asset_publishes": "Publications",
    "col.asset_expires": "Licence ends",
    "col.licence_finding": "Problem",
    "col.licence_findings": "Found",
    "col.review_item": "Item",
    "col.item_checked": "Checked",
    "col.item_not_checked": "Not checked",
    "col.item_not_applicable": "Not applicable",
    "copyright.no_expiry": "no end",
    # --- follower growth from imported account figures (issue 11, the demo's import) ---
    "h.followers": "Follower growth",
    "p.followers": "The accounts' own daily follower figures, as the platforms' back offices "
    "report them (imported from their user-growth exports): new followers, unfollows, the "
    "net change and the total before and after the period. Growth rate = net change ÷ the "
    "total before the period.",
    "p.no_followers": "No account follower figures are recorded for the period; import a "
    "platform's user-growth export to show new followers, unfollows, the net change, the "
    "total and the growth rate.",
    "p.follower_days": "{days} of {of}",
    "col.follower_days": "Days with figures",
    "col.followers_new": "New followers",
    "col.followers_lost": "Unfollows",
    "col.followers_net": "Net change",
    "col.followers_before": "Total before",
    "col.followers_after": "Total at end",
    "col.follower_growth": "Growth rate",
    # --- issue 17, quality of participation bound to the report's period (part s17) ---
    "p.quality_period": "The quality figures count only what happened from {start} to {end}: "
    "the questions are those answered or escalated in the period, the participants those "
    "who took part in it, and the answers, contributions, winners, featured comments and "
    "rewards those of the period. The counts above cover the whole history.",
}
"""Every heading, label and sentence of the report in English, by key."""

LABELS: Final[dict[str, str]] = {
    # currencies: by their ISO code in English (元 in Chinese)
    "CNY": "CNY",
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
    "all": "total",
    # --- issue 14, new sections: roles and the WCI's inputs ---------------------------------
    "content_planner": "content planner",
    "reviewer": "reviewer",
    "operations_admin": "operations administrator",
    "budget_owner": "budget owner",
    "auditor": "auditor",
    "wows": "“Wow” (在看) counts",
    "figure.posts": "post variants published",
    "figure.reach": "reach",
    "figure.engagements": "engagements",
    "figure.followers_gained": "new followers",
    # the actors libops itself acts as (the people table)
    "libops-signals": "libops risk signals (automatic)",
    "libops-erasure": "libops, completing an erasure (automatic)",
    "system": "libops (automatic)",
    # --- issue 17: the sameness check's market-risk signal ----------------------------------
    "homogeneous_content": "homogeneous content",
    # --- content briefs and topic heat (issue 17, part "briefs and topic heat") ---
    "brief_overdue": "overdue content brief",
    # --- operations: the scheduler (issue 11, items 3, 4 and 8) ---
    "scheduler": "scheduler",
    "libops-scheduler": "libops scheduled run (automatic)",
    # --- issue 17, items 8 and 9: media licences and their problems ---
    "own_work": "own work",
    "creative_commons": "Creative Commons",
    "purchased": "purchased",
    "permission": "permission granted",
    "public_domain": "public domain",
    "media_unknown": "unknown asset",
    "media_withdrawn": "withdrawn asset",
    "licence_expired": "licence expired",
    "licence_platform": "platform not licensed",
}
"""Names of platforms, content types, categories, levels and so on, in English."""
