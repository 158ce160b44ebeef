"""One Python trainer on a local snapshot, for `npm run bench -- training`: prints the result JSON (ONNX beside it)."""
import json
import sys
from pathlib import Path

from .__main__ import _trainer_path
from .store import LocalStore
from .train import TrainPythonInput, train_sync


def main(snapshot: str, spec_file: str, run_prefix: str) -> None:
    _trainer_path()
    snapshot_path = Path(snapshot).resolve()
    store = LocalStore(snapshot_path.parent)
    result = train_sync(store, TrainPythonInput(snapshot_path.name, json.loads(Path(spec_file).read_text()), run_prefix))
    print(json.dumps({"onnxFile": str(store.file_of(result.onnxKey)), "seconds": result.seconds, "estimator": result.estimator}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
