"""The trainPython activity: snapshot key in, the user's estimator trained, converted, checked, ONNX key out."""
from __future__ import annotations

import asyncio
import importlib
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from temporalio import activity
from temporalio.exceptions import ApplicationError

from . import convert
from .frames import SnapshotInvalid, load_split
from .store import ObjectMissing, Store, get_json, store_from_env

# Failure types (stable: the TypeScript workflow lists them as non-retryable and alerts on them).
TRAINER_NOT_FOUND = "PythonTrainerNotFound"
TRAINER_FAILED = "PythonTrainerFailed"
UNCONVERTIBLE = "OnnxConversionFailed"
DISAGREES = "OnnxParityFailed"

HEARTBEAT_SECONDS = 2.0
# every holdout row up to this many: a category first seen in the holdout must not break the graph
PARITY_ROWS = 50_000


@dataclass
class TrainPythonInput:
    snapshotKey: str
    spec: dict[str, Any]
    runPrefix: str


@dataclass
class TrainPythonResult:
    onnxKey: str
    trainer: str
    estimator: str
    trainRows: int
    holdoutRows: int
    seconds: float
    parity: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1
    libraries: dict[str, str] = field(default_factory=dict)


def _fail(message: str, type_: str, **details: Any) -> ApplicationError:
    return ApplicationError(message, details, type=type_, non_retryable=True)


def load_entry_point(entry: str):
    module_name, _, func_name = entry.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        raise _fail(f"trainer {entry}: module {err.name!r} not found (the Python worker's path: python/ and PYTHON_TRAINER_PATH)", TRAINER_NOT_FOUND, entry=entry) from err
    except Exception as err:
        raise _fail(f"trainer {entry}: importing {module_name} raised {type(err).__name__}: {err}", TRAINER_FAILED, entry=entry, traceback=_tail(err)) from err
    fn = getattr(module, func_name, None)
    if not callable(fn):
        raise _fail(f"trainer {entry}: module {module_name} has no function {func_name}", TRAINER_NOT_FOUND, entry=entry)
    return fn


def _tail(err: BaseException, lines: int = 12) -> str:
    return "".join(traceback.format_exception(err)[-lines:])


def _libraries() -> dict[str, str]:
    import onnx
    import sklearn
    import skl2onnx

    out = {"scikit-learn": sklearn.__version__, "skl2onnx": skl2onnx.__version__, "onnx": onnx.__version__}
    for name in ("lightgbm", "xgboost"):
        try:
            out[name] = importlib.import_module(name).__version__
        except ImportError:
            pass
    return out


