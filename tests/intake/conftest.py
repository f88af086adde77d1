# The browser fixtures of the end-to-end suite, for the self-check page's browser test.
from tests.e2e.conftest import browser, open_as, photo_file, published_runs_removed_afterwards, site  # noqa: F401
