#!/usr/bin/env python3
"""Writes test/model-quality/task-vectors.json: scikit-learn/SciPy reference values for the model-quality monitor's
regression and multiclass metrics (the binary vectors are scripts/quality-vectors.py's, left as they are).

Run: python3 -m venv .venv && .venv/bin/pip install scikit-learn && .venv/bin/python scripts/quality-task-vectors.py

- metric cases: targets/predictions (regression) and true classes/probabilities (multiclass) with RMSE, MAE, R^2,
  accuracy, log loss and macro-F1 (labels = every class, as the training evaluation) from scikit-learn, and the class-mix chi-square test from
  scipy.stats.chisquare against given expected shares.
- scenarios: capture and label lines as the API writes them per task (regression `prediction` and numeric labels;
  multiclass `class` + `probabilities` and labels that are class values), with repeated ids, another version, rows
  outside the window, relabeled ids, labels for ids never predicted and a label that is not a class; the joined rows
  and counts computed here with plain Python, their metrics with scikit-learn.
Values are rounded to 3 decimals (probabilities renormalized after rounding) so both sides read identical doubles.
"""
import json
import math
import os
from datetime import datetime, timedelta, timezone

import numpy as np
import scipy
import sklearn
from scipy.stats import chisquare
from sklearn.metrics import accuracy_score, f1_score, log_loss, mean_absolute_error, r2_score, root_mean_squared_error

SEED = 20261207
rng = np.random.default_rng(SEED)


def regression_metrics(y, p):
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    return {"rows": len(y), "rmse": float(root_mean_squared_error(y, p)), "mae": float(mean_absolute_error(y, p)), "r2": float(r2_score(y, p)), "meanTarget": float(y.mean())}


def multiclass_metrics(y, P, k, expected_shares):
    y = np.asarray(y, dtype=int)
    P = np.asarray(P, dtype=float)
    pred = P.argmax(axis=1)  # first on ties, as the monitor's argmax
    counts = np.bincount(y, minlength=k)
    stat, pvalue = chisquare(counts, np.asarray(expected_shares) * len(y))
    return {
        "rows": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "logLoss": float(log_loss(y, P, labels=list(range(k)))),
        "macroF1": float(f1_score(y, pred, labels=list(range(k)), average="macro", zero_division=0)),
        "observedShares": [float(c / len(y)) for c in counts],
        "classMix": {"expected": [float(s) for s in expected_shares], "chiSquare": float(stat), "pValue": float(pvalue)},
    }


