"""Example trainer: LightGBM behind an OrdinalEncoder for the categorical columns (converted by onnxmltools' LightGBM converter)."""
from __future__ import annotations

import numpy as np
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder


def fit(frame, target, task="binary", n_estimators=100, learning_rate=0.1, num_leaves=31, seed=0):
    X = frame.drop(columns=[target])
    categorical = [c for c in X.columns if X[c].dtype == object]
    numeric = [c for c in X.columns if c not in categorical]
    encode = ColumnTransformer(
        [
            ("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float32), categorical),
            ("numeric", "passthrough", numeric),
        ]
    )
    Model = LGBMRegressor if task == "regression" else LGBMClassifier
    model = Model(n_estimators=n_estimators, learning_rate=learning_rate, num_leaves=num_leaves, random_state=seed, n_jobs=1, verbose=-1)
    return Pipeline([("encode", encode), ("model", model)]).fit(X, frame[target])
