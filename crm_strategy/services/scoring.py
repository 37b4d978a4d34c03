"""Lead scoring arithmetic: decay, caps, clamping, URL patterns, lifecycle order.

The database computes the same formulas set-based (see crm.lead `_score_lines_sql`);
this module is the reference the Odoo tests and the benchmark check the SQL against.
"""

import math

SECONDS_PER_DAY = 86400.0

# Lifecycle stages in funnel order; `disqualified` sits outside the funnel.
LIFECYCLE_STAGES = [
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("mql", "Marketing Qualified"),
    ("sql", "Sales Qualified"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("disqualified", "Disqualified"),
]
FUNNEL = [code for code, _label in LIFECYCLE_STAGES if code != "disqualified"]
RANK = {code: rank for rank, code in enumerate(FUNNEL)}


def stage_rank(stage):
    """Position of a stage in the funnel; -1 for disqualified or unknown."""
    return RANK.get(stage, -1)


def decay_factor(age_days, mode="none", half_life_days=0.0, expiry_days=0):
    """Weight of an event `age_days` old: 1 fresh, halved every half-life, 0 once expired.

    Events from the future (negative age) weigh nothing: they have not happened yet.
    """
    if age_days < 0:
        return 0.0
    if mode == "half_life" and half_life_days > 0:
        return math.pow(0.5, age_days / half_life_days)
    if mode == "expiry" and expiry_days > 0:
        return 1.0 if age_days < expiry_days else 0.0
    return 1.0


def cap(points, limit):
    """Limit the magnitude of `points` to `limit` (0 or None: no limit), keeping its sign."""
    if not limit or limit <= 0:
        return points
    return math.copysign(min(abs(points), limit), points) if points else 0.0


def clamp(total, floor=None, ceiling=None):
    """Keep a total score between the model's floor and ceiling."""
    if floor is not None and total < floor:
        return floor
    if ceiling is not None and total > ceiling:
        return ceiling
    return total


def glob_to_like(pattern):
    """Turn a URL glob (`/pricing*`, `/docs/?/intro`) into a SQL LIKE pattern.

    `*` matches any run of characters, `?` one character; LIKE's own wildcards and the
    escape character are escaped so that `/100%_off` matches literally.
    """
    if not pattern:
        return None
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def rule_points(
    events,
    points,
    now,
    *,
    mode="none",
    half_life_days=0.0,
    expiry_days=0,
    period_cap=0,
    period_seconds=None,
    rule_cap=0,
):
    """Points one engagement rule gives for `events` (a list of event timestamps, epoch seconds).

    Each event is worth `points` times its decay factor; events in the same period bucket
    (`period_seconds` wide, aligned on the epoch) add up to at most `period_cap`, and the
    rule as a whole gives at most `rule_cap`. Caps bound the magnitude, so they also bound
    negative rules.
    """
    buckets = {}
    for ts in events:
        age_days = (now - ts) / SECONDS_PER_DAY
        weight = decay_factor(age_days, mode, half_life_days, expiry_days)
        if not weight:
            continue
        key = int(ts // period_seconds) if (period_cap and period_seconds) else None
        buckets[key] = buckets.get(key, 0.0) + points * weight
    total = sum(cap(value, period_cap) for value in buckets.values())
    return cap(total, rule_cap)


def target_stage(score, thresholds):
    """Furthest stage whose threshold `score` reaches.

    `thresholds` is an iterable of (stage, minimum score). Returns None when no threshold
    is reached.
    """
    best = None
    for stage, minimum in thresholds:
        if score >= minimum and (best is None or stage_rank(stage) > stage_rank(best)):
            best = stage
    return best


def next_stage(current, score, thresholds, allow_demotion=False):
    """Stage a lead should move to, or None to stay.

    Forward only, unless `allow_demotion` lets a score-driven stage (MQL, SQL) fall back
    when the score drops below its threshold. Disqualified and manual stages past the
    score-driven ones (opportunity and beyond) are never moved back by a score.
    """
    if current == "disqualified":
        return None
    target = target_stage(score, thresholds)
    if target is not None and stage_rank(target) > stage_rank(current):
        return target
    if allow_demotion and current in dict(thresholds) and stage_rank(current) < RANK["opportunity"]:
        if target is None or stage_rank(target) < stage_rank(current):
            return target or "lead"
    return None
