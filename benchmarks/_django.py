"""What every benchmark does before it times anything: a PostgreSQL database of its own.

``add_database_arguments`` gives a script its ``--drop``, ``--server`` and ``--database``;
``django_on`` creates that database with psycopg if it is missing (``--drop`` drops it first),
points ``DATABASE_URL`` at it *before* ``django.setup()`` (settings ``config.settings.test``
unless ``DJANGO_SETTINGS_MODULE`` says otherwise), refuses ``DEBUG`` (Django would record every
query and skew the timings) and runs ``migrate``, so that the schema is exactly the code's,
indexes included. It never touches the development or test databases.

A script imports it as ``import _django`` (the script's folder is first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def add_database_arguments(parser: argparse.ArgumentParser, *, database: str) -> None:
    """``--drop``, ``--server`` (or ``BENCH_SERVER_URL``) and ``--database`` (``database``)."""
    parser.add_argument("--drop", action="store_true", help="drop the database and rebuild")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_SERVER_URL", DEFAULT_SERVER),
        help=f"PostgreSQL server URL without a database (BENCH_SERVER_URL; {DEFAULT_SERVER})",
    )
    parser.add_argument("--database", default=database, help=f"database name ({database})")


def ensure_database(server: str, name: str, *, drop: bool) -> None:
    """Create the database ``name`` on ``server`` if it is missing; with ``drop``, anew."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            print(f"database {name}: dropped")
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"database {name}: created")


def django_on(server: str, database: str, *, drop: bool = False) -> None:
    """Django set up on ``database`` of ``server`` (created if missing, anew with ``drop``),
    with DEBUG off, migrated."""
    ensure_database(server, database, drop=drop)
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if settings.DEBUG:
        sys.exit("Run with DEBUG off: Django would record every query and skew the timings.")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"database {database}: migrated in {time.perf_counter() - started:.1f} s")
