"""Example trainer: scikit-learn's HistGradientBoosting behind an OrdinalEncoder for the categorical columns.

The worker calls fit(frame, target, **params): `frame` holds the spec's features (numeric as float32, categorical as
str, '' for missing) and the target column (0/1 for binary, the class index for multiclass, the value for regression).
"""
from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder


def fit(frame, target, task="binary", max_iter=100, learning_rate=0.1, max_depth=6, seed=0):
    X = frame.drop(columns=[target])
    categorical = [c for c in X.columns if X[c].dtype == object]
    numeric = [c for c in X.columns if c not in categorical]
    # unseen or missing categories become -1, which HistGradientBoosting treats as missing
    encode = ColumnTransformer(
        [
            ("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float32), categorical),
            ("numeric", "passthrough", numeric),
        ]
    )
    Model = HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier
    model = Model(max_iter=max_iter, learning_rate=learning_rate, max_depth=max_depth, random_state=seed, early_stopping=False)
    return Pipeline([("encode", encode), ("model", model)]).fit(X, frame[target])
