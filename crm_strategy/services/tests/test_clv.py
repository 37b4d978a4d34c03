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


def _simulated_customers(n, seed=3):
    """BG/NBD customers observed for 52 to 104 weeks, times rounded to days (weeks as unit)."""
    rng = np.random.default_rng(seed)
    T = rng.integers(364, 729, n) / 7.0
    lam = rng.gamma(0.4, 1 / 3.0, n)
    p_drop = rng.beta(0.8, 2.5, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T[i]:
                break
            x[i] += 1
            t_x[i] = np.floor(t * 7) / 7
            if rng.random() < p_drop[i]:
                break
    m = np.where(x > 0, rng.gamma(6.0, 1 / (rng.gamma(3.7, 1 / 15.0, n) * 6.0)) * 6.0, 0.0)
    return x, t_x, T, np.round(m * 10, 2)


def _naive_bgnbd_ll(params, x, t_x, T):
    """FHL 2005 eq. 6, customer by customer, in plain Python: the reference."""
    from math import exp, lgamma, log  # noqa: PLC0415

    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    total = 0.0
    for xi, ti, Ti in zip(x, t_x, T, strict=True):
        a1 = lgamma(r + xi) - lgamma(r) + r * log(alpha)
        a2 = lgamma(a + b) + lgamma(b + xi) - lgamma(b) - lgamma(a + b + xi)
        a3 = -(r + xi) * log(alpha + Ti)
        a4 = log(a) - log(b + xi - 1) - (r + xi) * log(alpha + ti) if xi > 0 else a3
        top = max(a3, a4)
        tail = exp(a3 - top) + (exp(a4 - top) if xi > 0 else 0.0)
        total += a1 + a2 + top + log(tail)
    return total


def _numeric_gradient(func, point, step=1e-6):
    return np.array(
        [(func(point + e) - func(point - e)) / (2 * step) for e in np.eye(len(point)) * step]
    )


def test_bgnbd_gradient_matches_finite_differences():
    x, t_x, T, _m = _simulated_customers(500)
    (gx, gt, gT), weights, _inverse = clv.group_rows(x, t_x, T)
    data = clv._BgNbdData(gx, gt / 104, gT / 104, weights)
    for point in ([0.3, 0.5, 0.7, 2.0], [2.0, 0.1, 3.0, 0.5], [0.05, 4.0, 0.2, 9.0]):
        log_params = np.log(point)
        _value, grad = data.mean_ll_and_grad(log_params)
        numeric = _numeric_gradient(lambda p: data.mean_ll_and_grad(p)[0], log_params)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_gamma_gamma_gradient_matches_finite_differences():
    x, _t, _T, m = _simulated_customers(500)
    keep = x > 0
    (gx, gm), weights, _inverse = clv.group_rows(x[keep], m[keep] / 30)
    data = clv._GammaGammaData(gx, gm, weights)
    for point in ([6.0, 3.7, 0.5], [0.5, 1.5, 2.0], [40.0, 10.0, 0.05]):
        log_params = np.log(point)
        _value, grad = data.mean_ll_and_grad(log_params)
        numeric = _numeric_gradient(lambda p: data.mean_ll_and_grad(p)[0], log_params)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_fit_is_exact_on_every_customer_of_a_large_base():
    """25,000 customers (above the 10,000 the fit used to sample): the fit is the maximum
    of the likelihood of all of them, and the reported log-likelihood is theirs."""
    x, t_x, T, m = _simulated_customers(25_000)
    fit = clv.fit_bgnbd(x, t_x, T)
    assert fit.converged
    assert abs(fit.log_likelihood / _naive_bgnbd_ll(fit.params, x, t_x, T) - 1) < 1e-12
    # A maximum: moving any parameter by 1 % either way lowers the full likelihood.
    for name in fit.params:
        for factor in (0.99, 1.01):
            moved = dict(fit.params, **{name: fit.params[name] * factor})
            assert clv.bgnbd_log_likelihood(moved, x, t_x, T) < fit.log_likelihood
    gamma = clv.fit_gamma_gamma(x, m)
    assert gamma.converged
    for name in gamma.params:
        for factor in (0.99, 1.01):
            moved = dict(gamma.params, **{name: gamma.params[name] * factor})
            assert clv.gamma_gamma_log_likelihood(moved, x[x > 0], m[x > 0]) < (
                gamma.log_likelihood
            )


def test_same_customers_same_parameters_in_any_order():
    x, t_x, T, m = _simulated_customers(3000)
    order = np.random.default_rng(1).permutation(x.size)
    first = clv.fit_bgnbd(x, t_x, T), clv.fit_gamma_gamma(x, m)
    again = clv.fit_bgnbd(x[order], t_x[order], T[order]), clv.fit_gamma_gamma(x[order], m[order])
    assert [f.params for f in first] == [f.params for f in again]


def test_grouped_predictions_equal_per_customer_ones():
    x, t_x, T, m = _simulated_customers(300)
    value = clv.gamma_gamma_expected_value({"p": 6.25, "q": 3.74, "v": 15.44}, x, m)
    grouped = clv.discounted_clv(CDNOW, x, t_x, T, value, 12, 0.1, 30.4375 / 7)
    one_by_one = [
        clv.discounted_clv(
            CDNOW,
            x[i : i + 1],
            t_x[i : i + 1],
            T[i : i + 1],
            value[i : i + 1],
            12,
            0.1,
            30.4375 / 7,
        )[0]
        for i in range(x.size)
    ]
    np.testing.assert_allclose(grouped, one_by_one, rtol=1e-12)


def test_customers_dropping_out_alike_still_fit():
    """Same drop-out probability for all: the maximum is at a, b -> infinity (a ridge);
    the fit converges to its limit and predicts finite values."""
    rng = np.random.default_rng(11)
    n, T = 5000, 52.0
    lam = rng.gamma(0.5, 1 / 2.0, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < 0.1:
                break
    fit = clv.fit_bgnbd(x, t_x, np.full(n, T))
    assert fit.converged, fit.message
    assert abs(fit.params["a"] / (fit.params["a"] + fit.params["b"]) - 0.1) < 0.03
    expected = clv.bgnbd_expected_purchases(fit.params, x, t_x, np.full(n, T), 52)
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
