#!/usr/bin/env python3
"""The drift bench's peer: Evidently's DataDriftPreset on the same reference and captured rows (Parquet files).

Usage: drift-evidently.py REFERENCE.parquet CURRENT.parquet NUMERIC,COLUMNS CATEGORICAL,COLUMNS
Prints one JSON object: load and run seconds, and per column the method and value Evidently reports.
Only a measuring stick: nothing of the product runs on it.
"""
import json
import sys
import time


def main():
    ref_path, cur_path, numeric, categorical = sys.argv[1:5]
    numeric = [c for c in numeric.split(",") if c]
    categorical = [c for c in categorical.split(",") if c]
    t0 = time.perf_counter()
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    t1 = time.perf_counter()
    ref = pd.read_parquet(ref_path)
    cur = pd.read_parquet(cur_path)
    t2 = time.perf_counter()
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    snapshot = Report([DataDriftPreset()]).run(
        Dataset.from_pandas(cur, data_definition=definition), Dataset.from_pandas(ref, data_definition=definition)
    )
    t3 = time.perf_counter()
    columns = {}
    for m in snapshot.dict()["metrics"]:
        cfg = m.get("config", {})
        if cfg.get("type", "").endswith("ValueDrift"):
            columns[cfg["column"]] = {"method": cfg.get("method"), "value": float(m["value"])}
    print(json.dumps({"importSeconds": t1 - t0, "loadSeconds": t2 - t1, "runSeconds": t3 - t2, "rows": {"reference": len(ref), "current": len(cur)}, "columns": columns}))


if __name__ == "__main__":
    main()
