"""One typed settings object for the CLI, the DAGs and the tests.

Values come from the environment (names fixed by SPEC section 8) with defaults under ``data/``.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import business_time

# The checkout root (include/standard_parts/config.py -> ../../).
_REPO = Path(__file__).resolve().parents[2]

# Demo-only pseudonym key: accepted only outside production mode (see SECURITY.md).
DEMO_PSEUDONYM_KEY = "demo-only-not-secret"


class SnapshotAges(BaseModel):
    """How many days the newest snapshot of each snapshot feed may be older than the run date
    (SPEC section 3.1); env ``STANDARD_PARTS_MAX_SNAPSHOT_AGE_DAYS__<FEED>``. A feed not named here
    (a future snapshot feed) gets ``default``."""

    model_config = {"extra": "allow"}

    org: int = 90
    population: int = 2
    venues: int = 2
    default: int = 2

    def for_feed(self, feed: str) -> int:
        value = getattr(self, feed, None)
        return int(value) if value is not None else self.default


class Settings(BaseSettings):
    # "__" nests: STANDARD_PARTS_MAX_SNAPSHOT_AGE_DAYS__POPULATION=3 sets max_snapshot_age_days.population.
    model_config = SettingsConfigDict(env_prefix="STANDARD_PARTS_", extra="ignore", env_nested_delimiter="__")

    landing: Path = Field(default=Path("data/landing"), description="Landing folder <feed>/<date>/<file>")
    warehouse: Path = Field(default=Path("data/warehouse"), description="Holds analytics.duckdb + ops store")
    publish: str | None = Field(default=None, description="folder:DIR or http(s)://… (None: no publishing)")
    # The business time zone (business_time.py): local dates, as_of, issued_at, offsets in packages.
    timezone: str = Field(default=business_time.DEFAULT_TIMEZONE, description="IANA zone of local time")

    # Where the Great Expectations suites (JSON) and the dbt project live; the defaults suit a
    # checkout, the compose file points them at the mounted folders.
    expectations_dir: Path = Field(default=_REPO / "expectations")
    dbt_dir: Path = Field(default=_REPO / "dbt")

    # Gate thresholds: a file with more rejected rows than this share fails its feed's gate.
    max_quarantine_share: float = 0.05
    # ...judged only on files of at least this many rows (one bad row in a 12-row file is not a trend).
    quarantine_share_min_rows: int = 100

    # Input trust (SPEC section 3.1): snapshot age per feed, and how far a snapshot file's row count
    # may fall against the previous accepted snapshot of the same file (0.2 = 20 %).
    max_snapshot_age_days: SnapshotAges = Field(default_factory=SnapshotAges)
    max_snapshot_drop: float = Field(default=0.2, ge=0.0, le=1.0)
    # "FEED/FILE" drops an operator has verified, for this run only (--accept-drop; Airflow conf accept_drop).
    accept_drop: tuple[str, ...] = ()

    # DuckDB resources. 1.5GB: a 5.3M-resident night then peaks at ~1.9 GB RSS (DuckDB's buffers plus
    # the Python side: the gate's frames), inside #15's 2 GiB, and runs no slower than with 3GB
    # (DuckDB keeps fewer pages of the tables it writes; it spills temp tables when it must).
    duckdb_memory_limit: str = "1.5GB"
    duckdb_threads: int = 2

    # Officer work-code thresholds (SPEC section 6 defaults).
    red_share_threshold: float = 0.05
    yellow_share_threshold: float = 0.10

    # Dated report folders kept under <warehouse>/reports (newest first). Every page is
    # self-contained (plotly.js inline, ~5 MB a page): at city scale ~60 pages, ~0.3 GB a night.
    report_keep_dates: int = Field(default=31, ge=1)
    # Processes that draw the report's pages (plotly builds charts in pure Python: one core each).
    report_processes: int = Field(default=2, ge=1)
    # Supervision (督办, SPEC 12): an open task this many hours past due_at at a run's issued_at is
    # escalated to its station's leader.
    escalate_after_hours: int = Field(default=72, ge=0)
    # Partner departments of hand-offs (SPEC 12): a YAML file replacing the shipped list (None: shipped).
    handoff_departments: Path | None = None

    # Keyed pseudonyms for persons (HMAC-SHA256). Production refuses to start without a real key.
    production: bool = False
    pseudonym_key: SecretStr | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return business_time.zone(value).key

    @model_validator(mode="after")
    def _require_key_in_production(self) -> Settings:
        if self.production and (
            self.pseudonym_key is None or self.pseudonym_key.get_secret_value() in ("", DEMO_PSEUDONYM_KEY)
        ):
            raise ValueError(
                "STANDARD_PARTS_PSEUDONYM_KEY must be set to a secret value when STANDARD_PARTS_PRODUCTION=true"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return business_time.zone(self.timezone)

    @property
    def key_bytes(self) -> bytes:
        key = self.pseudonym_key.get_secret_value() if self.pseudonym_key else DEMO_PSEUDONYM_KEY
        return key.encode("utf-8")

    @property
    def ops_path(self) -> Path:
        """Operational store: holds personal data and rejected rows; analysts never open it."""
        return self.warehouse / "operational.duckdb"

    @property
    def analytics_path(self) -> Path:
        """Analyst file (SPEC section 7), replaced atomically after each successful build."""
        return self.warehouse / "analytics.duckdb"

