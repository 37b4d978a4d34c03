import pytest

from crm_strategy.services.scoring import (
    cap,
    clamp,
    decay_factor,
    glob_to_like,
    next_stage,
    rule_points,
    stage_rank,
    target_stage,
)

DAY = 86400.0
NOW = 1_000 * DAY


def test_half_life_halves_weight_every_period():
    assert decay_factor(0, "half_life", 7) == 1.0
    assert decay_factor(7, "half_life", 7) == pytest.approx(0.5)
    assert decay_factor(21, "half_life", 7) == pytest.approx(0.125)


def test_expiry_drops_events_after_n_days():
    assert decay_factor(29.9, "expiry", expiry_days=30) == 1.0
    assert decay_factor(30, "expiry", expiry_days=30) == 0.0


def test_future_events_weigh_nothing_and_no_decay_is_flat():
    assert decay_factor(-1, "half_life", 7) == 0.0
    assert decay_factor(365) == 1.0


def test_cap_keeps_sign_and_ignores_zero_limit():
    assert cap(25, 10) == 10
    assert cap(-25, 10) == -10
    assert cap(25, 0) == 25
    assert cap(0, 10) == 0


def test_clamp_between_floor_and_ceiling():
    assert clamp(-5, 0, 100) == 0
    assert clamp(150, 0, 100) == 100
    assert clamp(42, 0, 100) == 42


def test_glob_to_like_escapes_like_wildcards():
    assert glob_to_like("/pricing*") == "/pricing%"
    assert glob_to_like("/docs/?/intro") == "/docs/_/intro"
    assert glob_to_like("/100%_off") == "/100\\%\\_off"
    assert glob_to_like("") is None


def test_rule_points_decay_and_caps():
    fresh, week_old = NOW, NOW - 7 * DAY
    # 10 points, half-life 7 days: 10 + 5
    assert rule_points([fresh, week_old], 10, NOW, mode="half_life", half_life_days=7) == (
        pytest.approx(15)
    )
    # three events the same day, at most 15 per day, at most 100 overall
    same_day = [NOW - 10, NOW - 20, NOW - 30]
    assert rule_points(same_day, 10, NOW, period_cap=15, period_seconds=DAY) == 15
    # rule cap bounds the sum over days
    many_days = [NOW - d * DAY - 1 for d in range(20)]
    assert rule_points(many_days, 10, NOW, rule_cap=50) == 50
    # negative rules are capped in magnitude
    assert rule_points(many_days, -10, NOW, rule_cap=30) == -30


def test_target_stage_takes_furthest_reached():
    thresholds = [("mql", 30), ("sql", 60), ("opportunity", 90)]
    assert target_stage(10, thresholds) is None
    assert target_stage(30, thresholds) == "mql"
    assert target_stage(75, thresholds) == "sql"


def test_next_stage_moves_forward_only_unless_demotion_allowed():
    thresholds = [("mql", 30), ("sql", 60)]
    assert next_stage("lead", 65, thresholds) == "sql"
    assert next_stage("sql", 10, thresholds) is None
    assert next_stage("sql", 40, thresholds, allow_demotion=True) == "mql"
    assert next_stage("mql", 5, thresholds, allow_demotion=True) == "lead"
    assert next_stage("customer", 5, thresholds, allow_demotion=True) is None
    assert next_stage("disqualified", 99, thresholds) is None
    assert stage_rank("disqualified") == -1
