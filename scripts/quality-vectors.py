#!/usr/bin/env python3
"""Writes test/model-quality/vectors.json: scikit-learn/SciPy reference values for the model-quality monitor.

Run: python3 -m venv .venv && .venv/bin/pip install scikit-learn && .venv/bin/python scripts/quality-vectors.py

Two kinds of vectors:
- metrics: label/probability arrays with ties, and every metric the monitor reports, from scikit-learn
  (roc_auc_score, average_precision_score, log_loss, brier_score_loss, accuracy/precision/recall at a
  threshold), the calibration table by the monitor's binning rule (floor(p * 10)), and the positive-rate
  z test with scipy.stats.norm.
- scenarios: capture lines and label lines as the API writes them (repeated ids, other versions, rows
  outside the window, relabeled and repeated labels, labels for ids never predicted, late labels), with
  the joined arrays and counts computed here with plain Python, and their metrics from scikit-learn.
Probabilities are rounded to 3 decimals so both sides read identical doubles from JSON.
"""
import json
import math
import os
from datetime import datetime, timedelta, timezone

import numpy as np
import sklearn
from scipy.stats import norm
from sklearn.metrics import accuracy_score, average_precision_score, brier_score_loss, log_loss, precision_score, recall_score, roc_auc_score

SEED = 20261130
rng = np.random.default_rng(SEED)
BINS = 10


def calibration(y, p):
    out = []
    for b in range(BINS):
        idx = [i for i in range(len(p)) if min(math.floor(p[i] * BINS), BINS - 1) == b]
        if not idx:
            continue
        out.append({"lower": b / BINS, "upper": (b + 1) / BINS, "count": len(idx), "meanPredicted": float(np.mean([p[i] for i in idx])), "fractionPositive": float(np.mean([y[i] for i in idx]))})
    return out


