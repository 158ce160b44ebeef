"""A fitted scikit-learn / LightGBM / XGBoost estimator to ONNX in the project's input and output convention.

Inputs: one [N,1] tensor per feature named as onnxInputName (src/model/onnx-export.ts): float for numeric, string for
categorical. Outputs: classifiers `label` (int64) + `probabilities` [N,K]; regressors `variable` [N,1].
"""
from __future__ import annotations

import json

import numpy as np
import onnx
import pandas as pd
from onnx import helper

LABEL_OUTPUT = "label"
PROBABILITY_OUTPUT = "probabilities"
VARIABLE_OUTPUT = "variable"
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}


class ConversionError(Exception):
    """The estimator, or one part of it (named in the message), has no ONNX converter or converted wrongly."""

    def __init__(self, message: str, part: str):
        super().__init__(message)
        self.part = part


def onnx_input_name(feature: str) -> str:
    # the same rule as onnxInputName in src/model/onnx-export.ts: no input may take an output's name
    return f"__input_{feature}" if feature in (LABEL_OUTPUT, PROBABILITY_OUTPUT, VARIABLE_OUTPUT) or feature.startswith("__") else feature


_registered = False


def _register_boosters() -> None:
    """LightGBM and XGBoost inside scikit-learn pipelines: skl2onnx with onnxmltools' converters (their documented recipe)."""
    global _registered
    if _registered:
        return
    _registered = True
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes, calculate_linear_regressor_output_shapes

    try:
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

        update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier", calculate_linear_classifier_output_shapes, convert_lightgbm, options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
        update_registered_converter(LGBMRegressor, "LightGbmLGBMRegressor", calculate_linear_regressor_output_shapes, convert_lightgbm, options={"split": None})
    except ImportError:
        pass
    try:
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor

        update_registered_converter(XGBClassifier, "XGBoostXGBClassifier", calculate_linear_classifier_output_shapes, convert_xgboost, options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
        update_registered_converter(XGBRegressor, "XGBoostXGBRegressor", calculate_linear_regressor_output_shapes, convert_xgboost)
    except ImportError:
        pass


def _parts(estimator, path: str = ""):
    """Every (name, estimator) inside pipelines and column transformers, outermost first."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    name = path or type(estimator).__name__
    yield name, estimator
    if isinstance(estimator, Pipeline):
        for step, est in estimator.steps:
            if est not in (None, "passthrough"):
                yield from _parts(est, f"{name} > step '{step}' ({type(est).__name__})")
    elif isinstance(estimator, ColumnTransformer):
        for tname, est, _cols in estimator.transformers_:
            if est not in ("drop", "passthrough") and est is not None:
                yield from _parts(est, f"{name} > transformer '{tname}' ({type(est).__name__})")


def unconvertible_part(estimator) -> str | None:
    """The first part without a registered skl2onnx converter, named by its place in the pipeline."""
    from skl2onnx._supported_operators import sklearn_operator_name_map

    for name, est in _parts(estimator):
        if type(est) not in sklearn_operator_name_map:
            return name
    return None


def _floor32(value: float) -> float:
    """The largest float32 <= value: for any float32 x, `x <= value` exactly when `x <= _floor32(value)`."""
    with np.errstate(over="ignore"):
        f = np.float32(value)
    if float(f) > value:
        f = np.nextafter(f, np.float32(-np.inf))
    return float(f)


def _lightgbm_thresholds_float32(model_text: str) -> tuple[str, int]:
    """A LightGBM model's text with every numerical split threshold rounded down to a float32, and how many changed.

    LightGBM keeps thresholds as doubles and compares `double(x) <= threshold`; ONNX's TreeEnsemble stores them as
    float32, rounded to nearest. A threshold between two adjacent float32s (LightGBM puts them between the training
    values it saw) that rounds up to the next one sends an input equal to that float32 left in ONNX and right in
    LightGBM (seen on penguins: Beak Length 41.7, threshold 41.699998855, float32 41.700000763). Rounding down instead
    keeps every float32 input on LightGBM's side, so the rewritten booster predicts exactly as the trained one on the
    float32 rows the worker gives it, and its graph agrees. Categorical splits (decision_type bit 0) hold category
    indices, not thresholds: left alone.
    """
    # tree_sizes (byte lengths of the tree blocks, for parallel loading) go stale with new numbers: LightGBM then
    # reads the trees one after another, as it does for model files without the line
    lines = [line for line in model_text.split("\n") if not line.startswith("tree_sizes=")]
    changed = 0
    threshold_line: int | None = None
    for i, line in enumerate(lines):
        if line.startswith("Tree="):
            threshold_line = None
        elif line.startswith("threshold="):
            threshold_line = i
        elif line.startswith("decision_type=") and threshold_line is not None:
            kinds = [int(k) for k in line[len("decision_type=") :].split()]
            values = lines[threshold_line][len("threshold=") :].split()
            if len(kinds) != len(values):
                raise ConversionError(f"LightGBM model text: {len(values)} thresholds for {len(kinds)} decision types", "LightGBM booster")
            out = []
            for kind, text in zip(kinds, values):
                if kind & 1:
                    out.append(text)
                    continue
                value = float(text)
                lowered = _floor32(value)
                changed += lowered != value
                out.append(repr(lowered))
            lines[threshold_line] = "threshold=" + " ".join(out)
            threshold_line = None
    return "\n".join(lines), changed


def _floor32_array(values: np.ndarray) -> np.ndarray:
    """_floor32 of each value, as float64."""
    with np.errstate(over="ignore"):
        f = values.astype(np.float32)
    up = f.astype(np.float64) > values
    f[up] = np.nextafter(f[up], np.float32(-np.inf))
    return f.astype(np.float64)


def _float32_safe_trees(estimator):
    """A copy of the estimator whose LightGBM and HistGradientBoosting trees split on float32 thresholds.

    Both keep double thresholds and skl2onnx/onnxmltools round them to the nearest float32 (see
    _lightgbm_thresholds_float32); rounded down instead, the copy predicts exactly as the estimator on float32 rows.
    The parity check still compares the graph with the estimator as trained.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    try:
        from lightgbm import Booster, LGBMModel
    except ImportError:  # the worker runs without LightGBM too
        Booster = LGBMModel = None
    kinds = (HistGradientBoostingClassifier, HistGradientBoostingRegressor) + ((LGBMModel,) if LGBMModel else ())
    if not any(isinstance(est, kinds) for _name, est in _parts(estimator)):
        return estimator
    import copy

    safe = copy.deepcopy(estimator)
    for _name, est in _parts(safe):
        if LGBMModel is not None and isinstance(est, LGBMModel):
            text, _changed = _lightgbm_thresholds_float32(est.booster_.model_to_string())
            est._Booster = Booster(model_str=text)
        elif isinstance(est, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)):
            for iteration in est._predictors:
                for predictor in iteration:
                    nodes = predictor.nodes
                    split = ~nodes["is_leaf"].astype(bool) & ~nodes["is_categorical"].astype(bool)
                    nodes["num_threshold"][split] = _floor32_array(nodes["num_threshold"][split])
    return safe


