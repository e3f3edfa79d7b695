import os
import tempfile

import pytest

# keep the travel-time cache inside the test session, never in the user's home
os.environ.setdefault("SUNDHED_CACHE", tempfile.mkdtemp(prefix="sundhed-cache-"))


@pytest.fixture(scope="session")
def ds():
    from sundhed.geodata.dataset import load_dataset
    return load_dataset()
