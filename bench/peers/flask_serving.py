# The seed's serving stack as a bench peer: Flask + gunicorn + onnxruntime, same ONNX file, JSON contract and key check as /v1/predict.
import hashlib
import hmac
import json
import math
import os

import numpy as np
import onnxruntime as ort
from flask import Flask, jsonify, request

MODEL_FILE = os.environ["PEER_MODEL_FILE"]
MODEL_NAME = os.environ.get("PEER_MODEL_NAME", "flights")
MODEL_VERSION = int(os.environ.get("PEER_MODEL_VERSION", "1"))
FEATURES = json.loads(os.environ["PEER_FEATURES"])  # [{"name": ..., "type": "numeric" | "categorical"}]
KEY_SHA256 = bytes.fromhex(os.environ["PEER_KEY_SHA256"])
THRESHOLD = float(os.environ.get("PEER_THRESHOLD", "0.5"))
MAX_ROWS = 1000

options = ort.SessionOptions()
options.intra_op_num_threads = 1
session = ort.InferenceSession(MODEL_FILE, sess_options=options, providers=["CPUExecutionProvider"])
app = Flask(__name__)


def error(status, message, issues=None):
    body = {"error": {400: "Bad Request", 401: "Unauthorized", 415: "Unsupported Media Type"}[status], "message": message}
    if issues:
        body["issues"] = issues
    return jsonify(body), status


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.post("/v1/predict")
def predict():
    auth = request.headers.get("Authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
    if not key or not hmac.compare_digest(hashlib.sha256(key.encode()).digest(), KEY_SHA256):
        return error(401, "invalid or revoked API key")
    if not request.is_json:
        return error(415, "unsupported content type: send application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"instances"} or not isinstance(body["instances"], list):
        return error(400, 'body must be a JSON object {"instances": [...]}')
    rows = body["instances"]
    if not 1 <= len(rows) <= MAX_ROWS:
        return error(400, f"instances must hold 1-{MAX_ROWS} rows")
    issues = []
    feeds = {}
    names = {f["name"] for f in FEATURES}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            issues.append({"path": f"instances.{i}", "message": "must be an object of feature values"})
            continue
        for k in row:
            if k not in names:
                issues.append({"path": f"instances.{i}.{k}", "message": "unknown field"})
    for f in FEATURES:
        name = f["name"]
        if f["type"] == "numeric":
            col = np.empty((len(rows), 1), dtype=np.float32)
            for i, row in enumerate(rows):
                v = row.get(name, "missing") if isinstance(row, dict) else None
                if v is None:
                    col[i, 0] = math.nan
                elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                    col[i, 0] = v
                else:
                    issues.append({"path": f"instances.{i}.{name}", "message": "must be a finite number or null"})
        else:
            col = np.empty((len(rows), 1), dtype=object)
            for i, row in enumerate(rows):
                v = row.get(name, 0) if isinstance(row, dict) else None
                if v is None:
                    col[i, 0] = ""
                elif isinstance(v, str):
                    col[i, 0] = v
                else:
                    issues.append({"path": f"instances.{i}.{name}", "message": "must be a string or null"})
        feeds[name] = col
    if issues:
        return error(400, f"invalid request body: {len(issues)} problems", issues)
    probs = session.run(["probabilities"], feeds)[0][:, 1]
    return jsonify(
        model={"name": MODEL_NAME, "version": MODEL_VERSION},
        predictions=[{"label": int(p >= THRESHOLD), "probability": float(p)} for p in probs],
    )
