"""System checks of the deployment (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

# The value .env.example ships (tests/test_deploy.py checks the two agree).
EXAMPLE_SECRET_KEY = "change-me-to-a-random-string-of-at-least-fifty-characters-0123456789"  # noqa: S105  # nosec B105


def is_example_secret_key(key: str) -> bool:
    """The example's key, or any "change-me..." placeholder: public, so no secret."""
    return key == EXAMPLE_SECRET_KEY or key.strip().lower().startswith("change-me")


@register(Tags.security, deploy=True)
def check_secret_key_is_not_the_example(app_configs, **kwargs):
    if is_example_secret_key(settings.SECRET_KEY):
        return [
            Error(
                "SECRET_KEY is the example's from .env.example (or starts with 'change-me').",
                hint="Set a random key: python -c 'import secrets; "
                "print(secrets.token_urlsafe(50))'.",
                id="core.E001",
            )
        ]
    return []
