#!/usr/bin/env python3
"""Writes test/drift/vectors.json: SciPy/NumPy reference values for the drift statistics in src/drift/stats.

Run: python3 -m venv .venv-drift && .venv-drift/bin/pip install -r scripts/drift-requirements.txt
     && .venv-drift/bin/python scripts/drift-vectors.py
Stored samples are rounded to 6 decimals (SciPy runs on the rounded values, so both sides see identical
inputs) to keep the file small. Large samples are not stored: they come from a 32-bit LCG that the
TypeScript test reproduces bit for bit (only integer arithmetic, one division by 2^32, one multiply-add).
"""
import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

SEED = 20240611
rng = np.random.default_rng(SEED)
EPS = 1e-4  # PSI and chi-square epsilon, as PSI_EPSILON / CHISQUARE_EPSILON in src/drift/stats


def r6(a):
    return np.round(np.asarray(a, dtype=float), 6)


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float)]


def lcg(seed, n, scale=1.0, shift=0.0):
    """x_i = u_i * scale + shift with u_i = s_i / 2^32, s_{i+1} = (1664525 s_i + 1013904223) mod 2^32."""
    out = np.empty(n)
    s = seed
    for i in range(n):
        s = (1664525 * s + 1013904223) % 4294967296
        out[i] = s / 4294967296.0
    return out * scale + shift


def sample(spec):
    if "values" in spec:
        return np.asarray(spec["values"], dtype=float)
    g = spec["lcg"]
    return lcg(g["seed"], g["n"], g["scale"], g["shift"])


def ks_case(name, a_spec, b_spec, modes=("auto", "asymp")):
    a, b = sample(a_spec), sample(b_spec)
    out = {"name": name, "a": a_spec, "b": b_spec, "results": {}}
    for mode in modes:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = stats.ks_2samp(a, b, method=mode)
        out["results"][mode] = {
            "statistic": float(r.statistic),
            "pvalue": float(r.pvalue),
            "scipyFellBack": any("Switching" in str(x.message) for x in w),
        }
    return out


def stored(x):
    return {"values": floats(r6(x))}


def gen_lcg(seed, n, scale=1.0, shift=0.0):
    return {"lcg": {"seed": seed, "n": n, "scale": scale, "shift": shift}}


def kolmogorov_cases():
    ns = [1, 2, 3, 5, 10, 37, 100, 140, 141, 200, 500, 1000, 5000, 20000, 100000, 100001, 400000, 2000000]
    nx2s = [0.05, 0.3, 0.7, 0.754, 0.76, 1.0, 2.0, 2.19, 2.21, 3.0, 3.99, 4.01, 6.0, 12.0, 17.0, 19.0, 40.0, 100.0, 369.0, 371.0]
    cases = []
    for n in ns:
        xs = {math.sqrt(v / n) for v in nx2s}
        xs |= {0.3 / n, 0.6 / n, 0.9 / n, 1.5 / n, 0.45, 0.5, 0.7, 0.99, 1 - 0.5 / n}
        for x in sorted(xs):
            if 0 < x < 1:
                cases.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    return cases


def smirnov_cases():
    cases = []
    for n in [1, 2, 7, 50, 141, 1000, 30000, 1000000, 1000001, 3000000]:
        for v in [0.01, 0.5, 2.0, 5.0, 20.0]:
            x = math.sqrt(v / n) if n > 1 else v / 25
            if 0 < x < 1:
                cases.append({"n": n, "x": x, "sf": float(scipy.special.smirnov(n, x))})
        for x in [0.5, 0.75]:
            cases.append({"n": n, "x": x, "sf": float(scipy.special.smirnov(n, x))})
    return cases


