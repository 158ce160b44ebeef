"""Makes an ONNX model with scikit-learn alone, as a team would elsewhere: penguins (is it an Adelie?), for the import test.

Usage: make_penguins_onnx.py OUT.onnx [--raw-names]. skl2onnx makes input names such as "Beak Length (mm)" into
identifiers; this script renames them back to the column names (the import checks them against the spec's features)
unless --raw-names is given.
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

root = Path(__file__).resolve().parents[2]
rows = pd.DataFrame(json.loads((root / "node_modules/vega-datasets/data/penguins.json").read_text()))
numeric = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"]
categorical = ["Island", "Sex"]
X = rows[numeric + categorical].copy()
X[numeric] = X[numeric].astype(np.float32)
X[categorical] = X[categorical].fillna("").astype(str)
y = (rows["Species"] == "Adelie").astype(int)
model = Pipeline(
    [
        ("encode", ColumnTransformer([("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float32), categorical), ("num", "passthrough", numeric)])),
        ("model", HistGradientBoostingClassifier(max_iter=50, random_state=0)),
    ]
).fit(X, y)
inputs = [(c, FloatTensorType([None, 1])) for c in numeric] + [(c, StringTensorType([None, 1])) for c in categorical]
graph = convert_sklearn(model, initial_types=inputs, options={id(model): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
if "--raw-names" not in sys.argv:
    renames = {i.name: c for i, (c, _) in zip(graph.graph.input, inputs)}
    for i in graph.graph.input:
        i.name = renames[i.name]
    for node in graph.graph.node:
        for k, name in enumerate(node.input):
            if name in renames:
                node.input[k] = renames[name]
Path(sys.argv[1]).write_bytes(graph.SerializeToString())
print(sys.argv[1])
