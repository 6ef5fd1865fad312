"""Killed by ``test_handoff_crash.py``: publishes one date's hand-off documents over HTTP and SIGKILLs
itself at a chosen point, as a machine dying mid-publish would (no handler, no cleanup).

    python tests/handoff_crash_child.py WAREHOUSE URL RUN_DATE KILL_AT WHEN

``WHEN`` is ``sent`` (the receiver has the KILL_AT-th document, the ledger does not know yet) or
``recorded`` (killed as the next document is about to go, after the ledger recorded the KILL_AT-th).
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import date


def main() -> None:
    from standard_parts.config import Settings
    from standard_parts.handoffs import HANDOFF_DOCUMENT, publish_handoffs
    from standard_parts.publish.transports import HttpTransport
    from standard_parts.store import ops_session

    warehouse, url, run_date, kill_at, when = sys.argv[1:6]
    kill_at = int(kill_at)
    delivered = 0

    class Dying(HttpTransport):
        def deliver(self, package):
            nonlocal delivered
            if when == "recorded" and delivered == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            outcome = super().deliver(package)
            delivered += 1
            if when == "sent" and delivered == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return outcome

    settings = Settings(warehouse=warehouse, publish=url)
    transport = Dying(url, resource=HANDOFF_DOCUMENT.resource, max_workers=1, backoff_initial=0.01)
    with ops_session(settings) as con:
        publish_handoffs(con, settings, date.fromisoformat(run_date), url, transport=transport)


if __name__ == "__main__":
    main()
