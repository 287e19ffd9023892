"""Storage fixtures: moto's standalone S3 server on 127.0.0.1 (a local fake of S3) and settings."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from app.kit.storage.s3 import S3Storage, s3_client
from app.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A running moto S3 server for the whole run."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def use_s3(settings: Settings, endpoint: str, prefix: str = "laurel") -> Settings:
    """Point the settings at a fresh bucket on the moto server (created here)."""
    settings.storage_backend = "s3"
    settings.s3_endpoint_url = endpoint
    settings.s3_bucket = f"test-{uuid.uuid4().hex[:12]}"
    settings.s3_region = "us-east-1"
    settings.s3_access_key_id = "testing"
    settings.s3_secret_access_key = SecretStr("testing-secret")
    settings.s3_prefix = prefix
    s3_client(settings).create_bucket(Bucket=settings.s3_bucket)
    return settings


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str) -> Settings:
    """Test settings that store files in a fresh bucket."""
    return use_s3(settings, s3_endpoint)


def s3_objects(settings: Settings) -> list[str]:
    """Every object name in the settings' bucket (whatever the prefix)."""
    storage = S3Storage(s3_client(settings), settings.s3_bucket, "")
    response = storage.client.list_objects_v2(Bucket=settings.s3_bucket)
    return [item["Key"] for item in response.get("Contents", [])]
