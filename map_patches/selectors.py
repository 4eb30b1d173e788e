"""Reads for map-patch verification, scoped to the account's region."""

from django.db.models import Count, Q, QuerySet

from accounts.models import User

from .models import MapPatch, PatchBatch, PatchPhoto, Verdict


def batch_list(*, user: User) -> QuerySet[PatchBatch]:
    return (
        PatchBatch.objects.visible_to(user)
        .select_related("region", "imported_by")
        .annotate(
            patch_count=Count("patches"),
            checked_count=Count("patches", filter=~Q(patches__verdict=Verdict.PENDING)),
            obstruction_count=Count("patches", filter=Q(patches__verdict=Verdict.OBSTRUCTION)),
        )
        # Meta.ordering does not apply to a grouped query.
        .order_by(*PatchBatch._meta.ordering)
    )


def patch_list(*, user: User) -> QuerySet[MapPatch]:
    return (
        MapPatch.objects.visible_to(user)
        .select_related("batch", "region", "checked_by", "issue")
        .annotate(photo_count=Count("photos"))
        .order_by(*MapPatch._meta.ordering)
    )


def batch_patches(*, batch: PatchBatch, user: User) -> QuerySet[MapPatch]:
    """The batch's patches the user may see, in the order of the pushed list."""
    return patch_list(user=user).filter(batch=batch).order_by("id")


def patch_photos(*, patch: MapPatch) -> QuerySet[PatchPhoto]:
    return patch.photos.all()


def patch_photo_list(*, user: User) -> QuerySet[PatchPhoto]:
    """The photos of the patches ``user`` sees."""
    return PatchPhoto.objects.visible_to(user)
