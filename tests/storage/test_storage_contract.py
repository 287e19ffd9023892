"""One contract for every storage backend: local disk and S3 (moto's server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.kit.storage import storage_for
from app.kit.storage.local import LocalStorage
from app.kit.storage.protocol import Storage
from app.kit.storage.s3 import S3Storage
from app.kit.storage.transactions import delete_after_commit, discard_on_rollback
from app.settings import Settings
from tests.storage.conftest import s3_objects


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """Settings choosing each backend in turn."""
    if request.param == "s3":
        return request.getfixturevalue("s3_settings")
    return settings


@pytest.fixture
def storage(backend: Settings) -> Storage:
    return storage_for(backend)


@pytest.fixture
def session() -> Iterator[Session]:
    """A session with a real transaction, for the commit/rollback hooks."""
    engine = create_engine("sqlite://")
    with Session(engine) as db:
        yield db
    engine.dispose()


def test_settings_choose_the_backend(backend: Settings, storage: Storage) -> None:
    expected = S3Storage if backend.storage_backend == "s3" else LocalStorage
    assert isinstance(storage, expected)


def test_save_open_exists_delete(storage: Storage) -> None:
    key = storage.save(b"%PDF-1.7 lesson plan")
    other = storage.save(b"second")
    assert key != other
    assert storage.exists(key)
    with storage.open(key) as stream:
        assert stream.read() == b"%PDF-1.7 lesson plan"
    storage.delete(key)
    assert not storage.exists(key)
    assert storage.exists(other)
    with pytest.raises(FileNotFoundError):
        storage.open(key)
    storage.delete(key)  # deleting again is harmless


def test_keys_that_storage_did_not_make_are_refused(storage: Storage) -> None:
    for bad in ("../../etc/passwd", "ab/../../x", "", "AB/" + "x" * 30):
        with pytest.raises(ValueError, match="not a storage key"):
            storage.open(bad)
        with pytest.raises(ValueError, match="not a storage key"):
            storage.delete(bad)


def test_list_files_gives_keys_sizes_and_times(storage: Storage) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    keys = {storage.save(b"a" * 3): 3, storage.save(b"b" * 10): 10}
    listed = {f.key: f for f in storage.list_files()}
    assert set(listed) == set(keys)
    for key, size in keys.items():
        assert listed[key].size == size
        assert before <= listed[key].modified <= datetime.now(UTC) + timedelta(seconds=5)


def test_rolled_back_transaction_discards_the_file(storage: Storage, session: Session) -> None:
    session.execute(text("SELECT 1"))
    key = storage.save(b"written before the row")
    discard_on_rollback(session, storage, key)
    session.rollback()
    assert not storage.exists(key)


def test_committed_transaction_keeps_the_file(storage: Storage, session: Session) -> None:
    session.execute(text("SELECT 1"))
    key = storage.save(b"kept")
    discard_on_rollback(session, storage, key)
    session.commit()
    session.rollback()  # a later rollback does not touch the committed file
    assert storage.exists(key)


def test_delete_after_commit_waits_for_the_commit(storage: Storage, session: Session) -> None:
    key = storage.save(b"old version")
    session.execute(text("SELECT 1"))
    delete_after_commit(session, storage, key)
    assert storage.exists(key)
    session.commit()
    assert not storage.exists(key)


def test_s3_objects_live_under_the_prefix_and_foreign_ones_are_ignored(
    s3_settings: Settings,
) -> None:
    storage = storage_for(s3_settings)
    assert isinstance(storage, S3Storage)
    key = storage.save(b"hello")
    assert s3_objects(s3_settings) == [f"laurel/{key}"]
    storage.client.put_object(Bucket=s3_settings.s3_bucket, Key="other-app/ab/x", Body=b"x")
    storage.client.put_object(Bucket=s3_settings.s3_bucket, Key="laurel/notes.txt", Body=b"x")
    assert [f.key for f in storage.list_files()] == [key]


def test_local_listing_ignores_partial_and_foreign_files(settings: Settings) -> None:
    storage = storage_for(settings)
    key = storage.save(b"hello")
    assert settings.upload_dir is not None
    (settings.upload_dir / "ab").mkdir(exist_ok=True)
    (settings.upload_dir / "ab" / "half-written.part").write_bytes(b"x")
    (settings.upload_dir / "README").write_text("not a key")
    assert [f.key for f in storage.list_files()] == [key]


def test_the_s3_secret_is_never_shown(s3_settings: Settings) -> None:
    shown = repr(s3_settings) + str(s3_settings) + repr(storage_for(s3_settings))
    assert "testing-secret" not in shown


def test_s3_without_a_bucket_refuses_to_start(settings: Settings) -> None:
    from app.settings import SettingsError

    settings.storage_backend = "s3"
    with pytest.raises(SettingsError, match="LAUREL_S3_BUCKET is required"):
        settings.validate_for_startup()


def test_backend_and_bucket_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAUREL_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("LAUREL_S3_BUCKET", "district-files")
    monkeypatch.setenv("LAUREL_S3_SECRET_ACCESS_KEY", "from-the-environment")
    loaded = Settings(secret_key="x" * 40)  # type: ignore[arg-type]
    assert (loaded.storage_backend, loaded.s3_bucket) == ("s3", "district-files")
    assert "from-the-environment" not in repr(loaded)
    monkeypatch.setenv("LAUREL_STORAGE_BACKEND", "ftp")
    with pytest.raises(ValueError, match="storage_backend"):
        Settings()
