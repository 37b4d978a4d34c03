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
on T or t_x alone once per distinct value. L-BFGS-B maximises the mean
log-likelihood over the log of the parameters (all positive, bounded) with
analytic gradients, from a start point taken from the data's purchase rate.
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


@dataclass
class Fit:
    params: dict
    log_likelihood: float
    converged: bool
    message: str = ""


def group_rows(*columns):
    """Distinct rows of `columns`, how many times each occurs and, for every
    input row, the index of its distinct row: vectorised (one lexsort)."""
    columns = [np.asarray(column) for column in columns]
    n = columns[0].size
    if n == 0:
        return [column[:0] for column in columns], np.zeros(0), np.zeros(0, dtype=np.int64)
    order = np.lexsort(columns[::-1])
    ordered = [column[order] for column in columns]
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for column in ordered:
        new[1:] |= column[1:] != column[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, n)).astype(float)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return [column[starts] for column in ordered], counts, inverse


def _maximise(mean_ll_and_grad, start):
    """L-BFGS-B on the negative mean log-likelihood over bounded log parameters."""

    def objective(log_params):
        with np.errstate(all="ignore"):
            value, grad = mean_ll_and_grad(log_params)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros_like(log_params)
        return -value, -grad

    try:
        result = optimize.minimize(
            objective,
            np.clip(np.log(start), -LOG_BOUND, LOG_BOUND),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10},
        )
    except (ValueError, FloatingPointError, OverflowError) as error:
        return None, False, str(error)
    value, grad = objective(result.x)
    on_bound = np.any(np.abs(result.x) >= LOG_BOUND - 1e-6)
    # L-BFGS-B may stop on a line search at machine precision: the gradient decides.
    ok = bool(
        np.all(np.isfinite(result.x))
        and value < 1e300
        and np.max(np.abs(grad)) < GRADIENT_TOLERANCE
        and not on_bound
    )
    message = str(result.message) if ok or not on_bound else "a parameter ran to its bound"
    return result, ok, message


def _dot(weights, values):
    """Weighted sum without BLAS: on a busy machine its threads cost more than they save."""
    return float(np.sum(weights * values))


class _BgNbdData:
    """Customers grouped by (x, t_x, T), with the distinct x, t_x and T indexed."""

    def __init__(self, x, t_x, T, weights=None):
        if weights is None:
            (x, t_x, T), weights, _inverse = group_rows(x, t_x, T)
        self.weight = np.asarray(weights, dtype=float)
        self.total = float(np.sum(self.weight))
        self.x_values, x_index = np.unique(x, return_inverse=True)
        self.x_weight = np.bincount(x_index, weights=self.weight)
        self.T_values, self.T_index = np.unique(T, return_inverse=True)
        self.t_values, self.t_index = np.unique(t_x, return_inverse=True)
        self.x = np.asarray(x, dtype=float)
        self.x_index = x_index
        self.repeat = self.x > 0

    def mean_ll_and_grad(self, log_params):
        """Mean log-likelihood and its gradient with respect to the log parameters."""
        r, alpha, a, b = np.exp(log_params)
        X, Wx, w, x = self.x_values, self.x_weight, self.weight, self.x
        # Terms of x alone (FHL 2005 eq. 6, A1 and A2), once per distinct x.
        ll = _dot(
            Wx,
            special.gammaln(r + X)
            - special.gammaln(r)
            + r * np.log(alpha)
            + special.gammaln(a + b)
            + special.gammaln(b + X)
            - special.gammaln(b)
            - special.gammaln(a + b + X),
        )
        d_r = _dot(Wx, special.digamma(r + X) - special.digamma(r) + np.log(alpha))
        d_alpha = self.total * r / alpha
        dg_ab, dg_abx = special.digamma(a + b), special.digamma(a + b + X)
        d_a = _dot(Wx, dg_ab - dg_abx)
        d_b = _dot(Wx, dg_ab + special.digamma(b + X) - special.digamma(b) - dg_abx)
        # log(A3 + A4): A3 alive at T, A4 dropped out after the last purchase.
        log_T = np.log(alpha + self.T_values)[self.T_index]
        log_t = np.log(alpha + self.t_values)[self.t_index]
        log_b = np.log(np.maximum(b + X - 1, 1e-300))[self.x_index]
        a3 = -(r + x) * log_T
        a4 = np.where(self.repeat, np.log(a) - log_b - (r + x) * log_t, -np.inf)
        both = np.logaddexp(a3, a4)
        ll += _dot(w, both)
        share4 = np.exp(a4 - both)  # 0 for one-time buyers
        share3 = 1.0 - share4
        d_r -= _dot(w, share3 * log_T + share4 * log_t)
        d_alpha -= _dot(
            w,
            (r + x)
            * (
                share3 / (alpha + self.T_values)[self.T_index]
                + share4 / (alpha + self.t_values)[self.t_index]
            ),
        )
        d_a += _dot(w, share4) / a
        d_b -= _dot(w, share4 / np.maximum(b + x - 1, 1e-300))
        grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b]) / self.total
        return ll / self.total, grad