def ks_cases():
    c = []
    c.append(ks_case("small normal shift", stored(rng.normal(0, 1, 20)), stored(rng.normal(0.8, 1, 30)), ("auto", "asymp", "exact")))
    c.append(ks_case("equal sizes 50", stored(rng.normal(0, 1, 50)), stored(rng.normal(0.3, 1, 50)), ("auto", "asymp", "exact")))
    c.append(ks_case("one vs five", stored(rng.normal(0, 1, 1)), stored(rng.normal(0, 1, 5)), ("auto", "exact")))
    c.append(ks_case("ties small integers", stored(rng.integers(0, 6, 200)), stored(rng.integers(0, 7, 300)), ("auto", "asymp", "exact")))
    c.append(ks_case("identical samples", stored(np.arange(40) / 7), stored(np.arange(40) / 7), ("auto", "asymp")))
    c.append(ks_case("disjoint samples", stored(rng.uniform(0, 1, 60)), stored(rng.uniform(2, 3, 45)), ("auto", "asymp")))
    c.append(ks_case("lognormal vs gamma 400/700", stored(rng.lognormal(0, 0.5, 400)), stored(rng.gamma(4, 0.28, 700)), ("auto", "asymp")))
    c.append(ks_case("asymp small n<=140 regimes", stored(rng.normal(0, 1, 90)), stored(rng.normal(0.25, 1, 160)), ("auto", "asymp")))
    c.append(ks_case("lcg 800 vs 1200 shift", gen_lcg(1, 800), gen_lcg(2, 1200, 1.0, 0.06), ("auto", "asymp")))
    c.append(ks_case("lcg 3000 vs 7000 same", gen_lcg(3, 3000), gen_lcg(4, 7000), ("auto", "asymp")))
    c.append(ks_case("lcg 10000 vs 10000 tiny shift", gen_lcg(5, 10000), gen_lcg(6, 10000, 1.0, 0.01), ("auto", "asymp")))
    c.append(ks_case("lcg 12000 vs 15000 shift", gen_lcg(7, 12000), gen_lcg(8, 15000, 1.02, 0.0), ("auto",)))
    c.append(ks_case("lcg 40000 vs 25000 same", gen_lcg(9, 40000), gen_lcg(10, 25000), ("auto",)))
    c.append(ks_case("lcg 60000 vs 60000 scale", gen_lcg(11, 60000, 1.0), gen_lcg(12, 60000, 1.01), ("auto",)))
    return c


def ks_binned_cases():
    """Integer data on half-integer edges: the histogram ECDFs equal the sample ECDFs, so SciPy on the raw data is the truth."""
    out = []
    specs = [
        ("poisson 300 vs 500", rng.poisson(4, 300), rng.poisson(4.6, 500), np.arange(-0.5, 15.5, 1.0)),
        ("poisson 900 vs 20000", rng.poisson(6, 900), rng.poisson(6, 20000), np.arange(-0.5, 20.5, 1.0)),
        ("binomial 2000 vs 3000 wide bins", rng.binomial(30, 0.4, 2000), rng.binomial(30, 0.42, 3000), np.arange(-0.5, 31.5, 1.0)),
        ("live tails below and above", rng.integers(5, 15, 400), rng.integers(2, 19, 600), np.arange(4.5, 15.5, 1.0)),
    ]
    for name, a, b, edges in specs:
        ra = stats.ks_2samp(a, b)
        rs = stats.ks_2samp(a, b, method="asymp")

        def binned(x):
            x = np.asarray(x, dtype=float)
            inside = x[(x >= edges[0]) & (x <= edges[-1])]
            lo, hi = x[x < edges[0]], x[x > edges[-1]]
            return {
                "counts": floats(np.histogram(inside, edges)[0]),
                "below": {"count": int(lo.size), "sum": float(lo.sum())},
                "above": {"count": int(hi.size), "sum": float(hi.sum())},
            }

        out.append({
            "name": name, "edges": floats(edges), "reference": binned(a), "current": binned(b),
            "auto": {"statistic": float(ra.statistic), "pvalue": float(ra.pvalue)},
            "asymp": {"statistic": float(rs.statistic), "pvalue": float(rs.pvalue)},
        })
    return out


