"""Development and `make run`: debug on, a fixed development key, SQLite unless DATABASE_URL."""

from .base import *
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-key-not-for-production-use-0123456789")
