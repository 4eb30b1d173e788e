"""``manage.py copy_media_to_bucket [--source DIR] [--workers N] [--dry-run]``: copy the files of
a MEDIA_ROOT into the object storage (S3_BUCKET) under the same names, so that the database's
file names find them there (README, "Object storage (S3-compatible)").

Resumable: an object already there with the file's size is left alone, so a second run after
an interruption copies only the rest; one of another size (a copy cut short) is replaced.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from core.object_storage import is_object_storage

BATCH = 1000


def _files(root: Path) -> Iterator[Path]:
    """Every file below ``root``, walked lazily: a province's MEDIA_ROOT holds millions."""
    for directory, _dirs, names in os.walk(root):
        for name in names:
            yield Path(directory, name)


def _copy(storage, root: Path, path: Path, *, dry_run: bool) -> tuple[str, str]:
    name = path.relative_to(root).as_posix()
    try:
        return _copy_one(storage, path, name, dry_run=dry_run)
    except Exception as error:  # one file's network or disk error must not stop a 2M-file run
        return "failed", f"{name} ({error})"


def _copy_one(storage, path: Path, name: str, *, dry_run: bool) -> tuple[str, str]:
    size = path.stat().st_size
    try:
        there = storage.size(name)
    except FileNotFoundError:
        there = None
    if there == size:
        return "already there", name
    if dry_run:
        return "to copy", name
    if there is not None:
        storage.delete(name)  # a cut-short copy: save would otherwise pick another name
    with path.open("rb") as handle:
        saved = storage.save(name, File(handle, name=name))
    if saved != name:
        return "failed", f"{name} (stored as {saved})"
    return "copied", name


class Command(BaseCommand):
    help = "Copy MEDIA_ROOT's files into the object storage (S3_BUCKET) under the same names."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", type=Path, help="the folder to copy (default MEDIA_ROOT)")
        parser.add_argument("--workers", type=int, default=8, help="parallel uploads (default 8)")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be copied, copy nothing"
        )

    def handle(self, *args, source=None, workers=8, dry_run=False, **options) -> None:
        storage = default_storage
        if not is_object_storage(storage):
            raise CommandError("The default storage is not object storage: set S3_BUCKET first.")
        root = Path(source or settings.MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.")
        started = time.monotonic()
        counts: Counter[str] = Counter()
        files = _files(root)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            # In batches: Executor.map would queue a future for every one of millions of files.
            while batch := list(islice(files, BATCH)):
                for outcome, name in pool.map(
                    lambda path: _copy(storage, root, path, dry_run=dry_run), batch
                ):
                    counts[outcome] += 1
                    if outcome == "failed":
                        self.stderr.write(f"failed: {name}")
        summary = ", ".join(
            f"{outcome} {counts[outcome]}"
            for outcome in ("copied", "to copy", "already there", "failed")
            if outcome in counts or outcome in ("copied", "already there")
        )
        self.stdout.write(f"{root}: {summary} in {time.monotonic() - started:.1f} s.")
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} files were not copied.")