def wasserstein_cases():
    out = []

    def plain(name, a, b):
        a, b = r6(a), r6(b)
        out.append({"name": name, "u": floats(a), "v": floats(b),
                    "distance": float(stats.wasserstein_distance(a, b)),
                    "normed": float(stats.wasserstein_distance(a, b) / max(np.std(a), 0.001))})

    plain("small normal shift", rng.normal(0, 1, 15), rng.normal(0.5, 1.2, 25))
    plain("ties", rng.integers(0, 5, 100), rng.integers(1, 6, 80))
    plain("large lognormal", rng.lognormal(0, 1, 1500), rng.lognormal(0.1, 1, 1000))
    plain("single values", [3.0], [5.5])
    plain("constant reference uses std floor", np.full(30, 2.0), rng.normal(2, 0.01, 30))

    def weighted(name, a, b, wa, wb):
        a, b, wa, wb = r6(a), r6(b), r6(wa), r6(wb)
        out.append({"name": name, "u": floats(a), "v": floats(b), "uWeights": floats(wa), "vWeights": floats(wb),
                    "distance": float(stats.wasserstein_distance(a, b, wa, wb))})

    weighted("weighted random", rng.normal(0, 1, 40), rng.normal(0.3, 1, 30), rng.uniform(0, 2, 40), rng.uniform(0, 5, 30))
    weighted("weighted with zeros and ties", rng.integers(0, 8, 50), rng.integers(0, 8, 50),
             rng.integers(0, 4, 50), rng.integers(0, 3, 50))
    return out


def wasserstein_binned_cases():
    """Histogram version = SciPy with bin midpoints (tails at their means) weighted by counts."""
    out = []
    edges = np.linspace(-4, 4, 17)
    a, b = rng.normal(0, 1, 5000), rng.normal(0.4, 1.3, 4000)
    for name, x, y in [("normal vs wider shifted", a, b), ("normal vs itself", a, a)]:
        def binned(v):
            inside = v[(v >= edges[0]) & (v <= edges[-1])]
            lo, hi = v[v < edges[0]], v[v > edges[-1]]
            return {"counts": floats(np.histogram(inside, edges)[0]),
                    "below": {"count": int(lo.size), "sum": float(lo.sum())},
                    "above": {"count": int(hi.size), "sum": float(hi.sum())}}

        br, bc = binned(x), binned(y)

        def points(bn):
            vals, w = [], []
            if bn["below"]["count"]:
                vals.append(bn["below"]["sum"] / bn["below"]["count"]); w.append(bn["below"]["count"])
            for i, cnt in enumerate(bn["counts"]):
                if cnt:
                    vals.append((edges[i] + edges[i + 1]) / 2); w.append(cnt)
            if bn["above"]["count"]:
                vals.append(bn["above"]["sum"] / bn["above"]["count"]); w.append(bn["above"]["count"])
            return np.array(vals), np.array(w, dtype=float)

        rv, rw = points(br)
        cv, cw = points(bc)
        d = stats.wasserstein_distance(rv, cv, rw, cw)
        mean = np.average(rv, weights=rw)
        std = math.sqrt(np.average((rv - mean) ** 2, weights=rw))
        out.append({"name": name, "edges": floats(edges), "reference": br, "current": bc,
                    "distance": float(d), "normedMidpointStd": float(d / max(std, 0.001)),
                    "normedGivenStd": float(d / max(np.std(x), 0.001)), "referenceStd": float(np.std(x)),
                    "sampleDistance": float(stats.wasserstein_distance(x, y))})
    return out


def psi_reference(ref, cur, eps=EPS):
    r = np.asarray(ref, float) / np.sum(ref)
    c = np.asarray(cur, float) / np.sum(cur)
    r = np.where(r == 0, eps, r)
    c = np.where(c == 0, eps, c)
    return float(np.sum((c - r) * np.log(c / r)))