def probs(logits):
    """Softmax rows rounded to 3 decimals, the largest entry absorbing the rounding so each row sums to 1 (to 1e-12)."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = np.round(e / e.sum(axis=1, keepdims=True), 3)
    p = np.clip(p, 0.001, 0.998)
    for r in range(len(p)):
        j = int(np.argmax(p[r]))
        p[r, j] = round(1 - (p[r].sum() - p[r, j]), 3)
    return p


def regression_sample(n, shift=0.0, noise=1.0):
    x = rng.normal(size=n)
    pred = np.round(10 + 3 * x, 3)
    y = np.round(10 + 3 * x + rng.normal(scale=noise, size=n) + shift, 3)
    return pred.tolist(), y.tolist()


def multiclass_sample(n, k, mix=None):
    """Rows from k well-separated classes (true class drawn from `mix`), probabilities from a softmax of noisy scores."""
    mix = mix if mix is not None else [1 / k] * k
    y = rng.choice(k, size=n, p=mix)
    logits = rng.normal(scale=1.0, size=(n, k))
    logits[np.arange(n), y] += 1.8
    return probs(logits).tolist(), y.tolist()


CLASSES = ["Adelie", "Chinstrap", "Gentoo"]
HOLDOUT_SHARES = [0.44, 0.2, 0.36]

metric_cases = []
for name, n, shift, noise in [("regression-clean", 500, 0.0, 1.0), ("regression-shifted", 300, 2.5, 1.5)]:
    p, y = regression_sample(n, shift, noise)
    metric_cases.append({"name": name, "task": "regression", "target": y, "prediction": p, "expected": regression_metrics(y, p)})
for name, n, mix in [("multiclass-holdout-mix", 600, HOLDOUT_SHARES), ("multiclass-shifted-mix", 600, [0.2, 0.2, 0.6])]:
    P, y = multiclass_sample(n, 3, mix)
    metric_cases.append({"name": name, "task": "multiclass", "classes": CLASSES, "actual": y, "probabilities": P, "expected": multiclass_metrics(y, P, 3, HOLDOUT_SHARES)})


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def scenario(name, task, start, version, n, label_share, mix=None):
    end = start + timedelta(hours=6)
    caps, labels = [], []
    if task == "regression":
        out, truth_list = regression_sample(n, 0.0, 1.0)
        field = lambda o: {"prediction": o}
        truth_value = lambda t: t
    else:
        out, truth_list = multiclass_sample(n, 3, mix)
        field = lambda o: {"class": int(np.argmax(o)), "probabilities": o}
        truth_value = lambda t: CLASSES[t]
    pred = {}
    truth = {}
    base = {"model": "tm", "api": "v1", "key_id": "k"}
    for i in range(n):
        ts = start + timedelta(seconds=int(i * 21600 / n))
        pid = f"{name}-p{i:04d}"
        caps.append({"ts": iso(ts), **base, "version": version, "request_id": f"{name}-r{i // 10}", "row": i % 10, "id": pid, **field(out[i]), "features": {"x": i}})
        pred[pid] = out[i]
        truth[pid] = truth_list[i]
    # the same id predicted again later in the window: the later output counts
    for i in range(8):
        pid = f"{name}-p{i:04d}"
        again = out[n - 1 - i]
        caps.append({"ts": iso(start + timedelta(hours=5, minutes=i)), **base, "version": version, "request_id": "again", "row": i, "id": pid, **field(again), "features": {"x": i}})
        pred[pid] = again
    # another version in the window (counted, not judged) and rows outside the window (not counted)
    for i in range(20):
        caps.append({"ts": iso(start + timedelta(minutes=i)), **base, "version": version - 1, "request_id": "old", "row": i, "id": f"{name}-old{i}", **field(out[i]), "features": {"x": i}})
        caps.append({"ts": iso(start - timedelta(minutes=1 + i)), **base, "version": version, "request_id": "early", "row": i, "id": f"{name}-early{i}", **field(out[i]), "features": {"x": i}})
    ids = sorted(pred)
    chosen = [pid for pid in ids if rng.random() < label_share]
    order = list(chosen)
    rng.shuffle(order)
    seq = 0
    label_time = end + timedelta(days=1)
    latest = {}
    relabeled = set()
    for k, pid in enumerate(order):
        t = label_time + timedelta(seconds=k)
        if k % 20 == 0:
            # a wrong label first, then the right one: the latest wins
            wrong = truth[pid] + 5.0 if task == "regression" else (truth[pid] + 1) % 3
            labels.append({"ts": iso(t), "model": "tm", "key_id": "k", "n": seq, "id": pid, "label": truth_value(wrong)})
            seq += 1
            relabeled.add(pid)
        labels.append({"ts": iso(t), "model": "tm", "key_id": "k", "n": seq, "id": pid, "label": truth_value(truth[pid])})
        seq += 1
        latest[pid] = truth[pid]
    unmatched = 0
    for i in range(12):
        v = float(i) if task == "regression" else CLASSES[i % 3]
        labels.append({"ts": iso(label_time), "model": "tm", "key_id": "k", "n": seq, "id": f"{name}-never{i}", "label": v})
        seq += 1
        unmatched += 1
    for i in range(4):
        v = 1.5 if task == "regression" else CLASSES[0]
        labels.append({"ts": iso(label_time), "model": "tm", "key_id": "k", "n": seq, "id": f"{name}-old{i}", "label": v})
        seq += 1
    extra_ids = 12 + 4
    if task == "multiclass":
        # a label that is not one of the classes (only an old writer could store it): left out of the join
        labels.append({"ts": iso(label_time), "model": "tm", "key_id": "k", "n": seq, "id": f"{name}-p0001", "label": "Emperor"})
        seq += 1
    joined = sorted(latest)
    if task == "regression":
        jp = [pred[pid] for pid in joined]
        jy = [latest[pid] for pid in joined]
        metrics = regression_metrics(jy, jp)
    else:
        jp = [pred[pid] for pid in joined]
        jy = [latest[pid] for pid in joined]
        metrics = multiclass_metrics(jy, jp, 3, HOLDOUT_SHARES)
    return {
        "name": name,
        "task": task,
        **({"classes": CLASSES} if task == "multiclass" else {}),
        "window": {"start": iso(start), "end": iso(end)},
        "version": version,
        "captures": caps,
        "labels": labels,
        "expected": {
            "counts": {
                "predictions": len(pred),
                "labeled": len(latest),
                "otherVersions": [{"version": version - 1, "rows": 20}],
                "labelIds": len(latest) + extra_ids,
                "unmatchedLabels": unmatched,
                "relabeledIds": len(relabeled),
                "repeatedIds": 8,
            },
            "output": [v for row in jp for v in (row if task == "multiclass" else [row])],
            "target": [float(v) for v in jy],
            "metrics": metrics,
        },
    }


t0 = datetime(2026, 2, 2, 0, 0, tzinfo=timezone.utc)
scenarios = [
    scenario("regression", "regression", t0, 4, 500, 0.8),
    scenario("multiclass", "multiclass", t0 + timedelta(days=1), 4, 600, 0.8, HOLDOUT_SHARES),
    scenario("multiclass-shifted", "multiclass", t0 + timedelta(days=2), 4, 600, 0.8, [0.15, 0.15, 0.7]),
]

out = {
    "generator": f"scripts/quality-task-vectors.py (scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, numpy {np.__version__})",
    "seed": SEED,
    "holdoutShares": HOLDOUT_SHARES,
    "metricCases": metric_cases,
    "scenarios": scenarios,
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "model-quality", "task-vectors.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path}")
