"""Settings read once from the environment (prefix ``LAUREL_``) and passed down."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "placeholder", "dev"}
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """Raised when the configuration cannot be used (e.g. production with a placeholder secret)."""


class Settings(BaseSettings):
    """Every setting Laurel reads; documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="LAUREL_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    base_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: SecretStr | None = None

    # Mail
    mail_backend: Literal["console", "smtp"] = "console"
    mail_from: str = "Laurel <no-reply@laurel.example>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_drain_after_request: bool = True

    # Uploads and request bodies
    upload_dir: Path | None = None
    upload_max_file_bytes: int = 25 * 1024 * 1024
    upload_max_files: int = 10
    max_form_bytes: int = 64 * 1024
    max_json_bytes: int = 2 * 1024 * 1024
    max_upload_request_bytes: int = 110 * 1024 * 1024
    badge_image_max_bytes: int = 2 * 1024 * 1024
    badge_image_max_pixels: int = 2048

    # File storage: local disk (upload_dir) or an S3-compatible bucket
    storage_backend: Literal["local", "s3"] = "local"
    s3_endpoint_url: str | None = None
    s3_bucket: str = ""
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = ""
    storage_orphan_grace_hours: float = 24.0

    # Evidence submissions (micro-credentials)
    evidence_max_file_bytes: int = 50 * 1024 * 1024
    evidence_max_submission_bytes: int = 100 * 1024 * 1024
    evidence_max_files: int = 12

    # Communities
    community_post_max_chars: int = 20_000
    community_new_account_days: int = 7
    community_new_account_posts_per_hour: int = 10
    community_threads_per_page: int = 25
    community_posts_per_page: int = 20

    # Sessions and sign-in
    session_max_age_seconds: int = 14 * 24 * 3600
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 30
    login_failure_window_seconds: int = 15 * 60
    login_backoff_base_seconds: int = 30
    login_backoff_max_seconds: int = 15 * 60
    email_token_max_age_seconds: int = 24 * 3600
    password_reset_max_age_seconds: int = 3600
    invitation_max_age_seconds: int = 14 * 24 * 3600
    mail_max_per_recipient_per_hour: int = 5
    mail_max_per_client_per_hour: int = 20
    invitations_max_per_client_per_hour: int = 300

    # Single sign-on (OpenID Connect); providers themselves are configured per organization.
    oidc_allow_insecure_http: bool = False
    oidc_allow_private_addresses: bool = False
    oidc_http_timeout_seconds: float = 10.0
    oidc_max_response_bytes: int = 1_000_000

    # Credentials: issuer keys and verification of others' credentials
    master_key: SecretStr | None = None
    verify_allow_private_addresses: bool = False
    verify_mirrors: dict[str, str] = {}
    verify_http_timeout_seconds: float = 10.0
    verify_max_response_bytes: int = 1_000_000
    verify_max_redirects: int = 3
    verify_max_fetches: int = 20
    verify_fetch_budget_seconds: float = 30.0
    verify_cache_seconds: int = 300
    verify_max_concurrency: int = 4
    verify_slot_wait_seconds: float = 5.0
    verify_max_concurrent_per_client: int = 2
    verify_max_batch: int = 100
    verify_rate_limit_per_minute: int = 30
    verify_rate_limit_per_minute_with_key: int = 600
    verify_max_upload_bytes: int = 5 * 1024 * 1024
    verify_deadline_seconds: float = 10.0
    verify_max_hash_calls: int = 1000
    verify_max_value_comparisons: int = 500_000

    # Privacy: data exports, account deletion (docs/privacy.md)
    privacy_export_ttl_hours: int = Field(default=72, ge=1)
    privacy_export_inline_max_bytes: int = 20 * 1024 * 1024
    privacy_deletion_grace_days: int = Field(default=14, ge=0)

    # Logging
    log_level: str = "INFO"
    log_json: bool = True

    # Server (laurel serve)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_concurrent_requests: int = Field(default=20, ge=1, le=40)
    saturation_wait_seconds: float = Field(default=1.0, ge=0)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'laurel.db'}"
        if self.upload_dir is None:
            self.upload_dir = self.data_dir / "uploads"
        self.base_url = self.base_url.rstrip("/")
        return self

    @property
    def is_production(self) -> bool:
        """True when running for real users."""
        return self.environment == "production"

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry the Secure flag whenever the public URL is HTTPS."""
        return urlsplit(self.base_url).scheme == "https"

    @cached_property
    def secret(self) -> str:
        """The signing secret; generated once into the data directory outside production."""
        configured = self.secret_key.get_secret_value() if self.secret_key else ""
        if configured and configured.lower() not in PLACEHOLDER_SECRETS:
            if self.is_production and len(configured) < MIN_SECRET_LENGTH:
                raise SettingsError(
                    f"LAUREL_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters."
                )
            return configured
        if self.is_production:
            raise SettingsError(
                "LAUREL_SECRET_KEY is missing or a placeholder; refusing to start in production."
            )
        return _development_secret(self.data_dir)

    @property
    def master_secret(self) -> str:
        """The secret that encrypts issuer signing keys (the secret key unless set apart)."""
        if self.master_key and self.master_key.get_secret_value():
            return self.master_key.get_secret_value()
        return self.secret

    def validate_for_startup(self) -> None:
        """Fail early (before serving) on settings that cannot work."""
        _ = self.secret
        if self.is_production and not self.base_url.startswith("https://"):
            raise SettingsError("LAUREL_BASE_URL must be an https:// URL in production.")
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise SettingsError("LAUREL_S3_BUCKET is required when LAUREL_STORAGE_BACKEND=s3.")


def _development_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def project_path(name: str) -> Path:
    """Locate a bundled directory (templates, migrations) in a checkout or an installed wheel."""
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / name
    return installed if installed.exists() else package_dir.parent / name


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides (used by tests and the CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]


__all__ = ["Settings", "SettingsError", "get_settings", "project_path"]
