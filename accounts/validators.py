"""Password rules whose messages Django does not translate into Chinese.

Django 5.2 reworded MinimumLengthValidator's error ("... at least %d character." instead of
"... at least %(min_length)d character."), and its zh_Hans catalogue still translates only the
old wording, so the message came out in English on a Chinese page. A translation added by hand
to our catalogue would not survive ``make messages`` (msgmerge marks entries that no source
file uses as obsolete), so the message is written here, where makemessages extracts it.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "密码长度太短。密码必须包含至少 %(min_length)d 个字符。",
            "密码长度太短。密码必须包含至少 %(min_length)d 个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}
