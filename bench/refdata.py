"""Reference data for the database benchmarks (not a benchmark itself): load what `tests/conftest.py` loads.

`python -m bench.refdata [--token USERNAME …]` in an environment whose DATABASE_URL / RENJU_VAR_DIR name a
migrated database: loads the demo region file, the Rongcheng 2023 plan and the demo accounts through the app's own
loaders (`regions_load`, `plan_load`, `demo_users_ensure`), creates one API token per USERNAME, and prints one
JSON object `{"tokens": {username: token}, "seconds": …}` on its last line. Nothing here is timed by a benchmark.

Demo passwords are hashed with MD5, as the test suite does, because the benchmarks authenticate with tokens and
PBKDF2 at production strength would spend most of the setup time on accounts nobody logs into.
"""

from __future__ import annotations

import argparse
import json
import time

from bench.common import PLAN_FILE, REGIONS_FILE, django_setup


def load_reference_data(token_users: list[str]) -> dict[str, str]:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from renju.accounts.demo import demo_users_ensure
    from renju.accounts.models import User, api_token_create
    from renju.plans.plan_loader import plan_load
    from renju.plans.region_loader import regions_load

    regions_load(REGIONS_FILE)
    result = plan_load(PLAN_FILE)
    demo_users_ensure(result.plan)
    return {name: api_token_create(user=User.objects.get(username=name), name="bench") for name in token_users}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="load regions, plan and demo users; print API tokens as JSON")
    parser.add_argument("--token", action="append", default=[], help="create an API token for this username")
    args = parser.parse_args(argv)
    django_setup()
    t0 = time.perf_counter()
    tokens = load_reference_data(args.token)
    print(json.dumps({"tokens": tokens, "seconds": round(time.perf_counter() - t0, 2)}))


if __name__ == "__main__":
    main()