def _is_column_pipeline(estimator) -> bool:
    """Does the estimator take named columns (a ColumnTransformer first), or one numeric matrix?"""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, ColumnTransformer):
        return True
    return isinstance(estimator, Pipeline) and isinstance(estimator.steps[0][1], ColumnTransformer)


def to_onnx(estimator, features: list[dict], task: str, *, classes: list | None = None, metadata: dict[str, str] | None = None) -> bytes:
    _register_boosters()
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    part = unconvertible_part(estimator)
    if part is not None:
        raise ConversionError(f"no ONNX converter for {part}: use scikit-learn, LightGBM or XGBoost parts (skl2onnx/onnxmltools support them)", part)
    # the parity check compares the graph with the estimator as trained, not with this float32-safe copy
    converted = _float32_safe_trees(estimator)
    options = {id(converted): {"zipmap": False}} if task != "regression" else None
    if _is_column_pipeline(estimator):
        inputs = [(f["name"], FloatTensorType([None, 1]) if f["type"] == "numeric" else StringTensorType([None, 1])) for f in features]
        concat = False
    else:
        categorical = [f["name"] for f in features if f["type"] != "numeric"]
        if categorical:
            raise ConversionError(
                f"{type(estimator).__name__} takes one numeric matrix, but {', '.join(categorical)} are categorical: "
                "return a Pipeline whose first step is a ColumnTransformer that encodes them",
                type(estimator).__name__,
            )
        inputs = [("__features", FloatTensorType([None, len(features)]))]
        concat = True
    try:
        model = convert_sklearn(converted, initial_types=inputs, options=options, target_opset=TARGET_OPSET)
    except Exception as err:  # the converters raise RuntimeError, NotImplementedError, TypeError...
        raise ConversionError(f"converting {type(estimator).__name__} to ONNX failed: {type(err).__name__}: {err}", type(estimator).__name__) from err
    graph = model.graph
    if concat:
        names = [onnx_input_name(f["name"]) for f in features]
        del graph.input[:]
        graph.input.extend(helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, ["N", 1]) for n in names)
        graph.node.insert(0, helper.make_node("Concat", names, ["__features"], axis=1, name="concat_features"))
    else:
        # skl2onnx makes names like "Beak Length (mm)" into identifiers; the inputs keep the initial types' order
        if len(graph.input) != len(features):
            raise ConversionError(f"the ONNX graph has {len(graph.input)} inputs for {len(features)} features", "inputs")
        _rename_inputs(graph, {i.name: onnx_input_name(f["name"]) for i, f in zip(graph.input, features)})
    _name_outputs(graph, task)
    props = {"model_task": task, "model_kind": f"python:{type(estimator).__name__}", "features": json.dumps([{"name": f["name"], "type": f["type"]} for f in features])}
    if task == "multiclass" and classes is not None:
        props["classes"] = json.dumps(classes)
    props.update(metadata or {})
    del model.metadata_props[:]
    for k, v in props.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _rename_inputs(graph, renames: dict[str, str]) -> None:
    renames = {a: b for a, b in renames.items() if a != b}
    if not renames:
        return
    for i in graph.input:
        i.name = renames.get(i.name, i.name)
    for node in graph.node:
        for k, name in enumerate(node.input):
            if name in renames:
                node.input[k] = renames[name]


