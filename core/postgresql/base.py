from django.db.backends.postgresql import base

from .features import DatabaseFeatures


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
