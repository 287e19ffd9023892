"""Settings: production refuses unsafe configuration; development makes its own secret."""

from __future__ import annotations

import pytest

from app.settings import Settings, SettingsError


def test_production_refuses_a_missing_secret(tmp_path) -> None:
    settings = Settings(
        environment="production", data_dir=tmp_path, base_url="https://laurel.example.org"
    )
    with pytest.raises(SettingsError, match="missing or a placeholder"):
        settings.validate_for_startup()


@pytest.mark.parametrize("secret", ["change-me", "secret", "short-but-not-placeholder"])
def test_production_refuses_placeholder_or_short_secrets(tmp_path, secret) -> None:
    settings = Settings(
        environment="production",
        data_dir=tmp_path,
        secret_key=secret,
        base_url="https://laurel.example.org",
    )
    with pytest.raises(SettingsError):
        settings.validate_for_startup()


def test_production_requires_https(tmp_path) -> None:
    settings = Settings(
        environment="production",
        data_dir=tmp_path,
        secret_key="k" * 40,
        base_url="http://laurel.example.org",
    )
    with pytest.raises(SettingsError, match="https"):
        settings.validate_for_startup()


def test_development_generates_a_secret_once(tmp_path) -> None:
    first = Settings(data_dir=tmp_path).secret
    second = Settings(data_dir=tmp_path).secret
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_variables_are_read(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LAUREL_BASE_URL", "https://pd.district.org/")
    monkeypatch.setenv("LAUREL_MAIL_BACKEND", "smtp")
    settings = Settings(data_dir=tmp_path)
    assert settings.base_url == "https://pd.district.org"
    assert settings.mail_backend == "smtp"
    assert settings.secure_cookies
    assert settings.database_url == f"sqlite:///{tmp_path / 'laurel.db'}"
