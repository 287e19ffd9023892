"""How `laurel serve` runs uvicorn: the same as ``uvicorn.run``, with Nagle's algorithm off.

When uvicorn binds the listening socket itself (several workers, or reload) asyncio does not set
TCP_NODELAY on the connections it accepts (the socket's protocol number is 0, not TCP), so each
kept-alive response written in two parts waited for the client's delayed ACK, about 40 ms.
Setting the option on the listening socket fixes that for every worker: Linux copies it to each
accepted connection."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import ChangeReload, Multiprocess


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration whose listening socket has TCP_NODELAY set."""

    def bind_socket(self) -> socket.socket:
        """Bind as uvicorn does, then turn Nagle's algorithm off (TCP sockets only)."""
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def serve(config: ServerConfig) -> None:
    """Serve until stopped: one process, several workers or reloading, on one bound socket."""
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    try:
        if config.should_reload:
            ChangeReload(config, target=server.run, sockets=[sock]).run()
        elif config.workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    if not server.started and not config.should_reload and config.workers == 1:
        raise SystemExit(STARTUP_FAILURE)
