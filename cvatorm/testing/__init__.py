"""cvatorm.testing: LocalCVAT, an in-process CVAT 2.64 server speaking real HTTP, for tests.

    from cvatorm.testing import LocalCVAT
    with LocalCVAT() as server:        # seeded with the real server's test database
        ...                            # point any CVAT client at server.url

See docs/testing.md. Nothing here imports the rest of cvatorm: the server is an independent judge
of the client.
"""

from __future__ import annotations

from cvatorm.testing.errors import HttpError
from cvatorm.testing.faults import Fault, Faults
from cvatorm.testing.seed import SEED_PASSWORD
from cvatorm.testing.server import LocalCVAT, RecordedRequest

__all__ = ["SEED_PASSWORD", "Fault", "Faults", "HttpError", "LocalCVAT", "RecordedRequest"]