def bgnbd_log_likelihood(params, x, t_x, T, weights=None):
    """Total log-likelihood of BG/NBD `params` over the customers (or weighted groups)."""
    data = _BgNbdData(*(np.asarray(c, dtype=float) for c in (x, t_x, T)), weights)
    log_params = np.log([params[k] for k in ("r", "alpha", "a", "b")])
    with np.errstate(all="ignore"):
        return float(data.mean_ll_and_grad(log_params)[0] * data.total)


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
    result, ok, message = _maximise(data.mean_ll_and_grad, [1.0, 1.0 / max(rate, 1e-6), 1.0, 3.0])
    if result is None:
        return Fit({}, 0.0, False, message)
    r, alpha, a, b = np.exp(result.x)
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


def bgnbd_expected_purchases(params, x, t_x, T, t):
    """Expected purchases in the next `t` time units (FHL 2005, eq. 10)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(c, dtype=float) for c in (x, t_x, T))
    z = t / (alpha + T + t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        head = (a + b + x - 1) / (a - 1) if abs(a - 1) > 1e-9 else np.nan
        value = head * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        value = value * bgnbd_probability_alive(params, x, t_x, T)
    if abs(a - 1) <= 1e-9:
        # a == 1 makes the closed form 0/0; nudge a little, the function is continuous there.
        nudged = dict(params, a=a + 1e-6)
        return bgnbd_expected_purchases(nudged, x, t_x, T, t)
    return np.where(np.isfinite(value) & (value > 0), value, 0.0)


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
    result, ok, message = _maximise(data.mean_ll_and_grad, [p0, 3.0, 2.0 / p0])
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

    Depends on (x, t_x, T) only: evaluated once per distinct triple."""
    (gx, gt, gT), _counts, inverse = group_rows(*(np.asarray(c, dtype=float) for c in (x, t_x, T)))
    monthly = (1.0 + annual_discount) ** (1.0 / 12.0) - 1.0
    total = np.zeros(gx.shape, dtype=float)
    previous = np.zeros(gx.shape, dtype=float)
    for month in range(1, int(horizon_months) + 1):
        cumulative = bgnbd_expected_purchases(params, gx, gt, gT, month * units_per_month)
        total += (cumulative - previous) / (1.0 + monthly) ** month
        previous = cumulative
    return total[inverse]


def discounted_clv(params, x, t_x, T, value, horizon_months, annual_discount, units_per_month):
    """Sum over months of expected purchases that month x value, discounted monthly."""
    purchases = discounted_purchases(
        params, x, t_x, T, horizon_months, annual_discount, units_per_month
    )
    return purchases * np.asarray(value, dtype=float)
