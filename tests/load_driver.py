"""A load generator run in its own process (so it never shares the server's GIL): many kept-alive
connections, each alternating a verification (with a `verify` token on even connections) and a
page that reads the database. Prints one JSON list: [status or error name, seconds, Retry-After].

Usage: python tests/load_driver.py BASE_URL CONNECTIONS PER_CONNECTION TIMEOUT TOKEN
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

Result = list[object]


async def one_connection(client: httpx.AsyncClient, index: int, count: int, token: str) -> list:
    headers = {"Authorization": f"Bearer {token}"} if index % 2 == 0 else {}
    results: list[Result] = []
    for n in range(count):
        started = time.monotonic()
        try:
            if n % 2:
                response = await client.get("/orgs/riverbend/profile")
            else:
                body = {"credential": "not a credential"}
                response = await client.post("/api/v1/verify", json=body, headers=headers)
        except httpx.HTTPError as exc:
            results.append([type(exc).__name__, time.monotonic() - started, None])
            continue
        retry = response.headers.get("retry-after")
        results.append([response.status_code, time.monotonic() - started, retry])
    return results


async def drive(base_url: str, connections: int, count: int, timeout: float, token: str) -> list:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        batches = await asyncio.gather(
            *(one_connection(client, i, count, token) for i in range(connections))
        )
    return [result for batch in batches for result in batch]


if __name__ == "__main__":
    url, connections, count, timeout, token = sys.argv[1:6]
    print(json.dumps(asyncio.run(drive(url, int(connections), int(count), float(timeout), token))))
