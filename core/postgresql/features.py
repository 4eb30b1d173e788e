from django.db.backends.postgresql import features


class DatabaseFeatures(features.DatabaseFeatures):
    def allows_group_by_selected_pks_on_model(self, model) -> bool:
        # Django groups an aggregate by the primary key alone, counting on PostgreSQL to see the
        # other columns depend on it. A partitioned table's key must hold its partition key too
        # (patrols: (id, started_on)), so PostgreSQL refuses that grouping: a model that says it
        # is partitioned (``partition_key``) is grouped by every selected column instead, as
        # Django does for unmanaged models.
        if getattr(model, "partition_key", None):
            return False
        return super().allows_group_by_selected_pks_on_model(model)
