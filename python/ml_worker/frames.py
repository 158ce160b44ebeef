"""Reads a run's snapshot into pandas and splits it into train and holdout exactly as src/data/load-frame.ts does."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROW_COLUMN = "__row"
LABEL_COLUMN = "__label"
_MASK = 0xFFFFFFFF


def mix32(rows: np.ndarray, seed: int) -> np.ndarray:
    """murmur3's finalizer over row + seed offset, the same 32-bit mix as `mix32` in src/data/source.ts."""
    offset = (int(seed) * 0x9E3779B9) & _MASK
    x = (rows.astype(np.uint64) + np.uint64(offset)) & np.uint64(_MASK)
    x = x ^ (x >> np.uint64(16))
    x = (x * np.uint64(0x85EBCA6B)) & np.uint64(_MASK)
    x = x ^ (x >> np.uint64(13))
    x = (x * np.uint64(0xC2B2AE35)) & np.uint64(_MASK)
    return x ^ (x >> np.uint64(16))


def random_holdout(rows: np.ndarray, seed: int, share: float) -> np.ndarray:
    return mix32(rows, seed).astype(np.float64) / 4294967296.0 < share


def time_holdout(values: pd.Series, holdout_from: str) -> np.ndarray:
    """Rows at or after the instant; NULL times land in train (DuckDB's coalesce(t >= boundary, false))."""
    times = pd.to_datetime(values)
    boundary = pd.Timestamp(holdout_from)
    # DuckDB's session is UTC: a boundary without an offset is UTC wall time
    boundary = boundary.tz_localize("UTC") if boundary.tzinfo is None else boundary.tz_convert("UTC")
    if getattr(times.dt, "tz", None) is None:
        boundary = boundary.tz_localize(None)
    return (times >= boundary).fillna(False).to_numpy(dtype=bool)


def _as_text(series: pd.Series) -> pd.Series:
    """A categorical column as the model sees it: DuckDB's VARCHAR cast of each value, '' for NULL (frameToModelInput)."""
    if pd.api.types.is_bool_dtype(series):
        text = series.map(lambda v: "true" if v else "false")
    elif pd.api.types.is_float_dtype(series):
        text = series.map(lambda v: repr(float(v)) if pd.notna(v) else None)
    else:
        text = series.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return text.where(series.notna(), "").astype(object)


@dataclass
class SplitData:
    """Feature frames (spec names, float32 / str), targets (0/1 or class index; float for regression)."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    y_train: np.ndarray
    y_holdout: np.ndarray


class SnapshotInvalid(Exception):
    pass


def load_split(snapshot_file: str, spec: dict) -> SplitData:
    features = spec["features"]
    split = spec.get("split") or {"kind": "random", "holdout": 0.2, "seed": 42}
    names = [f["name"] for f in features]
    wanted = [ROW_COLUMN, LABEL_COLUMN, *names] + ([split["column"]] if split["kind"] == "time" else [])
    schema = pq.read_schema(snapshot_file)
    missing = [c for c in dict.fromkeys(wanted) if c not in schema.names]
    if missing:
        raise SnapshotInvalid(f"snapshot lacks column(s) {', '.join(missing)}; it was made from another spec, re-run ingest")
    table = pq.read_table(snapshot_file, columns=list(dict.fromkeys(wanted)))
    df = table.to_pandas()
    X = pd.DataFrame(index=df.index)
    for f in features:
        col = df[f["name"]]
        X[f["name"]] = pd.to_numeric(col, errors="coerce").astype(np.float32) if f["type"] == "numeric" else _as_text(col)
    task = spec["target"].get("task", "binary")
    y = df[LABEL_COLUMN].to_numpy(dtype=np.float64 if task == "regression" else np.int64)
    if split["kind"] == "random":
        hold = random_holdout(df[ROW_COLUMN].to_numpy(dtype=np.int64), split.get("seed", 42), split.get("holdout", 0.2))
    else:
        hold = time_holdout(df[split["column"]], split["holdoutFrom"])
    if hold.all() or not hold.any():
        raise SnapshotInvalid("the split leaves the training rows or the holdout empty")
    return SplitData(
        train=X[~hold].reset_index(drop=True),
        holdout=X[hold].reset_index(drop=True),
        y_train=y[~hold],
        y_holdout=y[hold],
    )
