import numpy as np

from crm_strategy.services import clv

# Fader, Hardie & Lee (2005) CDNOW estimates, used to check the formulas.
CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def test_probability_alive_one_time_buyer_is_one():
    assert clv.bgnbd_probability_alive(CDNOW, [0], [0.0], [30.0])[0] == 1.0


def test_probability_alive_drops_with_silence():
    recent, silent = clv.bgnbd_probability_alive(CDNOW, [4, 4], [30.0, 5.0], [32.0, 32.0])
    assert 0 < silent < recent <= 1


def test_expected_purchases_match_published_example():
    # FHL 2005 section 5: x=2, t_x=30.43, T=38.86 gives 1.226 purchases in the next 39 weeks.
    value = clv.bgnbd_expected_purchases(CDNOW, [2], [30.43], [38.86], 39)[0]
    assert abs(value - 1.226) < 0.005


def test_fit_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    n, T = 4000, 52.0
    lam = rng.gamma(0.5, 1 / 2.0, n)
    p_drop = rng.beta(1.0, 4.0, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p_drop[i]:
                break
    fit = clv.fit_bgnbd(x, t_x, np.full(n, T))
    assert fit.converged
    assert abs(fit.params["r"] - 0.5) < 0.1
    assert abs(fit.params["alpha"] - 2.0) < 0.5


def test_too_little_history_is_not_fitted():
    fit = clv.fit_bgnbd([0, 1], [0, 2], [10, 10])
    assert not fit.converged and fit.params == {}
    assert not clv.fit_gamma_gamma([1, 2], [10.0, 12.0]).converged


def test_gamma_gamma_shrinks_towards_population_mean():
    params = {"p": 6.25, "q": 3.74, "v": 15.44}
    population = 6.25 * 15.44 / 2.74
    one_time, few, many = clv.gamma_gamma_expected_value(params, [0, 1, 50], [0.0, 100.0, 100.0])
    assert abs(one_time - population) < 1e-9
    assert population < few < many < 100.0


def test_discounted_clv_is_finite_and_discounted():
    args = (CDNOW, [2, 0], [30.43, 0.0], [38.86, 38.86], np.array([40.0, 35.0]))
    plain = clv.discounted_clv(
        *args, horizon_months=12, annual_discount=0.0, units_per_month=30.4375 / 7
    )
    discounted = clv.discounted_clv(
        *args, horizon_months=12, annual_discount=0.2, units_per_month=30.4375 / 7
    )
    assert np.all(np.isfinite(plain)) and np.all(discounted < plain) and np.all(discounted > 0)
