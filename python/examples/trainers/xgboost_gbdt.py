"""Example trainer: XGBoost behind a one-hot encoding of the categorical columns (converted by onnxmltools' XGBoost converter)."""
from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from xgboost import XGBClassifier, XGBRegressor


def fit(frame, target, task="binary", n_estimators=100, learning_rate=0.1, max_depth=6, seed=0):
    X = frame.drop(columns=[target])
    categorical = [c for c in X.columns if X[c].dtype == object]
    numeric = [c for c in X.columns if c not in categorical]
    # dense output (the converters take dense tensors); unseen categories encode as all zeros, in ONNX too
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float32), categorical),
            ("numeric", "passthrough", numeric),
        ]
    )
    Model = XGBRegressor if task == "regression" else XGBClassifier
    model = Model(n_estimators=n_estimators, learning_rate=learning_rate, max_depth=max_depth, random_state=seed, n_jobs=1, tree_method="hist")
    return Pipeline([("encode", encode), ("model", model)]).fit(X, frame[target])
