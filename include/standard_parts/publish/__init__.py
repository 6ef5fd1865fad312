"""Publishing officer packages (SPEC section 8): transports plus a DuckDB delivery ledger.

Typical use (one call per run date, from the publish task or the CLI)::

    from standard_parts.publish import publish_packages
    result = publish_packages(con, packages, "folder:/srv/officer-app/inbox")   # or "https://…"
"""

from .ledger import (
    Failure,
    PackageConflictError,
    PublishError,
    PublishResult,
    ensure_ledger,
    pending_packages,
    publish_packages,
)
from .transports import (
    PACKAGE,
    DeliveryOutcome,
    DocumentKind,
    FolderTransport,
    HttpTransport,
    ManifestEntry,
    PreparedPackage,
    Transport,
    canonical_bytes,
    canonical_target,
    make_transport,
    manifest_bytes,
    prepare_package,
)

__all__ = [
    "PACKAGE",
    "DeliveryOutcome",
    "DocumentKind",
    "Failure",
    "FolderTransport",
    "HttpTransport",
    "ManifestEntry",
    "PackageConflictError",
    "PreparedPackage",
    "PublishError",
    "PublishResult",
    "Transport",
    "canonical_bytes",
    "canonical_target",
    "ensure_ledger",
    "make_transport",
    "manifest_bytes",
    "pending_packages",
    "prepare_package",
    "publish_packages",
]
