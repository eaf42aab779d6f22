"""Numerics shared by the customer-base models: special functions, numerical derivatives, BLAS threads.

* :func:`log_hyp2f1_euler` and :func:`log_A0_quadrature` -- the Gauss hypergeometric function and the
  Pareto/NBD integral A_0, in log space;
* :func:`num_grad`, :func:`num_hess` and :func:`hess_from_grad` -- central differences;
* :func:`log_scale_objective` -- the optimiser's objective and gradient over log-parameters;
* :class:`single_thread_blas` -- BLAS single-threaded for the many tiny products of a fit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(24)


def log_A0_quadrature(r, alpha, s, beta, x, tx, T, panels: int = 16):
    """log A_0 = log[(r+s+x) int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) d tau] by composite
    Gauss-Legendre in v = log(alpha + tau), in log space.

    Fallback for rows where scipy's hyp2f1 gives a non-finite value (it does for some large
    parameter / z-near-1 combinations, e.g. when s and beta run large together)."""
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    v0, v1 = np.log(alpha + tx), np.log(alpha + T)
    edges = np.linspace(0.0, 1.0, panels + 1)
    # nodes: rows x (panels*24)
    a_ = edges[:-1, None] + (edges[1:, None] - edges[:-1, None]) * (_GL_NODES[None, :] + 1) / 2
    u = a_.ravel()
    wq = np.tile(_GL_WEIGHTS / 2 / panels, panels)
    v = v0[:, None] + (v1 - v0)[:, None] * u[None, :]
    # alpha and beta: scalars, or one per row (covariate models)
    alpha_ = np.asarray(alpha, dtype=float).reshape(-1, 1) if np.ndim(alpha) else alpha
    beta_ = np.asarray(beta, dtype=float).reshape(-1, 1) if np.ndim(beta) else beta
    tau = np.exp(v) - alpha_
    logf = (1.0 - (r + x))[:, None] * v - (s + 1.0) * np.log(beta_ + np.maximum(tau, 0.0))
    with np.errstate(divide="ignore"):
        out = special.logsumexp(logf, b=wq[None, :], axis=1) + np.log(v1 - v0) + np.log(r + s + x)
    return np.where(v1 > v0, out, -np.inf)


_HYP2F1_SLOW = 100.0


def log_hyp2f1_euler(a, b, c, z):
    """log 2F1(a, b; c; z) for 0 <= z < 1, with c - a = 1 (the Pareto/NBD case).

    Euler's transformation 2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z) turns it
    into (1 - z)^(c - a - b) 2F1(1, c - b; c; z), whose series has bounded terms; the possibly
    huge factor (1 - z)^(c - a - b) is kept in log space.  Where that is not finite the direct
    form is tried; rows still non-finite are left to the caller (Pareto/NBD then integrates A_0
    numerically, :func:`log_A0_quadrature`).
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    # scipy's hyp2f1 takes ~1 ms per value once a parameter exceeds ~100 with z near 1 (it happens when
    # a fit runs s and beta up together): leave those rows non-finite, the quadrature is far faster
    slow = (np.maximum(np.maximum(np.abs(a), np.abs(b)), np.abs(c)) > _HYP2F1_SLOW) & (z > 0.5)
    out = np.full(a.shape, np.nan)
    ok = ~slow
    if np.any(ok):
        a_, b_, c_, z_ = a[ok], b[ok], c[ok], z[ok]
        with np.errstate(all="ignore"):
            h = special.hyp2f1(c_ - a_, c_ - b_, c_, z_)
            o = (c_ - a_ - b_) * np.log1p(-z_) + np.log(h)
            bad = ~np.isfinite(o)
            if np.any(bad):
                o[bad] = np.log(special.hyp2f1(a_[bad], b_[bad], c_[bad], z_[bad]))
        out[ok] = o
    return out if out.ndim else float(out)


_BLAS_HANDLES: list | None = None


def _blas_handles() -> list:
    """OpenBLAS libraries loaded in this process that offer a thread-local thread count (Linux)."""
    global _BLAS_HANDLES
    if _BLAS_HANDLES is None:
        _BLAS_HANDLES = []
        try:
            import ctypes
            with open("/proc/self/maps") as fh:
                paths = sorted({ln.split()[-1] for ln in fh
                                if "/" in ln and "openblas" in ln.rsplit("/", 1)[-1].lower()})
            for path in paths:
                try:
                    fn = ctypes.CDLL(path).openblas_set_num_threads_local
                except (OSError, AttributeError):
                    continue
                fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_int]
                _BLAS_HANDLES.append(fn)
        except OSError:
            pass
    return _BLAS_HANDLES


