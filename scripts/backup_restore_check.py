#!/usr/bin/env python3
"""Back up the portal's database and prove the backup restores.

    DATABASE_URL=postgres://user:pass@host:5432/portal \\
        .venv/bin/python scripts/backup_restore_check.py [--dump /backups/portal-2024-05-06.dump]

1. ``pg_dump -Fc`` of DATABASE_URL (into --dump, or a temporary file deleted afterwards), taken in
   a snapshot that this script holds open, so the counts below are of exactly what was dumped even
   while the portal keeps writing;
2. ``pg_restore`` of the dump into a new scratch database on the same server;
3. the row count of every table, the last value of every sequence and the list of applied Django
   migrations, in the snapshot and in the restored copy, printed side by side with OK or MISMATCH;
4. the scratch database is dropped, whatever happened.

Exit status: 0 when everything matches, 1 on any mismatch, 2 when a step failed (the message says
which). Needs pg_dump and pg_restore (postgresql-client) of the server's major version or newer,
and a role that may create databases. Media files (photos, PDFs) are not in the database: back up
MEDIA_ROOT beside the dump, or with object storage (S3_BUCKET) version and replicate the bucket
(see README, "Backup and restore").
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess  # nosec B404
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")


def with_database(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name`` (query string kept)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def counts(connection: psycopg.Connection) -> dict[str, int | str | None]:
    """What a restore must reproduce: rows per table, sequences, applied migrations."""
    found: dict[str, int | str | None] = {}
    # A partitioned table ('p': the patrols, by month) is counted as a whole and each partition
    # on its own: a row restored into the wrong month shows as a mismatch of two partitions.
    tables = connection.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%s)"
        " AND n.nspname NOT LIKE 'pg_toast%%'"
        " ORDER BY 1, 2",
        [list(SYSTEM_SCHEMAS)],
    ).fetchall()
    for schema, table in tables:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        found[f"{schema}.{table}"] = connection.execute(query).fetchone()[0]
    sequences = connection.execute(
        "SELECT schemaname, sequencename, last_value FROM pg_sequences"
        " WHERE schemaname <> ALL(%s) ORDER BY 1, 2",
        [list(SYSTEM_SCHEMAS)],
    ).fetchall()
    for schema, name, last_value in sequences:
        found[f"{schema}.{name} (sequence)"] = last_value
    if "public.django_migrations" in found:
        found["django_migrations (applied)"] = connection.execute(
            "SELECT md5(string_agg(app || '.' || name, ',' ORDER BY app, name))"
            " FROM django_migrations"
        ).fetchone()[0]
    return found


def compare(
    source: dict[str, int | str | None], restored: dict[str, int | str | None]
) -> list[tuple[str, str, str, bool]]:
    """Rows of (what, in the source, in the restore, equal) over both sides' keys."""
    rows = []
    for key in sorted(source.keys() | restored.keys()):
        a, b = source.get(key, "absent"), restored.get(key, "absent")
        rows.append((key, str(a), str(b), key in source and key in restored and a == b))
    return rows


def report(rows: list[tuple[str, str, str, bool]], out=sys.stdout) -> bool:
    width = max([len("table / sequence"), *(len(r[0]) for r in rows)])
    print(f"{'table / sequence':<{width}}  {'source':>12}  {'restored':>12}  result", file=out)
    for key, a, b, ok in rows:
        a, b = (a[:12], b[:12]) if not (a.isdigit() and b.isdigit()) else (a, b)
        print(f"{key:<{width}}  {a:>12}  {b:>12}  {'OK' if ok else 'MISMATCH'}", file=out)
    bad = sum(1 for r in rows if not r[3])
    tables = sum(1 for r in rows if "(" not in r[0])
    verdict = "OK" if not bad else f"MISMATCH ({bad} of {len(rows)})"
    print(f"{tables} tables, {len(rows) - tables} other checks: {verdict}", file=out)
    return not bad


def run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603  # nosec B603
    if done.returncode:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


def check(url: str, dump: Path) -> bool:
    name = urlsplit(url).path.lstrip("/")
    scratch = f"{name}_restore_check_{secrets.token_hex(4)}"[:63]
    with psycopg.connect(url) as source:
        # Hold one snapshot: pg_dump reads it, and the source counts are taken in it too.
        source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = source.execute("SELECT pg_export_snapshot()").fetchone()[0]
        print(f"pg_dump -Fc {name} -> {dump}", flush=True)
        run(["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(dump), "-d", url])
        before = counts(source)
    print(f"dump: {dump.stat().st_size:,} bytes; pg_restore into {scratch}", flush=True)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
        try:
            copy_url = with_database(url, scratch)
            run(["pg_restore", "--exit-on-error", "--no-owner", "-d", copy_url, str(dump)])
            with psycopg.connect(copy_url) as copy:
                after = counts(copy)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )
            print(f"dropped {scratch}", flush=True)
    return report(compare(before, after))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--dump", type=Path, help="keep the dump here (default: a temporary file)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or --database-url")
    try:
        if args.dump:
            return 0 if check(args.database_url, args.dump) else 1
        with tempfile.TemporaryDirectory(prefix="backup-check-") as directory:
            return 0 if check(args.database_url, Path(directory) / "portal.dump") else 1
    except (RuntimeError, psycopg.Error, OSError) as exc:
        print(f"backup check failed: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