def metrics(y, p, threshold):
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    pred = (p >= threshold).astype(int)
    n = len(y)
    var = float(np.sum(p * (1 - p)))
    z = float((y.sum() - p.sum()) / math.sqrt(var))
    return {
        "rows": n,
        "positives": int(y.sum()),
        "observedRate": float(y.mean()),
        "meanPredicted": float(p.mean()),
        "auc": float(roc_auc_score(y, p)),
        "prAuc": float(average_precision_score(y, p)),
        # labels=[0, 1] and no eps argument: sklearn clips at the float64 machine epsilon since 1.5; none of these
        # probabilities reaches 0 or 1, so the clipping rule never matters here
        "logLoss": float(log_loss(y, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "threshold": threshold,
        "accuracy": float(accuracy_score(y, pred)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "calibration": calibration(y.tolist(), p.tolist()),
        "positiveRate": {"z": z, "pValue": float(2 * norm.sf(abs(z)))},
    }


def r3(a):
    return [float(v) for v in np.clip(np.round(np.asarray(a, dtype=float), 3), 0.001, 0.999)]


def sample(n, shift=0.0, noise=1.0):
    """Scores from a logistic model; labels drawn from the true probability, optionally shifted (miscalibration)."""
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-(x * 1.2 - 1.3)))
    true = 1 / (1 + np.exp(-(x * 1.2 * noise - 1.3 + shift)))
    y = (rng.random(n) < true).astype(int)
    return r3(p), y.tolist()


metric_cases = []
for name, n, shift, noise, thr in [("calibrated", 800, 0.0, 1.0, 0.5), ("shifted", 600, 0.6, 1.0, 0.3), ("noisy", 400, 0.0, 0.3, 0.5)]:
    p, y = sample(n, shift, noise)
    p = [round(v, 2) for v in p]  # two decimals: many ties, which AUC and average precision must handle
    p = [min(max(v, 0.01), 0.99) for v in p]
    metric_cases.append({"name": name, "label": y, "probability": p, "expected": metrics(y, p, thr)})


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def scenario(name, start, version, n, shift, label_share, extras=True):
    """Capture and label lines for one window of predictions by `version`, plus the independently computed join."""
    end = start + timedelta(hours=6)
    caps, labels = [], []
    p, y = sample(n, shift)
    truth = {}
    pred = {}  # id -> (ts, probability): the latest prediction in the window counts
    for i in range(n):
        ts = start + timedelta(seconds=int(i * 21600 / n))
        pid = f"{name}-p{i}"
        caps.append({"ts": iso(ts), "model": "qm", "version": version, "api": "v1", "request_id": f"{name}-r{i // 10}", "key_id": "k", "row": i % 10, "id": pid, "probability": p[i], "label": int(p[i] >= 0.5), "features": {"x": i}})
        pred[pid] = (iso(ts), p[i])
        truth[pid] = y[i]
    if extras:
        # the same client id predicted again later in the window: the later probability counts
        for i in range(0, 10):
            pid = f"{name}-p{i}"
            ts = start + timedelta(hours=5, minutes=i)
            q = round(1 - p[i], 3)
            caps.append({"ts": iso(ts), "model": "qm", "version": version, "api": "v1", "request_id": "again", "key_id": "k", "row": i, "id": pid, "probability": q, "label": int(q >= 0.5), "features": {"x": i}})
            pred[pid] = (iso(ts), q)
        # another version in the window (counted, not judged); rows outside the window (not counted)
        for i in range(40):
            caps.append({"ts": iso(start + timedelta(minutes=i)), "model": "qm", "version": version - 1, "api": "v2", "request_id": "old", "key_id": "k", "row": i, "id": f"{name}-old{i}", "probability": 0.5, "label": 1, "features": {"x": i}})
        for i in range(30):
            before = start - timedelta(minutes=1 + i)
            caps.append({"ts": iso(before), "model": "qm", "version": version, "api": "v1", "request_id": "early", "key_id": "k", "row": i, "id": f"{name}-early{i}", "probability": 0.9, "label": 1, "features": {"x": i}})
            caps.append({"ts": iso(end + timedelta(seconds=i)), "model": "qm", "version": version, "api": "v1", "request_id": "late", "key_id": "k", "row": i, "id": f"{name}-after{i}", "probability": 0.9, "label": 1, "features": {"x": i}})
        # an old capture line without "id" (written before ids existed): its id is <request id>.<row>
        ts = start + timedelta(minutes=7)
        caps.append({"ts": iso(ts), "model": "qm", "version": version, "api": "v1", "request_id": f"{name}-legacy", "key_id": "k", "row": 3, "probability": 0.25, "label": 0, "features": {"x": 0}})
        pred[f"{name}-legacy.3"] = (iso(ts), 0.25)
        truth[f"{name}-legacy.3"] = 1
    # labels: most ids, arriving late (days after the window), in shuffled order
    ids = sorted(pred)
    chosen = [pid for pid in ids if rng.random() < label_share]
    seq = 0
    label_time = end + timedelta(days=2)
    latest = {}
    relabeled = set()
    order = list(chosen)
    rng.shuffle(order)
    for k, pid in enumerate(order):
        t = label_time + timedelta(seconds=k)
        if extras and k % 25 == 0:
            # first a wrong label, then the right one: the latest wins, both stored
            labels.append({"ts": iso(t), "model": "qm", "key_id": "k", "n": seq, "id": pid, "label": 1 - truth[pid]})
            seq += 1
            relabeled.add(pid)
        labels.append({"ts": iso(t), "model": "qm", "key_id": "k", "n": seq, "id": pid, "label": truth[pid]})
        seq += 1
        latest[pid] = truth[pid]
        if extras and k % 30 == 0:
            labels.append({"ts": iso(t + timedelta(hours=1)), "model": "qm", "key_id": "k", "n": seq, "id": pid, "label": truth[pid]})
            seq += 1
    unmatched = 0
    if extras:
        for i in range(25):
            labels.append({"ts": iso(label_time), "model": "qm", "key_id": "k", "n": seq, "id": f"{name}-never{i}", "label": i % 2})
            seq += 1
            unmatched += 1
        # labels for the other version's and the out-of-window predictions: matched (not unmatched), not judged
        for i in range(5):
            labels.append({"ts": iso(label_time), "model": "qm", "key_id": "k", "n": seq, "id": f"{name}-old{i}", "label": 1})
            seq += 1
            labels.append({"ts": iso(label_time), "model": "qm", "key_id": "k", "n": seq, "id": f"{name}-early{i}", "label": 0})
            seq += 1
    joined = sorted((pred[pid][1], latest[pid]) for pid in latest)
    jp = [a for a, _ in joined]
    jy = [b for _, b in joined]
    label_ids = len(latest) + (25 + 10 if extras else 0)
    return {
        "name": name,
        "window": {"start": iso(start), "end": iso(end)},
        "version": version,
        "captures": caps,
        "labels": labels,
        "expected": {
            "counts": {
                "predictions": len(pred),
                "labeled": len(latest),
                "otherVersions": [{"version": version - 1, "rows": 40}] if extras else [],
                "labelIds": label_ids,
                "unmatchedLabels": unmatched,
                "relabeledIds": len(relabeled),
                "repeatedIds": 10 if extras else 0,
            },
            "probability": jp,
            "label": jy,
            "metrics": metrics(jy, jp, 0.5),
        },
    }


t0 = datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc)
scenarios = [
    scenario("degraded", t0, 3, 900, 0.9, 0.85),
    scenario("clean", t0 + timedelta(days=1), 3, 900, 0.0, 0.85),
    scenario("sparse", t0 + timedelta(days=2), 3, 400, 0.0, 0.1, extras=False),
]

out = {
    "generator": f"scripts/quality-vectors.py (scikit-learn {sklearn.__version__}, numpy {np.__version__})",
    "seed": SEED,
    "metricCases": metric_cases,
    "scenarios": scenarios,
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "model-quality", "vectors.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {os.path.normpath(path)}: {len(metric_cases)} metric cases, {len(scenarios)} scenarios")
