"""Predictive customer lifetime value: BG/NBD and Gamma-Gamma.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way")
predicts how many purchases a customer makes in a future period and the
probability the customer is still "alive", from three numbers per customer:
x = repeat purchases, t_x = time of the last purchase and T = age, both counted
from the first purchase. Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV")
predicts the average order value from the mean of the repeat purchases.

Fitting maximises the log-likelihood over the log of the parameters (they are
all positive) with L-BFGS-B. A fit that does not converge, or data too thin to
fit, is reported as such (`converged=False`) and the caller falls back: it
never gets NaN.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

# Below these counts a fit says more about noise than about customers.
MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 10
# Four (or three) parameters are pinned down long before this many customers; beyond it a
# fit only costs time, so larger bases are fitted on a random sample (fixed seed: the same
# data gives the same parameters) and predicted in full.
FIT_SAMPLE = 10_000


def _sample(*columns, size=FIT_SAMPLE):
    n = len(columns[0])
    if n <= size:
        return columns
    keep = np.random.default_rng(0).choice(n, size=size, replace=False)
    return tuple(column[keep] for column in columns)


@dataclass
class Fit:
    params: dict
    log_likelihood: float
    converged: bool
    message: str = ""


def _bgnbd_ll(log_params, x, t_x, T, weights):
    r, alpha, a, b = np.exp(log_params)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return float(np.sum(weights * (a1 + a2 + np.logaddexp(a3, a4))))


def _compress(*columns):
    """Unique rows and their counts: customers sharing (x, t_x, T) fit once."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def _fit(neg_ll, start):
    try:
        result = optimize.minimize(
            neg_ll, np.log(start), method="L-BFGS-B", options={"maxiter": 2000}
        )
    except (ValueError, FloatingPointError, OverflowError) as error:
        return None, False, str(error)
    ok = bool(result.success) and np.all(np.isfinite(result.x)) and np.isfinite(result.fun)
    return result, ok, str(result.message)


def fit_bgnbd(x, t_x, T):
    """Fit BG/NBD; returns Fit with params r, alpha, a, b."""
    x, t_x, T = _sample(*(np.asarray(c, dtype=float) for c in (x, t_x, T)))
    if x.size < MIN_CUSTOMERS or not np.any(x > 0):
        return Fit({}, 0.0, False, "too few customers or no repeat purchase")
    (ux, ut, uT), w = _compress(x, t_x, T)
    scale = max(float(np.max(uT)), 1.0)

    # Fit in scaled time (alpha scales with time), which keeps the optimiser well conditioned.
    def neg_ll(log_params):
        value = -_bgnbd_ll(log_params, ux, ut / scale, uT / scale, w)
        return value if np.isfinite(value) else 1e300

    result, ok, message = _fit(neg_ll, [1.0, 1.0, 1.0, 1.0])
    if result is None:
        return Fit({}, 0.0, False, message)
    r, alpha, a, b = np.exp(result.x)
    alpha *= scale
    ll = _bgnbd_ll(np.log([r, alpha, a, b]), ux, ut, uT, w)
    params = {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}
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


def _gamma_gamma_ll(log_params, x, m, weights):
    p, q, v = np.exp(log_params)
    px = p * x
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )
    return float(np.sum(weights * ll))


def fit_gamma_gamma(x, m):
    """Fit Gamma-Gamma on repeat buyers: x = repeat purchases, m = mean repeat value."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & (m > 0)
    x, m = _sample(x[keep], m[keep])
    if x.size < MIN_REPEAT_BUYERS:
        return Fit({}, 0.0, False, "too few repeat buyers with a positive spend")
    scale = float(np.mean(m))
    (ux, um), w = _compress(x, m / scale)

    def neg_ll(log_params):
        value = -_gamma_gamma_ll(log_params, ux, um, w)
        return value if np.isfinite(value) else 1e300

    result, ok, message = _fit(neg_ll, [1.0, 1.0, 1.0])
    if result is None:
        return Fit({}, 0.0, False, message)
    p, q, v = np.exp(result.x)
    v *= scale
    ll = _gamma_gamma_ll(np.log([p, q, v]), x, m, np.ones_like(x))
    ok = ok and q > 1 and np.isfinite(ll)  # q <= 1: the expected spend has no finite mean
    return Fit(
        {"p": float(p), "q": float(q), "v": float(v)}, ll, bool(ok), message if q > 1 else "q <= 1"
    )


def gamma_gamma_expected_value(params, x, m):
    """Expected average order value; the population mean for one-time buyers."""
    p, q, v = (params[k] for k in ("p", "q", "v"))
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    population_mean = p * v / (q - 1)
    weight = p * x / (p * x + q - 1)
    value = (1 - weight) * population_mean + weight * np.where(m > 0, m, 0.0)
    return np.where(x > 0, value, population_mean)


def discounted_clv(params, x, t_x, T, value, horizon_months, annual_discount, units_per_month):
    """Sum over months of expected purchases that month x value, discounted monthly."""
    monthly = (1.0 + annual_discount) ** (1.0 / 12.0) - 1.0
    total = np.zeros(np.shape(x), dtype=float)
    previous = np.zeros(np.shape(x), dtype=float)
    for month in range(1, int(horizon_months) + 1):
        cumulative = bgnbd_expected_purchases(params, x, t_x, T, month * units_per_month)
        total += (cumulative - previous) * value / (1.0 + monthly) ** month
        previous = cumulative
    return total
