"""The Python training worker: users' own trainers (scikit-learn, LightGBM, XGBoost) on their own task queue, ONNX out."""
