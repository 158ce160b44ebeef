"""LightGBM peer of the training bench: trains on the exact rows bench/training.ts wrote, times it, writes predictions.

Input folder (written by bench/training.ts): job.json, train.x (float32, column-major), train.y (uint8 labels or
class indices, float64 regression targets: job.json's labelType), and one
<holdout>.x per holdout. Categorical columns hold dictionary codes as floats (NaN = missing), shared by all files.
Output: result.json with wall and CPU times per thread count, and <holdout>.<threads>.p per holdout (float64: P(label=1),
the predicted value, or K class probabilities per row, row-major).
"""
import json
import os
import sys
import time

import lightgbm as lgb
import numpy as np


def read_matrix(path, rows, cols):
    return np.fromfile(path, dtype=np.float32).reshape(cols, rows).T


def main(folder):
    with open(os.path.join(folder, "job.json")) as f:
        job = json.load(f)
    features = job["features"]
    cols = len(features)
    categorical = [i for i, feat in enumerate(features) if feat["type"] == "categorical"]
    x = read_matrix(os.path.join(folder, "train.x"), job["trainRows"], cols)
    y = np.fromfile(os.path.join(folder, "train.y"), dtype=job.get("labelType", "uint8")).astype(np.float64)
    holdouts = {h["name"]: read_matrix(os.path.join(folder, h["name"] + ".x"), h["rows"], cols) for h in job["holdouts"]}
    result = {"version": lgb.__version__, "runs": []}
    for threads in job["threads"]:
        params = dict(job["params"], num_threads=threads)
        t0 = time.perf_counter()
        ds = lgb.Dataset(x, label=y, categorical_feature=categorical, params=params, free_raw_data=False)
        ds.construct()
        t1 = time.perf_counter()
        c1 = time.process_time()
        booster = lgb.train(params, ds, num_boost_round=job["rounds"])
        t2 = time.perf_counter()
        c2 = time.process_time()
        for name, hx in holdouts.items():
            np.ascontiguousarray(booster.predict(hx, num_threads=threads), dtype=np.float64).tofile(os.path.join(folder, "%s.%d.p" % (name, threads)))
        result["runs"].append({"threads": threads, "constructSeconds": t1 - t0, "trainSeconds": t2 - t1, "trainCpuSeconds": c2 - c1})
    with open(os.path.join(folder, "result.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1])
