"""The portal's PostgreSQL backend: Django's, plus what partitioned tables need.

``config.settings.base`` maps the ``postgres://`` URLs to it (django-environ's ``DB_SCHEMES``,
its documented way to name a custom backend), for the primary and the replica alike.
"""
