"""Predictive customer lifetime value: BG/NBD and Gamma-Gamma.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way")
predicts how many purchases a customer makes in a future period and the
probability the customer is still "alive", from three numbers per customer:
x = repeat purchases, t_x = time of the last purchase and T = age, both counted
from the first purchase. Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV")
predicts the average order value from the mean of the repeat purchases.

Fits are exact: they maximise the likelihood of every customer, never of a
sample, so the same data gives the same parameters and the same CLV on every
run. Their cost grows with the number of distinct sufficient statistics, not of
customers: customers sharing (x, t_x, T) (BG/NBD) or (x, m) (Gamma-Gamma) are
one group weighted by its size, the terms that depend on x alone (the gamma and
digamma functions) are evaluated once per distinct x, and the ones that depend
on T alone once per distinct T. A bounded quasi-Newton optimiser maximises
the mean log-likelihood over the log of the parameters (all positive) with
analytic gradients, from a start point taken from the data (for BG/NBD on many
customers: the fit on times rounded to a coarse grid). Convergence is judged
on the gradient. When all customers drop out alike, BG/NBD's maximum lies at
a, b -> infinity: the fit stops at a + b = 1e8, which predicts the same.
A fit that does not converge, or data too thin to fit, is reported as such
(`converged=False`) and the caller falls back: it never gets NaN.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

# Below these counts a fit says more about noise than about customers.
MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 10
# Parameters live in [1e-8, 1e8]; beyond, a model is degenerate, not fitted.
LOG_BOUND = float(np.log(1e8))
# The optimum is reached when the largest partial derivative of the mean
# log-likelihood (per log parameter) is below this.
GRADIENT_TOLERANCE = 1e-6
# Above this many distinct (x, t_x, T), BG/NBD starts from a fit on rounded times.
COARSE_GROUPS = 20_000


@dataclass
class Fit:
    params: dict
    log_likelihood: float
    converged: bool
    message: str = ""


def group_rows(*columns):
    """Distinct rows of `columns` (sorted), how many times each occurs and, for every
    input row, the index of its distinct row. Vectorised: each column is replaced by
    the rank of its value and the ranks combined into one integer key, which sorts
    several times faster than a lexsort of float columns."""
    columns = [np.asarray(column) for column in columns]
    n = columns[0].size
    if n == 0:
        return [column[:0] for column in columns], np.zeros(0), np.zeros(0, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    size = 1
    for column in columns:
        values, rank = np.unique(column, return_inverse=True)
        size *= values.size
        if size >= 2**62:  # too many combinations for one key: sort the columns themselves
            order = np.lexsort(columns[::-1])
            ordered = [column[order] for column in columns]
            new = np.zeros(n, dtype=bool)
            new[0] = True
            for column_ in ordered:
                new[1:] |= column_[1:] != column_[:-1]
            starts = np.flatnonzero(new)
            inverse = np.empty(n, dtype=np.int64)
            inverse[order] = np.cumsum(new) - 1
            counts = np.diff(np.append(starts, n)).astype(float)
            return [column_[starts] for column_ in ordered], counts, inverse
        key = key * values.size + rank.reshape(-1)
    _keys, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    return [column[first] for column in columns], counts.astype(float), inverse.reshape(-1)


def _method(rows):
    """The optimiser for a likelihood over `rows` groups. L-BFGS-B needs the fewest
    evaluations, but its BLAS calls spin up threads that, on a busy server, cost more
    than a small likelihood: below COARSE_GROUPS rows, truncated Newton (plain C)."""
    if rows > COARSE_GROUPS:
        # Stops on a gradient 100 times below GRADIENT_TOLERANCE: on the benchmark's 100,000
        # customers 57 likelihood evaluations instead of 84 at 1e-10 (on simulated ones about
        # as many), for the same parameters to six decimals.
        return {"method": "L-BFGS-B", "options": {"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-8}}
    return {
        "method": "TNC",
        "options": {"maxfun": 5000, "ftol": 1e-15, "gtol": 1e-10, "xtol": 1e-12},
    }


def _maximise(mean_ll_and_grad, start, limits=(), rows=0):
    """Minimise the negative mean log-likelihood over bounded (log) parameters.

    `start` is in the optimiser's coordinates; a coordinate in `limits` may end on its
    upper bound (the maximum is a limit of the model there); `rows` sizes the likelihood.
    Returns (result, converged, message)."""

    def objective(log_params):
        with np.errstate(all="ignore"):
            value, grad = mean_ll_and_grad(log_params)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros_like(log_params)
        return -value, -grad

    try:
        result = optimize.minimize(
            objective,
            np.clip(start, -LOG_BOUND, LOG_BOUND),
            jac=True,
            bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
            **_method(rows),
        )
    except (ValueError, FloatingPointError, OverflowError) as error:
        return None, False, str(error)
    value, grad = objective(result.x)
    at_limit = np.zeros(len(start), dtype=bool)
    at_limit[list(limits)] = result.x[list(limits)] >= LOG_BOUND - 1e-6
    on_bound = np.any((np.abs(result.x) >= LOG_BOUND - 1e-6) & ~at_limit)
    # The optimiser may stop on a line search at machine precision: the gradient decides
    # (the projected one: a coordinate at its limit may still pull outwards).
    ok = bool(
        np.all(np.isfinite(result.x))
        and value < 1e300
        and np.max(np.abs(grad[~at_limit]), initial=0.0) < GRADIENT_TOLERANCE
        and not on_bound
    )
    message = str(result.message) if ok or not on_bound else "a parameter ran to its bound"
    return result, ok, message


def _dot(weights, values):
    """Weighted sum without BLAS: on a busy machine its threads cost more than they save."""
    return float(np.sum(weights * values))


class _BgNbdData:
    """Customers grouped by (x, t_x, T), with the distinct x, t_x and T indexed.

    What depends on T alone (every customer's "still alive at T" term) is summed per
    distinct T; only repeat buyers' groups carry a term of their own (the chance they
    dropped out after their last purchase)."""

    def __init__(self, x, t_x, T, weights=None):
        if weights is None:
            (x, t_x, T), weights, _inverse = group_rows(x, t_x, T)
        x, weight = np.asarray(x, dtype=float), np.asarray(weights, dtype=float)
        self.total = float(np.sum(weight))
        self.x_values, x_index = np.unique(x, return_inverse=True)
        self.x_weight = np.bincount(x_index, weights=weight)
        self.T_values, T_index = np.unique(T, return_inverse=True)
        self.T_weight = np.bincount(T_index, weights=weight)
        self.T_weight_x = np.bincount(T_index, weights=weight * x)
        repeat = x > 0
        self.t_values, t_index = np.unique(np.asarray(t_x)[repeat], return_inverse=True)
        self.x, self.weight = x[repeat], weight[repeat]
        self.x_index, self.T_index, self.t_index = x_index[repeat], T_index[repeat], t_index
        X = self.x_values
        self.whole_x = bool(np.all(X == np.round(X)) and X.max() < 10_000_000 and X.min() >= 0)
        if self.whole_x:
            self.x_int = X.astype(np.int64)
            self.x_max = int(X.max())

    def _rising(self, c):
        """log Gamma(c + X) - log Gamma(c) and its derivative in c, for the distinct X.

        For whole X (purchase counts) as sums of log(c + k) and 1 / (c + k), k < X: the
        difference of two gammaln loses all precision when c is large (a + b of a base
        whose customers all drop out alike), the sum does not."""
        X = self.x_values
        if not self.whole_x:
            return (
                special.gammaln(c + X) - special.gammaln(c),
                special.digamma(c + X) - special.digamma(c),
            )
        k = c + np.arange(self.x_max)
        logs = np.concatenate(([0.0], np.cumsum(np.log(k))))
        inverses = np.concatenate(([0.0], np.cumsum(1.0 / k)))
        return logs[self.x_int], inverses[self.x_int]

    def mean_ll_and_grad(self, log_params):
        """Mean log-likelihood and its gradient with respect to the log parameters.

        FHL 2005 eq. 6: A1 + A2 + log(exp(A3) + [x > 0] exp(A4)), written as
        A1 + A2 + A3 + [x > 0] softplus(A4 - A3)."""
        r, alpha, a, b = np.exp(log_params)
        X, Wx = self.x_values, self.x_weight
        # A1 and A2: terms of x alone, once per distinct x.
        log_r, inv_r = self._rising(r)
        log_b, inv_b = self._rising(b)
        log_ab, inv_ab = self._rising(a + b)
        ll = _dot(Wx, log_r + r * np.log(alpha) + log_b - log_ab)
        d_r = _dot(Wx, inv_r + np.log(alpha))
        d_alpha = self.total * r / alpha
        d_a = -_dot(Wx, inv_ab)
        d_b = _dot(Wx, inv_b - inv_ab)
        # A3 = -(r + x) log(alpha + T): once per distinct T.
        log_T = np.log(alpha + self.T_values)
        inv_T = 1.0 / (alpha + self.T_values)
        ll -= r * _dot(self.T_weight, log_T) + _dot(self.T_weight_x, log_T)
        d_r -= _dot(self.T_weight, log_T)
        d_alpha -= r * _dot(self.T_weight, inv_T) + _dot(self.T_weight_x, inv_T)
        # A4 - A3 = log a - log(b + x - 1) - (r + x) log((alpha + t_x) / (alpha + T)),
        # repeat buyers only.
        w, rx = self.weight, r + self.x
        log_ratio = np.log(alpha + self.t_values)[self.t_index] - log_T[self.T_index]
        inv_bx = 1.0 / np.maximum(b + X - 1.0, 1e-300)  # x = 0 rows are not among these
        gap = (np.log(a) + np.log(inv_bx))[self.x_index] - rx * log_ratio
        ll += _dot(w, np.logaddexp(0.0, gap))
        share = w * special.expit(gap)  # weight x P(dropped out | x, t_x, T)
        d_r -= _dot(share, log_ratio)
        d_alpha -= _dot(
            share, rx * (1.0 / (alpha + self.t_values)[self.t_index] - inv_T[self.T_index])
        )
        d_a += np.sum(share) / a
        d_b -= _dot(share, inv_bx[self.x_index])
        grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b]) / self.total
        return ll / self.total, grad


def bgnbd_log_likelihood(params, x, t_x, T, weights=None):
    """Total log-likelihood of BG/NBD `params` over the customers (or weighted groups)."""
    data = _BgNbdData(*(np.asarray(c, dtype=float) for c in (x, t_x, T)), weights)
    log_params = np.log([params[k] for k in ("r", "alpha", "a", "b")])
    with np.errstate(all="ignore"):
        return float(data.mean_ll_and_grad(log_params)[0] * data.total)


def _bgnbd_log_params(y):
    """(log r, log alpha, log a/b, log(a + b)) -> log (r, alpha, a, b)."""
    log_r, log_alpha, odds, concentration = y
    return np.array(
        [
            log_r,
            log_alpha,
            concentration - np.logaddexp(0.0, -odds),
            concentration - np.logaddexp(0.0, odds),
        ]
    )


def _bgnbd_in_mean_and_concentration(data):
    """The mean log-likelihood over (log r, log alpha, log a/b, log(a + b)).

    When every customer drops out with about the same probability, the maximum lies at
    a, b -> infinity with a / (a + b) fixed: a ridge in (log a, log b) that stalls the
    optimiser, a flat direction here, where its gradient vanishes as the fit converges."""

    def mean_ll_and_grad(y):
        log_params = _bgnbd_log_params(y)
        value, (g_r, g_alpha, g_a, g_b) = data.mean_ll_and_grad(log_params)
        mean = 1.0 / (1.0 + np.exp(-y[2]))  # a / (a + b)
        return value, np.array([g_r, g_alpha, g_a * (1 - mean) - g_b * mean, g_a + g_b])

    return mean_ll_and_grad


def fit_bgnbd(x, t_x, T, weights=None):
    """Fit BG/NBD on every customer; returns Fit with params r, alpha, a, b.

    With `weights`, row i stands for weights[i] customers (see `group_rows`)."""
    x, t_x, T = (np.asarray(c, dtype=float) for c in (x, t_x, T))
    if weights is None:
        (x, t_x, T), weights, _inverse = group_rows(x, t_x, T)
    weights = np.asarray(weights, dtype=float)
    if np.sum(weights) < MIN_CUSTOMERS or not np.any(x > 0):
        return Fit({}, 0.0, False, "too few customers or no repeat purchase")
    gx, gt, gT = x, t_x, T
    # Fit in time scaled to the oldest customer (alpha scales with time, the rest does not),
    # which keeps the optimiser well conditioned.
    scale = max(float(np.max(gT)), 1e-9)
    data = _BgNbdData(gx, gt / scale, gT / scale, weights)
    # Start: Gamma(r=1) purchase rates around the observed repeat-purchase rate, a
    # Beta(1, 3) drop-out probability (a customer stays for a few purchases).
    rate = np.sum(weights * gx) / max(np.sum(weights * gT / scale), 1e-9)
    start = [0.0, -np.log(max(rate, 1e-6)), np.log(1 / 3), np.log(4.0)]
    if gx.size > COARSE_GROUPS:
        # Many distinct customers: first fit with times rounded to 1/32 of the oldest
        # customer's age (few groups, cheap), then refine on the exact data from there.
        (cx, ct, cT), _counts, group = group_rows(
            gx, np.round(gt / scale * 32) / 32, np.round(gT / scale * 32) / 32
        )
        coarse = _BgNbdData(cx, ct, cT, np.bincount(group, weights=weights))
        result, ok, _message = _maximise(
            _bgnbd_in_mean_and_concentration(coarse), start, limits=[3]
        )
        if result is not None and np.all(np.isfinite(result.x)):
            start = result.x
    result, ok, message = _maximise(
        _bgnbd_in_mean_and_concentration(data), start, limits=[3], rows=gx.size
    )
    if result is None:
        return Fit({}, 0.0, False, message)
    if ok and result.x[3] >= LOG_BOUND - 1e-6:
        message = "a + b at its bound: every customer drops out with the same probability"
    r, alpha, a, b = np.exp(_bgnbd_log_params(result.x))
    params = {"r": float(r), "alpha": float(alpha * scale), "a": float(a), "b": float(b)}
    ll = bgnbd_log_likelihood(params, gx, gt, gT, weights)
    return Fit(params, ll, bool(ok and np.isfinite(ll)), message)


def bgnbd_probability_alive(params, x, t_x, T):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(c, dtype=float) for c in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        odds = np.where(
            x > 0, a / np.maximum(b + x - 1, 1e-300) * np.exp(np.minimum(log_ratio, 700)), 0.0
        )
    return 1.0 / (1.0 + odds)


def _expected_if_alive(params, x, T, t):
    """Expected purchases in the next `t` time units of a customer still alive: FHL 2005
    eq. 10 without its P(alive) factor, which holds all of the dependence on t_x."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    if abs(a - 1) <= 1e-9:
        # a == 1 makes the closed form 0/0; nudge a little, the function is continuous there.
        return _expected_if_alive(dict(params, a=a + 1e-6), x, T, t)
    z = t / (alpha + T + t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        value = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    return np.where(np.isfinite(value) & (value > 0), value, 0.0)


def bgnbd_expected_purchases(params, x, t_x, T, t):
    """Expected purchases in the next `t` time units (FHL 2005, eq. 10).

    The hypergeometric part depends on (x, T) only: evaluated once per distinct pair."""
    x, t_x, T = (np.asarray(c, dtype=float) for c in (x, t_x, T))
    (px, pT), _counts, pair = group_rows(x, T)
    return _expected_if_alive(params, px, pT, t)[pair] * bgnbd_probability_alive(params, x, t_x, T)


class _GammaGammaData:
    """Repeat buyers grouped by (x, m), with the distinct x indexed."""

    def __init__(self, x, m, weights):
        self.weight = np.asarray(weights, dtype=float)
        self.total = float(np.sum(self.weight))
        self.x_values, self.x_index = np.unique(x, return_inverse=True)
        self.x_weight = np.bincount(self.x_index, weights=self.weight)
        self.x, self.m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
        # sum of w (p x - 1) log m + w p x log x = p * xlog - mlog
        self.xlog = _dot(self.weight, self.x * np.log(self.x * self.m))
        self.mlog = _dot(self.weight, np.log(self.m))

    def mean_ll_and_grad(self, log_params):
        p, q, v = np.exp(log_params)
        X, Wx, w, x = self.x_values, self.x_weight, self.weight, self.x
        n = self.total
        px = p * X
        ll = (
            _dot(Wx, special.gammaln(px + q) - special.gammaln(px))
            + n * (q * np.log(v) - special.gammaln(q))
            + p * self.xlog
            - self.mlog
        )
        dg_pxq = special.digamma(px + q)
        d_p = _dot(Wx, X * (dg_pxq - special.digamma(px))) + self.xlog
        d_q = _dot(Wx, dg_pxq) + n * (np.log(v) - special.digamma(q))
        d_v = n * q / v
        spend = x * self.m + v
        log_spend = np.log(spend)
        ll -= _dot(w, (p * x + q) * log_spend)
        d_p -= _dot(w, x * log_spend)
        d_q -= _dot(w, log_spend)
        d_v -= _dot(w, (p * x + q) / spend)
        return ll / n, np.array([d_p * p, d_q * q, d_v * v]) / n


def gamma_gamma_log_likelihood(params, x, m, weights=None):
    """Total log-likelihood of Gamma-Gamma `params` over repeat buyers (or weighted groups)."""
    if weights is None:
        (x, m), weights, _inverse = group_rows(np.asarray(x, float), np.asarray(m, float))
    data = _GammaGammaData(x, m, weights)
    log_params = np.log([params[k] for k in ("p", "q", "v")])
    with np.errstate(all="ignore"):
        return float(data.mean_ll_and_grad(log_params)[0] * data.total)


def fit_gamma_gamma(x, m):
    """Fit Gamma-Gamma on every repeat buyer: x = repeat purchases, m = mean repeat value."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if x.size < MIN_REPEAT_BUYERS:
        return Fit({}, 0.0, False, "too few repeat buyers with a positive spend")
    (gx, gm), weights, _inverse = group_rows(x, m)
    # Fit in money scaled to the mean spend (v scales with money, p and q do not).
    scale = float(np.average(gm, weights=weights))
    data = _GammaGammaData(gx, gm / scale, weights)
    # Start: the method of moments on the per-customer means, with q = 3 (a finite
    # variance of the spend): the mean m = p v / (q - 1), its spread gives p.
    spread = float(np.average((gm / scale - 1.0) ** 2, weights=weights))
    p0 = min(max(1.0 / max(spread, 1e-6), 0.1), 100.0)
    result, ok, message = _maximise(
        data.mean_ll_and_grad, np.log([p0, 3.0, 2.0 / p0]), rows=gx.size
    )
    if result is None:
        return Fit({}, 0.0, False, message)
    p, q, v = np.exp(result.x)
    params = {"p": float(p), "q": float(q), "v": float(v * scale)}
    ll = gamma_gamma_log_likelihood(params, gx, gm, weights)
    ok = ok and q > 1 and np.isfinite(ll)  # q <= 1: the expected spend has no finite mean
    return Fit(params, ll, bool(ok), message if q > 1 else "q <= 1")


def gamma_gamma_expected_value(params, x, m):
    """Expected average order value; the population mean for one-time buyers."""
    p, q, v = (params[k] for k in ("p", "q", "v"))
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    population_mean = p * v / (q - 1)
    weight = p * x / (p * x + q - 1)
    value = (1 - weight) * population_mean + weight * np.where(m > 0, m, 0.0)
    return np.where(x > 0, value, population_mean)


def discounted_purchases(params, x, t_x, T, horizon_months, annual_discount, units_per_month):
    """Sum over months of the purchases expected that month, discounted monthly.

    P(alive) x the same sum for a customer still alive, which depends on (x, T) only:
    the hypergeometric function is evaluated once per month and distinct (x, T)."""
    x, t_x, T = (np.asarray(c, dtype=float) for c in (x, t_x, T))
    (px, pT), _counts, pair = group_rows(x, T)
    monthly = (1.0 + annual_discount) ** (1.0 / 12.0) - 1.0
    total = np.zeros(px.shape, dtype=float)
    previous = np.zeros(px.shape, dtype=float)
    for month in range(1, int(horizon_months) + 1):
        cumulative = _expected_if_alive(params, px, pT, month * units_per_month)
        total += (cumulative - previous) / (1.0 + monthly) ** month
        previous = cumulative
    return total[pair] * bgnbd_probability_alive(params, x, t_x, T)


def discounted_clv(params, x, t_x, T, value, horizon_months, annual_discount, units_per_month):
    """Sum over months of expected purchases that month x value, discounted monthly."""
    purchases = discounted_purchases(
        params, x, t_x, T, horizon_months, annual_discount, units_per_month
    )
    return purchases * np.asarray(value, dtype=float)