def train_sync(store: Store, inp: TrainPythonInput, attempt: int = 1, on_stage=lambda _s: None) -> TrainPythonResult:
    spec = inp.spec
    trainer = spec.get("model", {}).get("trainer")
    if not isinstance(trainer, dict) or "python" not in trainer:
        raise _fail("the spec's model.trainer is not a Python entry point", "InvalidSpec")
    entry = trainer["python"]
    params = trainer.get("params") or {}
    features = spec["features"]
    task = spec["target"].get("task", "binary")
    target = spec["target"]["column"]
    fn = load_entry_point(entry)

    on_stage("reading the snapshot")
    try:
        data = load_split(str(store.fetch_file(inp.snapshotKey)), spec)
    except ObjectMissing as err:
        raise _fail(f"snapshot {inp.snapshotKey} is not in the store ({store.describe()})", "RunFileMissing", key=inp.snapshotKey) from err
    except SnapshotInvalid as err:
        raise _fail(f"snapshot {inp.snapshotKey}: {err}", "SnapshotInvalid") from err
    classes = None
    if task == "multiclass":
        try:
            classes = get_json(store, f"{inp.runPrefix}/manifest.json").get("classes")  # type: ignore[union-attr]
        except ObjectMissing:
            classes = None

    frame = data.train.copy()
    frame[target] = data.y_train
    on_stage(f"{entry} on {len(frame)} rows")
    started = time.monotonic()
    try:
        estimator = fn(frame, target, **_with_task(fn, params, task))
    except ApplicationError:
        raise
    except Exception as err:
        raise _fail(f"trainer {entry} raised {type(err).__name__}: {err}", TRAINER_FAILED, entry=entry, traceback=_tail(err)) from err
    seconds = time.monotonic() - started
    if estimator is None or not hasattr(estimator, "predict"):
        raise _fail(f"trainer {entry} returned {type(estimator).__name__}, not a fitted estimator (it needs predict)", TRAINER_FAILED, entry=entry)

    on_stage("converting to ONNX")
    try:
        onnx_bytes = convert.to_onnx(estimator, features, task, classes=classes, metadata={"trainer": entry, "model_name": spec["name"]})
    except convert.ConversionError as err:
        raise _fail(f"trainer {entry}: {err}", UNCONVERTIBLE, entry=entry, part=err.part) from err

    on_stage("checking ONNX against the estimator on the holdout")
    rows = data.holdout.iloc[:PARITY_ROWS]
    try:
        check = convert.parity(estimator, onnx_bytes, rows, features, task)
    except Exception as err:
        raise _fail(f"trainer {entry}: the ONNX graph does not run on the holdout: {type(err).__name__}: {err}", UNCONVERTIBLE, entry=entry, part="graph") from err
    try:
        convert.onnx_predict(onnx_bytes, convert.unseen_rows(features), features, task)
    except Exception as err:
        raise _fail(
            f"trainer {entry}: the ONNX graph fails on a category it has not seen or a missing value ({type(err).__name__}: {err}); "
            "serving would fail on such rows: encode unknown categories (e.g. OneHotEncoder(handle_unknown='ignore'), OrdinalEncoder(handle_unknown='use_encoded_value'))",
            UNCONVERTIBLE,
            entry=entry,
            part="unseen categories",
        ) from err
    if not check["ok"]:
        part = convert.disagreeing_part(estimator, rows, features)
        raise _fail(
            f"trainer {entry}: the ONNX graph disagrees with the estimator on the holdout (max |difference| {check['maxAbsDiff']:.3g} over {check['rows']} rows, limit 1e-5); "
            f"the part that did not convert faithfully: {part}",
            DISAGREES,
            entry=entry,
            part=part,
            **check,
        )
    onnx_key = f"{inp.runPrefix}/model.onnx"
    store.put(onnx_key, onnx_bytes)
    return TrainPythonResult(
        onnxKey=onnx_key,
        trainer=entry,
        estimator=_describe(estimator),
        trainRows=len(data.train),
        holdoutRows=len(data.holdout),
        seconds=round(seconds, 3),
        parity={"rows": check["rows"], "maxAbsDiff": check["maxAbsDiff"], "ok": check["ok"]},
        attempt=attempt,
        libraries=_libraries(),
    )


def _describe(estimator) -> str:
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        return " > ".join(type(e).__name__ for _, e in estimator.steps if e not in (None, "passthrough"))
    return type(estimator).__name__


@activity.defn(name="trainPython")
async def train_python(inp: TrainPythonInput) -> TrainPythonResult:
    """Runs the user's code in a thread and heartbeats meanwhile, so a lost worker is noticed within the heartbeat timeout."""
    info = activity.info()
    stage = {"now": "starting"}
    store = store_from_env()
    task = asyncio.ensure_future(asyncio.to_thread(train_sync, store, inp, info.attempt, lambda s: stage.__setitem__("now", s)))
    while True:
        done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_SECONDS)
        if done:
            return task.result()
        activity.heartbeat(stage["now"])


__all__ = ["train_python", "train_sync", "TrainPythonInput", "TrainPythonResult"]


def _with_task(fn, params: dict[str, Any], task: str) -> dict[str, Any]:
    """Passes `task` (binary, multiclass, regression) to functions that take it, unless the spec's params set it."""
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return params
    takes = "task" in sig.parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
    return {"task": task, **params} if takes and "task" not in params else params
