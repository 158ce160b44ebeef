#!/usr/bin/env python3
"""The drift bench's peer: Evidently's DataDriftPreset on the same reference rows and the same captured rows.

Usage: drift-evidently.py REFERENCE.parquet NUMERIC,COLUMNS CATEGORICAL,COLUMNS CAPTURE.jsonl [CAPTURE.jsonl ...]
The capture files are the prediction service's JSONL (features under "features"), read with pyarrow's multi-threaded
JSON reader, the fastest reader Python has for them. Prints one JSON object: wall and CPU seconds for loading and for
the run, and per column the method and value Evidently reports. Only a measuring stick: nothing of the product runs on it.
"""
import json
import sys
import time


def main():
    ref_path, numeric, categorical, *captures = sys.argv[1:]
    numeric = [c for c in numeric.split(",") if c]
    categorical = [c for c in categorical.split(",") if c]
    t0 = time.perf_counter()
    import pandas as pd
    import pyarrow as pa
    import pyarrow.json as pj
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    t1, c1 = time.perf_counter(), time.process_time()
    ref = pd.read_parquet(ref_path)
    tables = [pj.read_json(f).column("features").combine_chunks() for f in captures]
    features = pa.concat_arrays(tables).flatten()
    cur = pd.DataFrame({name: features[i].to_numpy(zero_copy_only=False) for i, name in enumerate(pa.concat_arrays(tables).type.names)})
    for c in numeric:
        cur[c] = cur[c].astype("float64")
    cur = cur[numeric + categorical]
    t2, c2 = time.perf_counter(), time.process_time()
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    snapshot = Report([DataDriftPreset()]).run(
        Dataset.from_pandas(cur, data_definition=definition), Dataset.from_pandas(ref, data_definition=definition)
    )
    t3, c3 = time.perf_counter(), time.process_time()
    columns = {}
    for m in snapshot.dict()["metrics"]:
        cfg = m.get("config", {})
        if cfg.get("type", "").endswith("ValueDrift"):
            columns[cfg["column"]] = {"method": cfg.get("method"), "value": float(m["value"])}
    print(json.dumps({
        "importSeconds": t1 - t0,
        "loadSeconds": t2 - t1, "loadCpuSeconds": c2 - c1,
        "runSeconds": t3 - t2, "runCpuSeconds": c3 - c2,
        "rows": {"reference": len(ref), "current": len(cur)},
        "columns": columns,
    }))


if __name__ == "__main__":
    main()