def _name_outputs(graph, task: str) -> None:
    """skl2onnx names outputs `label`/`probabilities`/`variable` already; a converter that did not is renamed by position."""
    want = [VARIABLE_OUTPUT] if task == "regression" else [LABEL_OUTPUT, PROBABILITY_OUTPUT]
    have = [o.name for o in graph.output]
    if have[: len(want)] == want and len(have) == len(want):
        return
    if len(have) != len(want):
        raise ConversionError(f"the ONNX graph has outputs {have}, a {task} model needs {want}", "outputs")
    renames = dict(zip(have, want))
    for o in graph.output:
        o.name = renames[o.name]
    for node in graph.node:
        for k, name in enumerate(node.output):
            if name in renames:
                node.output[k] = renames[name]


def onnx_predict(onnx_bytes: bytes, X: pd.DataFrame, features: list[dict], task: str) -> np.ndarray:
    """The graph's answer per row: P(class) [N,K] for classifiers, the value [N] for regression."""
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    feeds = {}
    for f in features:
        col = X[f["name"]]
        feeds[onnx_input_name(f["name"])] = (
            col.to_numpy(dtype=np.float32).reshape(-1, 1) if f["type"] == "numeric" else col.to_numpy(dtype=object).astype(str).reshape(-1, 1)
        )
    out = session.run([VARIABLE_OUTPUT if task == "regression" else PROBABILITY_OUTPUT], feeds)[0]
    return np.asarray(out, dtype=np.float64).reshape(len(X), -1) if task != "regression" else np.asarray(out, dtype=np.float64).reshape(-1)


