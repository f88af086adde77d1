"""Helpers shared by the benchmarks: Django setup, formatting, the figures table, loopback ports, PostgreSQL.

Nothing here is timed; it only keeps the benchmark modules short and their output uniform.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGIONS_FILE = ROOT / "plans" / "regions" / "rongcheng-demo.geojson"
PLAN_FILE = ROOT / "plans" / "rongcheng-2023.yaml"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FIGURE_PREFIX = "FIGURE\t"  # lines run_all.py collects from each benchmark's output


def django_setup() -> None:
    """Configure Django from the current environment (DATABASE_URL, RENJU_VAR_DIR) and set it up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renju.settings")
    import django

    django.setup()


@dataclass
class Figure:
    name: str
    value: str
    baseline: str
    ratio: str
    target: str = ""


def fmt_rate(per_s: float, unit: str) -> str:
    return f"{per_s:,.0f} {unit}/s" if per_s >= 100 else f"{per_s:,.1f} {unit}/s"


def fmt_ratio(r: float) -> str:
    return f"{r:,.0f}x" if r >= 100 else f"{r:,.2f}x"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms"


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); exact for the sample sizes used here."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def print_table(title: str, rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> None:
    """An aligned plain-text table (first column left-aligned, the others right-aligned)."""
    all_rows = [list(header)] if header else []
    all_rows += [list(r) for r in rows]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    print(f"\n{title}")
    for n, row in enumerate(all_rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        print("  " + "  ".join(cells).rstrip())
        if header and n == 0:
            print("  " + "  ".join("-" * w for w in widths))
    sys.stdout.flush()


def print_figures(figures: Sequence[Figure]) -> None:
    """The final summary: `name: value vs baseline = ratio  target`, aligned, plus machine-readable lines."""
    w_name = max(len(f.name) for f in figures)
    w_val = max(len(f.value) for f in figures)
    w_base = max(len(f.baseline) for f in figures)
    w_ratio = max(len(f.ratio) for f in figures)
    print()
    for f in figures:
        line = (f"{f.name + ':':<{w_name + 1}} {f.value:>{w_val}} vs {f.baseline:<{w_base}} = {f.ratio:>{w_ratio}}"
                + (f"  {f.target}" if f.target else ""))
        print(line.rstrip())
    for f in figures:
        print(FIGURE_PREFIX + "\t".join((f.name, f.value, f.baseline, f.ratio, f.target)))
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_answers(url: str = PG_ADMIN_URL, timeout: float = 3.0) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=int(max(1, timeout))):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not available" here
        return False


def pg_url_for(database: str, admin_url: str = PG_ADMIN_URL) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + database


def pg_recreate(database: str, admin_url: str = PG_ADMIN_URL) -> None:
    """Drop (if it exists) and create `database`, from a connection to the maintenance database."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def pg_drop(database: str, admin_url: str = PG_ADMIN_URL) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def pg_exists(database: str, admin_url: str = PG_ADMIN_URL) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is not None



def bench_database(
    name: str, admin_url: str, *, reuse: bool, count_sql: str, expected: int, what: str,
    generate: Callable[[str, int], float],
) -> tuple[str, float | None]:
    """Reuse the benchmark database `name` when it already holds `expected` rows (by `count_sql`), else recreate it
    and fill it with `generate(url, expected)`; Django is pointed at it and set up either way.
    Returns (url, seconds the generation took, or None when the data was reused)."""
    import psycopg

    if not postgres_answers(admin_url):
        raise SystemExit(f"PostgreSQL does not answer at {admin_url}; nothing measured")
    url = pg_url_for(name, admin_url)
    reused = False
    if reuse and pg_exists(name, admin_url):
        try:
            with psycopg.connect(url) as conn:
                count = conn.execute(count_sql).fetchone()[0]
            reused = count == expected
            print(f"{name} holds {count:,} {what}: " + ("reused" if reused else "regenerating"))
        except psycopg.Error as exc:
            print(f"{name} is not usable ({exc.__class__.__name__}): regenerating")
    if not reused:
        pg_recreate(name, admin_url)
    os.environ["DATABASE_URL"] = url
    django_setup()
    from django.conf import settings

    # Demo accounts are created in setup; production-strength hashing would dominate it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if reused:  # data kept from an earlier run: bring its schema up to the code's
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return url, None
    print(f"generating {expected:,} {what} in {name} …", flush=True)
    seconds = generate(url, expected)
    print(f"generation took {seconds:.1f} s", flush=True)
    return url, seconds
