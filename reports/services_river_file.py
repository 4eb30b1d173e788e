"""Writes of the river file (一河一档): ask for its PDF."""

from django.db import transaction

from accounts.models import User
from rivers.models import River

from .models import RiverFile
from .river_file import file_region, shows_plan
from .river_file_documents import JOBS


@transaction.atomic
def river_file_request(*, user: User, river: River, year: int) -> RiverFile:
    """Queue the PDF of ``river``'s file for ``year`` as ``user``'s region sees it. A file is a
    snapshot: one already built is built again (the rows changed since); one being built is left
    to finish. The caller has found the river in the user's scope."""
    return JOBS.request(
        river=river,
        region=file_region(user),
        year=year,
        with_plan=shows_plan(user),
        rebuild=True,
    )
