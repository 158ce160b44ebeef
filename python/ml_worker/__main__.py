"""Starts the Python training worker: polls PYTHON_TASK_QUEUE (default ml-train-python) on the Temporal server."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

from temporalio.client import Client
from temporalio.worker import Worker

from .target import SettingsError, TemporalTlsError, TemporalUnreachable, connect, target_from_env
from .train import train_python

TASK_QUEUE = "ml-train-python"


def _trainer_path() -> None:
    """User trainers import as `package.module`: from python/ (the shipped examples) and PYTHON_TRAINER_PATH folders."""
    here = Path(__file__).resolve().parents[1]
    extra = [p for p in os.environ.get("PYTHON_TRAINER_PATH", "").split(os.pathsep) if p]
    for folder in [str(here), *extra]:
        if folder not in sys.path:
            sys.path.insert(0, folder)


async def main() -> None:
    logging.basicConfig(level=os.environ.get("PYTHON_LOG_LEVEL", "INFO"), format="%(asctime)s python-worker %(levelname)s %(message)s")
    _trainer_path()
    target = target_from_env(os.environ)
    queue = os.environ.get("PYTHON_TASK_QUEUE") or TASK_QUEUE
    client: Client = await connect(target)
    # one training at a time: a user's fit usually takes every core it is given
    worker = Worker(client, task_queue=queue, activities=[train_python], max_concurrent_activities=1)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.info("polling task queue %s on %s (%s, namespace %s)", queue, target.address, target.describe(), target.namespace)
    async with worker:
        await stop.wait()


def run() -> NoReturn:
    """Exit codes as the TypeScript worker's: 2 bad settings, 3 the server unreachable or refusing the connection."""
    try:
        asyncio.run(main())
    except SettingsError as err:
        _exit(2, f"python-worker: {err}")
    except (TemporalUnreachable, TemporalTlsError) as err:
        _exit(3, f"python-worker: {err}")
    _exit(0, "")


def _exit(code: int, message: str) -> NoReturn:
    """Exits at once, every task handed back or finished: a normal interpreter shutdown with the core SDK's threads
    still up aborts now and then (SIGABRT in PyGILState_Release), turning a clean stop or a clear exit 3 into a crash."""
    if message:
        print(message, file=sys.stderr)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
