#!/usr/bin/env python3
"""Writes test/model/task-metric-vectors.json: scikit-learn/NumPy reference values for the regression and multiclass metrics.

Run: python3 -m venv .venv && .venv/bin/pip install scikit-learn && .venv/bin/python scripts/task-metric-vectors.py

Regression: root_mean_squared_error, mean_absolute_error, r2_score (force_finite), residual mean/std (ddof 0) and
numpy.percentile quantiles, and the predicted-against-actual table (rows sorted by prediction, stable, cut with
numpy.array_split into 10 bins).
Multiclass: log_loss, accuracy_score of the argmax (first on ties, numpy.argmax), f1_score macro, confusion_matrix,
precision_recall_fscore_support per class (zero_division=0, labels=all classes), one-vs-rest roc_auc_score per class
and its macro mean (roc_auc_score multi_class="ovr" when every class occurs and there are more than 2; the mean of
the defined per-class AUCs otherwise, which is what "ovr" macro averages). Values stay full doubles: JSON round-trips them exactly in both languages.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    log_loss,
    mean_absolute_error,
    precision_recall_fscore_support,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)

SEED = 20261207
rng = np.random.default_rng(SEED)


def regression_expected(y, p):
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    r = y - p
    order = np.argsort(p, kind="stable")
    bins = []
    for part in np.array_split(order, min(10, len(y))):
        bins.append({
            "count": int(len(part)),
            "minPredicted": float(p[part].min()),
            "maxPredicted": float(p[part].max()),
            "meanPredicted": float(p[part].mean()),
            "meanActual": float(y[part].mean()),
        })
    return {
        "rows": len(y),
        "rmse": float(root_mean_squared_error(y, p)),
        "mae": float(mean_absolute_error(y, p)),
        "r2": float(r2_score(y, p)),
        "meanTarget": float(y.mean()),
        "meanPrediction": float(p.mean()),
        "residuals": {
            "mean": float(r.mean()),
            "std": float(r.std()),
            "quantiles": {f"p{q}": float(np.percentile(r, q)) for q in (5, 25, 50, 75, 95)},
        },
        "bins": bins,
    }


def multiclass_expected(y, P):
    y = np.asarray(y, dtype=int)
    P = np.asarray(P, dtype=float)
    k = P.shape[1]
    labels = list(range(k))
    pred = np.argmax(P, axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    aucs = []
    for c in labels:
        yc = (y == c).astype(int)
        aucs.append(float(roc_auc_score(yc, P[:, c])) if 0 < yc.sum() < len(y) else None)
    if k > 2 and all(a is not None for a in aucs):
        macro_auc = float(roc_auc_score(y, P, multi_class="ovr", average="macro", labels=labels))
    else:
        defined = [a for a in aucs if a is not None]
        macro_auc = float(np.mean(defined)) if defined else None
    cm = confusion_matrix(y, pred, labels=labels)
    return {
        "rows": len(y),
        "logLoss": float(log_loss(y, P, labels=labels)),
        "accuracy": float(accuracy_score(y, pred)),
        "macroF1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
        "macroAuc": macro_auc,
        "confusion": cm.tolist(),
        "perClass": [
            {
                "support": int(support[c]),
                "predicted": int(cm[:, c].sum()),
                "precision": float(precision[c]),
                "recall": float(recall[c]),
                "f1": float(f1[c]),
                "auc": aucs[c],
                "meanProbability": float(P[:, c].mean()),
            }
            for c in labels
        ],
    }


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


regression_cases = []
x = rng.normal(size=500)
y = 3 * x + 1 + rng.normal(scale=0.7, size=500)
regression_cases.append({"name": "linear", "target": y.tolist(), "prediction": (3.1 * x + 0.9).tolist()})
# 23 rows (bins of 3 and 2) with tied predictions across bin edges and integer targets
y = rng.integers(0, 40, size=23).astype(float)
p = np.round(y / 10 + rng.normal(scale=0.8, size=23)) * 10
regression_cases.append({"name": "ties", "target": y.tolist(), "prediction": p.tolist()})
# a constant target: r2_score's force_finite gives 0 for an imperfect fit
regression_cases.append({"name": "constant-target", "target": [2.5] * 7, "prediction": [2.0, 2.5, 3.0, 2.5, 1.0, 2.5, 2.6]})
for c in regression_cases:
    c["expected"] = regression_expected(c["target"], c["prediction"])

multiclass_cases = []
# three classes, logits from a noisy linear model, quantised so many rows tie
n, k = 600, 3
z = rng.normal(size=(n, k))
y = np.array([rng.choice(k, p=row) for row in softmax(z * 1.5)])
P = softmax(np.round(z * 2) / 2)
multiclass_cases.append({"name": "three-classes", "classes": ["Adelie", "Chinstrap", "Gentoo"], "label": y.tolist(), "probability": P.tolist()})
# four classes, class 2 never occurs; some probabilities exactly 0 (log loss clipping) and exact argmax ties
n, k = 200, 4
z = rng.normal(size=(n, k))
y = rng.choice([0, 1, 3], size=n, p=[0.5, 0.3, 0.2])
P = softmax(z)
P[:5] = [[0.4, 0.4, 0.2, 0.0]] * 5
P[5:8] = [[0.0, 0.5, 0.0, 0.5]] * 3
P[8] = [1.0, 0.0, 0.0, 0.0]
y[8] = 1
multiclass_cases.append({"name": "absent-class", "classes": [1, 2, 3, 4], "label": y.tolist(), "probability": P.tolist()})
# two classes given as booleans (a multiclass model over a boolean column)
n, k = 150, 2
z = rng.normal(size=(n, k))
y = np.array([rng.choice(k, p=row) for row in softmax(z)])
multiclass_cases.append({"name": "two-classes", "classes": [False, True], "label": y.tolist(), "probability": softmax(z).tolist()})
for c in multiclass_cases:
    c["expected"] = multiclass_expected(c["label"], c["probability"])
    c["probability"] = [v for row in c["probability"] for v in row]  # row-major, as the models output it

out = {
    "generator": f"scripts/task-metric-vectors.py (scikit-learn {sklearn.__version__}, numpy {np.__version__})",
    "seed": SEED,
    "regression": regression_cases,
    "multiclass": multiclass_cases,
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "model", "task-metric-vectors.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {os.path.normpath(path)}: {len(regression_cases)} regression and {len(multiclass_cases)} multiclass cases")