def count_cases():
    cases = [
        ("equal", [10, 20, 30, 40], [10, 20, 30, 40]),
        ("proportional", [10, 20, 30, 40], [30, 60, 90, 120]),
        ("shifted", [50, 30, 15, 5], [20, 30, 30, 20]),
        ("empty bin on reference", [0, 40, 60, 0, 5], [3, 35, 50, 2, 10]),
        ("empty bin on current", [12, 40, 60, 7], [0, 35, 50, 0]),
        ("both empty bucket", [12, 0, 60, 7], [9, 0, 50, 4]),
        ("new category only live", [100, 200, 0], [90, 180, 30]),
        ("single live bucket", [5, 5, 5], [0, 12, 0]),
        ("large counts", list(rng.integers(1000, 100000, 30)), list(rng.integers(1000, 100000, 30))),
        ("random with zeros", list(rng.integers(0, 4, 25) * rng.integers(0, 50, 25)), list(rng.integers(0, 3, 25) * rng.integers(0, 60, 25))),
    ]
    out = []
    for name, ref, cur in cases:
        ref = [int(v) for v in ref]
        cur = [int(v) for v in cur]
        item = {"name": name, "reference": ref, "current": cur, "psi": psi_reference(ref, cur),
                "jensenshannon": float(distance.jensenshannon(ref, cur)),
                "jensenshannonBase2": float(distance.jensenshannon(ref, cur, base=2))}
        # chi-square with the documented guard: drop buckets empty on both sides, floor reference shares at EPS
        keep = [i for i in range(len(ref)) if ref[i] > 0 or cur[i] > 0]
        obs = np.array([cur[i] for i in keep], float)
        rc = np.array([ref[i] for i in keep], float)
        shares = np.where(rc > 0, rc / rc.sum(), EPS)
        f_exp = shares / shares.sum() * obs.sum()
        if len(keep) >= 2:
            r = stats.chisquare(obs, f_exp)
            item["chisquare"] = {"statistic": float(r.statistic), "pvalue": float(r.pvalue), "dof": len(keep) - 1}
        else:
            item["chisquare"] = {"statistic": 0.0, "pvalue": 1.0, "dof": 0}
        out.append(item)
    return out


def binning_cases():
    edges = np.array([-2.0, -1.0, -0.25, 0.0, 0.5, 1.0, 3.0])
    vals = np.concatenate([r6(rng.normal(0, 1.5, 300)), edges, [np.nan, np.inf, -np.inf, -7.5, 9.25]])
    inside = vals[np.isfinite(vals) & (vals >= edges[0]) & (vals <= edges[-1])]
    lo = vals[np.isfinite(vals) & (vals < edges[0])]
    hi = vals[np.isfinite(vals) & (vals > edges[-1])]
    return [{
        "edges": floats(edges),
        "values": [None if np.isnan(v) else ("Infinity" if v == np.inf else ("-Infinity" if v == -np.inf else float(v))) for v in vals],
        "counts": floats(np.histogram(inside, edges)[0]),
        "below": {"count": int(lo.size), "sum": float(lo.sum())},
        "above": {"count": int(hi.size), "sum": float(hi.sum())},
        "nulls": int((~np.isfinite(vals)).sum()),
    }]


# ---- fine profiles: every statistic on the raw samples, which the TypeScript test profiles and compares ----

def uniforms(seed, n):
    """The LCG's u_i = s_i / 2^32 (exact dyadic numbers, so every transform below is bit-identical in TypeScript)."""
    return lcg(seed, n)


def shape_values(shape, seed, n, p):
    """Sample transforms using only +, *, /, sqrt and floor (correctly rounded in IEEE 754, so identical in JS)."""
    u = uniforms(seed, n)
    v = uniforms(seed + 1000, n)
    w = uniforms(seed + 2000, n)
    x = uniforms(seed + 3000, n)
    if shape == "discrete":  # few values: floor(7 * u^power)
        return np.floor(7 * u ** p["power"] if p["power"] == 1 else 7 * (u * u))
    if shape == "continuous":  # Irwin-Hall(4) * scale + shift
        return (u + v + w + x) * p["scale"] + p["shift"]
    if shape == "heavy":  # Pareto(alpha 1) or (alpha 2): 1 / u or 1 / sqrt(u), scaled
        return (1 / (1 - u) if p["alpha"] == 1 else 1 / np.sqrt(1 - u)) * p["scale"]
    if shape == "zipf":  # long-tailed categories: floor(a / u) as a string
        return np.floor(p["a"] / (1 - u))
    raise ValueError(shape)


