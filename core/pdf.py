"""HTML to PDF with WeasyPrint, for every document the portal prints (bulletins, supervision
orders): a Chinese-font check, and a URL fetcher that reads nothing but our static files.

The documents are made from what users typed (names, titles, places); whatever ends up in the
HTML must not make the server read local files or call the network (cloud metadata, intranet).
"""

import logging
import mimetypes
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings

logger = logging.getLogger(__name__)

# Shown to the office as is: they name the package an administrator has to install.
CJK_FONTS_MISSING = "未安装中文字体（fonts-noto-cjk），无法生成 PDF"
PDF_LIBRARIES_MISSING = "未安装 PDF 所需的系统库（libpango-1.0-0、libpangoft2-1.0-0），无法生成 PDF"


class PDFUnavailable(Exception):
    """This machine cannot make a PDF as things stand (a font or a library is missing).

    Not transient: retrying will not install anything. The message is readable as is.
    """


def cjk_font_families() -> set[str]:
    """Font families fontconfig (what Pango uses) knows with Chinese coverage; empty if none.

    Without one, WeasyPrint would draw every Chinese character as an empty box, so callers
    refuse to print instead, with a message that names the package to install.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        logger.error("fc-list not found: cannot tell whether a Chinese font is installed")
        return set()
    try:
        result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)  # nosec B603
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        logger.exception("fc-list failed")
        return set()
    return {
        family.strip()
        for line in result.stdout.splitlines()
        for family in line.split(",")
        if family.strip()
    }


def require_cjk_fonts() -> None:
    if not cjk_font_families():
        raise PDFUnavailable(CJK_FONTS_MISSING)


def static_roots() -> list[Path]:
    roots = [Path(root) for root in settings.STATICFILES_DIRS]
    roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots if root.is_dir()]


def static_base_url() -> str:
    roots = static_roots()
    base = roots[0] if roots else Path(settings.BASE_DIR, "static").resolve()
    return base.as_uri() + "/"


class ForbiddenURL(ValueError):
    """A URL the PDF may not load: anything but our own static files."""


def static_url_fetcher():
    """A WeasyPrint URL fetcher that only reads files under our static directories."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = static_roots()

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                logger.warning("PDF: refused to fetch %s", url[:200])
                raise ForbiddenURL(f"refused: {url[:200]}")
            # Resolved, so that neither ".." nor a symlink leads out of the static folders.
            path = Path(url2pathname(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
                logger.warning("PDF: refused to read %s", path)
                raise ForbiddenURL(f"refused: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticOnlyFetcher(allowed_protocols=["file"], allow_redirects=False)


def html_to_pdf(html: str, *, on_progress: Callable[[int], None] | None = None) -> bytes:
    """The PDF of a whole HTML document; relative URLs resolve against our static files.

    ``on_progress`` hears 50 once the HTML is parsed and 80 once the pages are laid out.
    """
    try:
        from weasyprint import HTML
    except OSError as exc:
        raise PDFUnavailable(PDF_LIBRARIES_MISSING) from exc

    document = HTML(string=html, base_url=static_base_url(), url_fetcher=static_url_fetcher())
    if on_progress:
        on_progress(50)
    rendered = document.render()
    if on_progress:
        on_progress(80)
    return rendered.write_pdf()
