"""A real uvicorn worker for an app, in a thread, on a loopback socket bound as `laurel serve`
binds it (app.server.ServerConfig)."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from app.server import ServerConfig


class LiveServer:
    """Serves ``app`` on 127.0.0.1 (a free port) until the ``with`` block ends."""

    def __init__(self, app: Any) -> None:
        config = ServerConfig(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.socket = config.bind_socket()
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