class single_thread_blas:
    """Run BLAS single-threaded in this thread for the duration (thread-local; restored on exit).

    The fits call BLAS on tiny problems hundreds of times (L-BFGS-B's 3x3 / 4x4 updates, weighted
    dot products); waking OpenBLAS's worker threads for each costs more than the work itself, and
    on a loaded 2-core machine much more (measured: L-BFGS-B's setulb 2-30 ms per call instead of
    ~0.05 ms).  No-op where OpenBLAS's thread-local setter is not available."""

    def __enter__(self):
        self._old = []
        for fn in _blas_handles():
            try:
                self._old.append((fn, fn(1)))
            except Exception:  # pragma: no cover - foreign BLAS build
                pass
        return self

    def __exit__(self, *exc):
        for fn, old in self._old:
            try:
                fn(old)
            except Exception:  # pragma: no cover
                pass
        return False


def num_grad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Gradient of `f` at `x` by central differences with step `h` (in the units of `x`)."""
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def num_hess(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Hessian of `f` at `x` by central differences of `f` itself with step `h` (when no analytic
    gradient is at hand): second differences on the diagonal, the four-point formula off it."""
    n = x.size
    H = np.empty((n, n))
    f0 = f(x)
    E = np.eye(n) * h
    for i in range(n):
        H[i, i] = (f(x + E[i]) - 2 * f0 + f(x - E[i])) / h ** 2
        for j in range(i):
            H[i, j] = H[j, i] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j])
                                 - f(x - E[i] + E[j]) + f(x - E[i] - E[j])) / (4 * h * h)
    return H


def hess_from_grad(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Hessian by central differences of an analytic gradient, symmetrised."""
    x = np.asarray(x, float)
    H = np.empty((x.size, x.size))
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        H[:, i] = (grad(x + e) - grad(x - e)) / (2 * h)
    return (H + H.T) / 2


def log_scale_objective(core, n: float, pen: float):
    """``nll``, ``fun_grad`` and ``grad`` over log-parameters for the optimiser.

    ``core(lp, want_grad=True)`` returns the penalised mean negative log-likelihood first and the
    gradient of the log-likelihood with respect to the parameters second (anything after is
    ignored); the chain rule to log-parameters, the penalty's gradient and the guards against
    non-finite values live here once.  ``n`` is the number of customers (the sum of the row weights)
    the log-likelihood is averaged over, ``pen`` the model's ``penalizer_coef``.
    """

    def nll(lp):
        with np.errstate(all="ignore"):
            val = core(np.asarray(lp, float), want_grad=False)[0]
        return float(val) if np.isfinite(val) else 1e300

    def fun_grad(lp):
        lp = np.asarray(lp, float)
        with np.errstate(all="ignore"):
            val, g = core(lp)[:2]
        if not np.isfinite(val):
            return 1e300, np.zeros_like(lp)
        P = np.exp(lp)
        gl = -g * P / n + 2 * pen * P ** 2
        return float(val), np.where(np.isfinite(gl), gl, 0.0)

    def grad(lp):
        return fun_grad(lp)[1]

    return nll, fun_grad, grad


def log_scale_objective_with_hessian(core, n: float, pen: float):
    """:func:`log_scale_objective` and a Hessian by central differences of its analytic gradient: the
    four functions a model's ``_objective`` returns."""
    nll, fun_grad, grad = log_scale_objective(core, n, pen)

    def hess(lp):
        return hess_from_grad(grad, lp)

    return nll, fun_grad, grad, hess


def inverse_hessian(H: np.ndarray, model_name: str, stacklevel: int = 3) -> np.ndarray:
    """The covariance of the estimates, inv(H) for the Hessian H of the negative log-likelihood; all NaN,
    with a warning, when H is singular or not positive definite (the data do not identify the model)."""
    import warnings
    try:
        cov = np.linalg.inv(H)
        if np.any(np.diag(cov) < 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        warnings.warn(f"{model_name}: Hessian not positive definite; standard errors are NaN", RuntimeWarning,
                      stacklevel=stacklevel + 1)
        cov = np.full_like(H, np.nan)
    return cov
