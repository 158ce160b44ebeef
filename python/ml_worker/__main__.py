"""Starts the Python training worker: polls PYTHON_TASK_QUEUE (default ml-train-python) on the Temporal server."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

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
    address = os.environ.get("TEMPORAL_ADDRESS") or f"127.0.0.1:{os.environ.get('TEMPORAL_PORT', '7233')}"
    namespace = os.environ.get("TEMPORAL_NAMESPACE") or "default"
    queue = os.environ.get("PYTHON_TASK_QUEUE") or TASK_QUEUE
    client = await Client.connect(address, namespace=namespace)
    # one training at a time: a user's fit usually takes every core it is given
    worker = Worker(client, task_queue=queue, activities=[train_python], max_concurrent_activities=1)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.info("polling task queue %s on %s (namespace %s)", queue, address, namespace)
    async with worker:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