def with_nulls(values, seed, share):
    if share <= 0:
        return values
    m = uniforms(seed + 4000, len(values)) < share
    out = values.astype(float).copy()
    out[m] = np.nan
    return out


def evidently_buckets(ref, cur, kind):
    """evidently.legacy.calculations.stattests.utils.get_binned_data, as counts (before dividing by the lengths)."""
    if kind == "numeric" and len(np.unique(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        return np.histogram(ref, bins)[0].astype(float), np.histogram(cur, bins)[0].astype(float), "sturges"
    keys = sorted(set(ref.tolist()) | set(cur.tolist()))
    rc = {k: 0 for k in keys}
    cc = {k: 0 for k in keys}
    for k in ref.tolist():
        rc[k] += 1
    for k in cur.tolist():
        cc[k] += 1
    return np.array([rc[k] for k in keys], float), np.array([cc[k] for k in keys], float), "values"


def evidently_fill(pct):
    pct = pct.copy()
    m = min(pct[pct != 0])
    np.place(pct, pct == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return pct


def fine_case(name, kind, ref_spec, cur_spec):
    def make(spec):
        vals = shape_values(spec["shape"], spec["seed"], spec["n"], spec)
        return with_nulls(vals, spec["seed"], spec.get("nulls", 0.0))

    ref_all, cur_all = make(ref_spec), make(cur_spec)
    ref = ref_all[~np.isnan(ref_all)]
    cur = cur_all[~np.isnan(cur_all)]
    if kind == "categorical":
        ref = np.array([str(int(v)) for v in ref], dtype=object)
        cur = np.array([str(int(v)) for v in cur], dtype=object)
    r_counts, c_counts, rule = evidently_buckets(ref, cur, kind)
    rp, cp = r_counts / len(ref), c_counts / len(cur)
    out = {
        "name": name, "kind": kind, "reference": ref_spec, "current": cur_spec,
        "referenceCount": int(len(ref)), "currentCount": int(len(cur)),
        "referenceMissingRate": float(np.isnan(ref_all).mean()), "currentMissingRate": float(np.isnan(cur_all).mean()),
        "buckets": rule,
        "psi": float(np.sum((evidently_fill(rp) - evidently_fill(cp)) * np.log(evidently_fill(rp) / evidently_fill(cp)))),
        "jensenshannon": float(distance.jensenshannon(rp, cp)),
    }
    keep = (r_counts > 0) | (c_counts > 0)
    obs, rc = c_counts[keep], r_counts[keep]
    shares = np.where(rc > 0, rc / rc.sum(), EPS)
    chi = stats.chisquare(obs, shares / shares.sum() * obs.sum())
    out["chisquare"] = {"statistic": float(chi.statistic), "pvalue": float(chi.pvalue)}
    if kind == "numeric":
        ks = stats.ks_2samp(ref, cur)
        out["ks"] = {"statistic": float(ks.statistic), "pvalue": float(ks.pvalue)}
        out["wassersteinNormed"] = float(stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001))
    else:
        known = set(ref.tolist())
        out["unseenShare"] = float(np.mean([c not in known for c in cur.tolist()]))
    cross_check_evidently(out, ref, cur, kind)
    return out


def cross_check_evidently(out, ref, cur, kind):
    """When Evidently is installed, its own stattests must give the values above (they are its conventions)."""
    try:
        import pandas as pd
        from evidently.legacy.calculations.stattests import jensenshannon_stat_test, psi_stat_test, wasserstein_stat_test
        from evidently.legacy.core import ColumnType
    except ImportError:
        return
    t = ColumnType.Numerical if kind == "numeric" else ColumnType.Categorical
    r, c = pd.Series(ref), pd.Series(cur)
    checks = [("psi", psi_stat_test), ("jensenshannon", jensenshannon_stat_test)]
    if kind == "numeric":
        checks.append(("wassersteinNormed", wasserstein_stat_test))
    for key, test in checks:
        got = test.func(r, c, t, 0.1)[0]
        assert abs(got - out[key]) <= 1e-9 * max(1.0, abs(got)), f"{out['name']} {key}: evidently {got} vs {out[key]}"
    out["evidentlyChecked"] = True


def fine_cases():
    c = []
    c.append(fine_case("discrete 7 values, skewed live", "numeric",
                       {"shape": "discrete", "seed": 101, "n": 4000, "power": 1},
                       {"shape": "discrete", "seed": 102, "n": 3000, "power": 2}))
    c.append(fine_case("discrete 7 values, same law", "numeric",
                       {"shape": "discrete", "seed": 103, "n": 800, "power": 1},
                       {"shape": "discrete", "seed": 104, "n": 600, "power": 1}))
    c.append(fine_case("continuous, small shift (exact counts)", "numeric",
                       {"shape": "continuous", "seed": 111, "n": 6000, "scale": 1.0, "shift": 0.0},
                       {"shape": "continuous", "seed": 112, "n": 5000, "scale": 1.0, "shift": 0.03}))
    c.append(fine_case("continuous past the cap (bins), scale change", "numeric",
                       {"shape": "continuous", "seed": 113, "n": 40000, "scale": 1.0, "shift": 0.0},
                       {"shape": "continuous", "seed": 114, "n": 30000, "scale": 1.1, "shift": -0.1}))
    c.append(fine_case("continuous past the cap (bins), same law", "numeric",
                       {"shape": "continuous", "seed": 115, "n": 30000, "scale": 1.0, "shift": 0.0},
                       {"shape": "continuous", "seed": 116, "n": 25000, "scale": 1.0, "shift": 0.0}))
    c.append(fine_case("heavy tail alpha 2 past the cap, scaled live", "numeric",
                       {"shape": "heavy", "seed": 121, "n": 30000, "alpha": 2, "scale": 1.0},
                       {"shape": "heavy", "seed": 122, "n": 20000, "alpha": 2, "scale": 1.15}))
    c.append(fine_case("heavy tail alpha 1 (infinite mean), exact counts", "numeric",
                       {"shape": "heavy", "seed": 123, "n": 8000, "alpha": 1, "scale": 10.0},
                       {"shape": "heavy", "seed": 124, "n": 6000, "alpha": 1, "scale": 12.0}))
    c.append(fine_case("continuous with missing values", "numeric",
                       {"shape": "continuous", "seed": 131, "n": 5000, "scale": 2.0, "shift": 1.0, "nulls": 0.05},
                       {"shape": "continuous", "seed": 132, "n": 4000, "scale": 2.0, "shift": 1.2, "nulls": 0.2}))
    c.append(fine_case("many categories, long tail, unseen live values", "categorical",
                       {"shape": "zipf", "seed": 141, "n": 30000, "a": 30.0},
                       {"shape": "zipf", "seed": 142, "n": 10000, "a": 25.0}))
    c.append(fine_case("categories with missing values, same law", "categorical",
                       {"shape": "zipf", "seed": 143, "n": 20000, "a": 3.0, "nulls": 0.1},
                       {"shape": "zipf", "seed": 144, "n": 2000, "a": 3.0, "nulls": 0.02}))
    return c


def main():
    doc = {
        "generator": "scripts/drift-vectors.py",
        "seed": SEED,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "epsilon": EPS,
        "kolmogorov": kolmogorov_cases(),
        "smirnov": smirnov_cases(),
        "ks": ks_cases(),
        "ksBinned": ks_binned_cases(),
        "wasserstein": wasserstein_cases(),
        "wassersteinBinned": wasserstein_binned_cases(),
        "counts": count_cases(),
        "binning": binning_cases(),
        "fine": fine_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "drift", "vectors.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
