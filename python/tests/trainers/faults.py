"""Trainers that fail on purpose, for the fault tests: raising, unconvertible, ONNX that disagrees, and slow (to be killed)."""
from __future__ import annotations

import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from examples.trainers import sklearn_hgb


def _encode(X):
    categorical = [c for c in X.columns if X[c].dtype == object]
    numeric = [c for c in X.columns if c not in categorical]
    return ColumnTransformer(
        [
            ("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float32), categorical),
            ("numeric", "passthrough", numeric),
        ]
    )


def raising(frame, target, **params):
    raise ValueError("the user's code failed on purpose (column 'nope' not found)")


class NearestMean(ClassifierMixin, BaseEstimator):
    """A classifier no ONNX converter knows."""

    def fit(self, X, y):
        X = np.nan_to_num(np.asarray(X, dtype=np.float64))
        self.classes_ = np.unique(y)
        self.means_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict_proba(self, X):
        X = np.nan_to_num(np.asarray(X, dtype=np.float64))
        d = -((X[:, None, :] - self.means_[None]) ** 2).sum(axis=2)
        e = np.exp(d - d.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def unconvertible(frame, target, **params):
    X = frame.drop(columns=[target])
    return Pipeline([("encode", _encode(X)), ("model", NearestMean())]).fit(X, frame[target])


class Shift(TransformerMixin, BaseEstimator):
    """The identity in scikit-learn; its ONNX converter (below) adds 0.5, so the graph disagrees with the estimator."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X, dtype=np.float32)


def _shift_shape(operator):
    operator.outputs[0].type = operator.inputs[0].type.__class__([None, operator.inputs[0].get_second_dimension()])


def _shift_convert(scope, operator, container):
    from skl2onnx.algebra.onnx_ops import OnnxAdd

    OnnxAdd(operator.inputs[0], np.array([0.5], dtype=np.float32), op_version=container.target_opset, output_names=operator.outputs[:1]).add_to(scope, container)


def disagreeing(frame, target, **params):
    from skl2onnx import update_registered_converter

    update_registered_converter(Shift, "TestShift", _shift_shape, _shift_convert)
    X = frame.drop(columns=[target])
    model = Pipeline([("encode", _encode(X)), ("shift", Shift()), ("model", HistGradientBoostingClassifier(max_iter=30, random_state=0))])
    return model.fit(X, frame[target])


def slow(frame, target, seconds=10.0, **params):
    """Sleeps, then trains the shipped example: long enough for a test to SIGKILL the worker mid-training."""
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        time.sleep(0.1)
    return sklearn_hgb.fit(frame, target, **params)