def unseen_rows(features: list[dict]) -> pd.DataFrame:
    """Rows as serving may send them: a never-seen category, a missing category (''), a missing number (NaN)."""
    return pd.DataFrame(
        {f["name"]: (np.array([np.nan, 0.0], dtype=np.float32) if f["type"] == "numeric" else np.array(["\u2400never-seen", ""], dtype=object)) for f in features}
    )


def estimator_predict(estimator, X: pd.DataFrame, features: list[dict], task: str) -> np.ndarray:
    if not _is_column_pipeline(estimator):
        X = X[[f["name"] for f in features]].to_numpy(dtype=np.float32)
    if task == "regression":
        return np.asarray(estimator.predict(X), dtype=np.float64).reshape(-1)
    return np.asarray(estimator.predict_proba(X), dtype=np.float64)


def parity(estimator, onnx_bytes: bytes, X: pd.DataFrame, features: list[dict], task: str, tolerance: float = 1e-5) -> dict:
    """Max |ONNX - estimator| over the rows; for regression relative to the value's size past 1 (float32 outputs)."""
    want = estimator_predict(estimator, X, features, task)
    got = onnx_predict(onnx_bytes, X, features, task)
    if want.shape != got.shape:
        return {"rows": len(X), "maxAbsDiff": float("inf"), "ok": False, "shape": [list(want.shape), list(got.shape)]}
    diff = np.abs(want - got)
    both_nan = np.isnan(want) & np.isnan(got)
    diff = np.where(both_nan, 0.0, np.where(np.isnan(diff), np.inf, diff))
    scale = np.maximum(1.0, np.abs(want)) if task == "regression" else 1.0
    max_diff = float(diff.max()) if diff.size else 0.0
    ok = bool((diff <= tolerance * scale).all())
    return {"rows": len(X), "maxAbsDiff": max_diff, "ok": ok}


def disagreeing_part(estimator, X: pd.DataFrame, features: list[dict], tolerance: float = 1e-5) -> str:
    """Which part of a pipeline made the ONNX graph disagree: the preprocessing (compared alone) or the final estimator."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType
    from sklearn.pipeline import Pipeline
    import onnxruntime as ort

    if not isinstance(estimator, Pipeline) or len(estimator.steps) < 2:
        return type(estimator).__name__
    for k in range(1, len(estimator.steps)):
        head = estimator[:k]
        try:
            if _is_column_pipeline(estimator):
                inputs = [(f["name"], FloatTensorType([None, 1]) if f["type"] == "numeric" else StringTensorType([None, 1])) for f in features]
                feeds = {
                    f["name"]: X[f["name"]].to_numpy(dtype=np.float32).reshape(-1, 1) if f["type"] == "numeric" else X[f["name"]].to_numpy(dtype=object).astype(str).reshape(-1, 1)
                    for f in features
                }
                data = X
            else:
                inputs = [("__features", FloatTensorType([None, len(features)]))]
                data = X[[f["name"] for f in features]].to_numpy(dtype=np.float32)
                feeds = {"__features": data}
            model = convert_sklearn(head, initial_types=inputs, target_opset=TARGET_OPSET)
            # graph inputs follow the initial types' order (their names may have been made into identifiers)
            feeds = dict(zip((i.name for i in model.graph.input), feeds.values()))
            got = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
            want = head.transform(data)
            want = want.toarray() if hasattr(want, "toarray") else np.asarray(want)
            if want.shape != got.shape or not np.allclose(np.asarray(want, dtype=np.float64), np.asarray(got, dtype=np.float64), atol=tolerance, equal_nan=True):
                name, est = estimator.steps[k - 1]
                return f"Pipeline > step '{name}' ({type(est).__name__})"
        except Exception:
            name, est = estimator.steps[k - 1]
            return f"Pipeline > step '{name}' ({type(est).__name__})"
    name, est = estimator.steps[-1]
    return f"Pipeline > step '{name}' ({type(est).__name__})"
