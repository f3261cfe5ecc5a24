#!/usr/bin/env python3
"""NumPyro peer of GpuHbm's hospital benchmark: the same model, data and priors.

Model (GpuHbm: `y ~ 1 + age_std + sex + severity + teaching + treat + (1 + treat | hospital)`,
family bernoulli, GpuHbm's default priors):
    Intercept ~ student_t(3, 0, 2.5)                 (intercept at x = 0)
    b[x]      ~ normal(0, 2.5 / sd(x))  scale rounded to 4 significant digits, sd with n - 1
    sd[k]     ~ half student_t(3, 0, 2.5)            k = Intercept, treat
    L         ~ LKJ-Cholesky(2, eta = 1)
    z[g, :]   ~ normal(0, 1);  r[g, :] = diag(sd) L z[g, :]     (non-centered)
    y_i       ~ bernoulli_logit(X_i b + r[g_i, 0] + treat_i r[g_i, 1])

Run on the GPU machine (JAX for CUDA, NumPyro):
    gpuhbm simulate hospitals --patients 1000000 --hospitals 2000 --seed 1 --output h.csv
    python3 benchmarks/peers/numpyro_hospitals.py h.csv --chains 128 --warmup 1000 --draws 1000
It prints wall times and the minimum bulk ESS over b, sd and cor (rank-normalized bulk ESS, Vehtari et al.
2021: NumPyro's effective_sample_size of the normal scores of the pooled ranks, as ArviZ's ess(method="bulk")),
the same quantity GpuHbm's benchmark reports; with --json FILE it also writes them as JSON (for
benchmarks/gpu-check/run.sh). Needs only JAX and NumPyro (no pandas, no ArviZ). Not run in the development
environment: PyPI is not reachable there.
"""
import argparse
import csv
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS

COVARIATES = ["age_std", "sex", "severity", "teaching", "treat"]


def signif4(x):
    return float(f"{x:.4g}")


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    X = np.array([[float(r[c]) for c in COVARIATES] for r in rows], dtype=np.float64)
    hospitals, g = np.unique(np.array([r["hospital"] for r in rows]), return_inverse=True)
    y = np.array([int(float(r["y"])) for r in rows], dtype=np.int32)
    scales = np.array([signif4(2.5 / X[:, j].std(ddof=1)) for j in range(X.shape[1])])
    return X, X[:, COVARIATES.index("treat")].copy(), g.astype(np.int32), len(hospitals), y, scales


def bulk_ess(draws):
    """Rank-normalized bulk ESS of one quantity, draws shaped (chains, iterations) (Vehtari et al. 2021, eq. 14)."""
    from numpyro.diagnostics import effective_sample_size
    from scipy.stats import norm, rankdata

    chains, n = draws.shape
    half = n // 2
    split = np.concatenate([draws[:, :half], draws[:, half:2 * half]], axis=0)
    ranks = rankdata(split, method="average").reshape(split.shape)
    z = norm.ppf((ranks - 3.0 / 8.0) / (split.size - 2 * 3.0 / 8.0 + 1.0))
    return float(effective_sample_size(z))


def model(X, treat, g, G, y, b_scales):
    intercept = numpyro.sample("b_Intercept", dist.StudentT(3.0, 0.0, 2.5))
    b = numpyro.sample("b", dist.Normal(0.0, b_scales))
    sd = numpyro.sample("sd", dist.FoldedDistribution(dist.StudentT(3.0, 0.0, 2.5)).expand([2]))
    L = numpyro.sample("L", dist.LKJCholesky(2, 1.0))
    z = numpyro.sample("z", dist.Normal(0.0, 1.0).expand([G, 2]))
    r = (z @ L.T) * sd
    eta = intercept + X @ b + r[g, 0] + treat * r[g, 1]
    numpyro.sample("y", dist.BernoulliLogits(eta), obs=y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--chains", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the results to this file")
    a = ap.parse_args()
    numpyro.enable_x64()
    X, treat, g, G, y, scales = load(a.csv)
    print("devices:", jax.devices(), "b prior scales:", dict(zip(COVARIATES, scales)))
    kernel = NUTS(model, target_accept_prob=0.8, max_tree_depth=10)
    mcmc = MCMC(kernel, num_warmup=a.warmup, num_samples=a.draws, num_chains=a.chains, chain_method="vectorized", progress_bar=False)
    t0 = time.perf_counter()
    mcmc.run(jax.random.PRNGKey(a.seed), jnp.asarray(X), jnp.asarray(treat), jnp.asarray(g), G, jnp.asarray(y), jnp.asarray(scales))
    jax.block_until_ready(mcmc.get_samples())
    wall = time.perf_counter() - t0
    s = mcmc.get_samples(group_by_chain=True)
    cor = s["L"][..., 1, 0]
    post = {"b_Intercept": s["b_Intercept"], "cor": cor}
    for j, name in enumerate(COVARIATES):
        post["b_" + name] = s["b"][..., j]
    post["sd_Intercept"] = s["sd"][..., 0]
    post["sd_treat"] = s["sd"][..., 1]
    ess = {k: bulk_ess(np.asarray(v)) for k, v in post.items()}
    min_ess = min(ess.values())
    print(f"wall {wall:.1f} s (warm-up + sampling, JIT included); min bulk ESS {min_ess:.0f}; {min_ess / wall:.1f} ESS/s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"wall_s": wall, "min_bulk_ess": min_ess, "ess_per_s": min_ess / wall, "chains": a.chains,
                       "warmup": a.warmup, "draws": a.draws, "devices": [str(d) for d in jax.devices()], "ess": ess}, f, indent=1)


if __name__ == "__main__":
    main()
