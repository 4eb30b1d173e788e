"""Text users type can never make WeasyPrint fetch a file or a URL.

Every PDF (work reports, monthly bulletins, supervision orders) is printed through core.pdf, whose
URL fetcher reads nothing but our static files. These tests put markup that would fetch something
(an image from file:///etc/passwd, a stylesheet from the cloud metadata address, a CSS url()) into
what offices and chiefs type, build each document through its real code path, and check that:
the templates print it as text (escaped), the static-only fetcher is the one in use and is never
asked for anything else, and nothing in the process opens a URL by another way.
"""

import datetime
import re
import urllib.request
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django.utils.html import escape

from core import pdf
from core.documents import build
from issues import documents as issue_documents
from issues import services as issue_services
from issues.models import IssueStatus, SupervisionOrder
from patrols import bulletins
from patrols.models import BulletinStatus
from reports.documents import build_documents
from reports.models import Report, ReportKind

from .test_issues import make_issue

IMG = '<img src="file:///etc/passwd">'
LINK = '<link rel=stylesheet href="http://169.254.169.254/">'
STYLE = '<p style="background:url(file:///etc/passwd)">x</p>'
CSS = "a{background:url(file:///etc/passwd)} @import url(http://169.254.169.254/x.css);"
SVG = '<svg><image href="http://169.254.169.254/latest/meta-data/"/></svg>'
HOSTILE = [IMG, LINK, STYLE, CSS, SVG]
OUTSIDE_URLS = [
    "file:///etc/passwd",
    "http://169.254.169.254/",
    "http://169.254.169.254/x.css",
    "http://169.254.169.254/latest/meta-data/",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def watch(monkeypatch):
    """What the PDF code fetches and prints: the fetchers core.pdf made, every URL asked of them
    (and which were refused), anything urllib opened by another way, and the HTML printed."""
    seen = SimpleNamespace(fetchers=0, asked=[], refused=[], outside=[], html=[])
    real_fetcher = pdf.static_url_fetcher

    def spying_fetcher():
        seen.fetchers += 1
        fetcher = real_fetcher()
        fetch = fetcher.fetch

        def spy(url, headers=None):
            seen.asked.append(url)
            try:
                return fetch(url, headers)
            except pdf.ForbiddenURL:
                seen.refused.append(url)
                raise

        fetcher.fetch = spy
        return fetcher

    def no_other_way(self, url, *args, **kwargs):
        seen.outside.append(getattr(url, "full_url", url))
        raise AssertionError(f"opened outside the static fetcher: {url}")

    import weasyprint

    real_html = weasyprint.HTML

    def recording_html(*args, **kwargs):
        seen.html.append(kwargs.get("string", ""))
        return real_html(*args, **kwargs)

    monkeypatch.setattr(pdf, "static_url_fetcher", spying_fetcher)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_other_way)
    monkeypatch.setattr(weasyprint, "HTML", recording_html)
    return seen


def assert_printed_as_text(seen, texts) -> None:
    assert seen.fetchers >= 1, "the PDF was not made through core.pdf's fetcher"
    assert len(seen.html) == seen.fetchers
    html = "\n".join(seen.html)
    for text in texts:
        assert escape(text) in html
        if escape(text) != text:
            assert text not in html
    # The addresses appear only as text: in no tag, no attribute and no style sheet.
    markup = re.findall(r"<[^>]*>", html) + re.findall(r"<style.*?</style>", html, re.DOTALL)
    for part in markup:
        assert "/etc/passwd" not in part and "169.254" not in part, part
    roots = pdf.static_roots()
    for url in seen.asked:
        assert url.startswith("file://") and any(url.startswith(root.as_uri()) for root in roots), (
            url
        )
    assert not seen.refused and not seen.outside


@pytest.mark.parametrize(
    "url",
    [
        *OUTSIDE_URLS,
        "file://localhost/etc/passwd",
        "https://example.com/style.css",
        "data:text/css,a{}",
        "ftp://169.254.169.254/x",
    ],
)
def test_the_fetcher_refuses_every_url_but_our_static_files(url):
    with pytest.raises(pdf.ForbiddenURL):
        pdf.static_url_fetcher().fetch(url)
    escaped_way_out = pdf.static_base_url() + "../" * 12 + "etc/passwd"
    with pytest.raises(pdf.ForbiddenURL):
        pdf.static_url_fetcher().fetch(escaped_way_out)


def test_even_raw_markup_in_a_pdf_only_reaches_the_refusing_fetcher(watch):
    """The second line of defence: were a template ever to print user text unescaped, the
    fetcher is still asked (and refuses), and nothing is opened another way."""
    body = "".join([IMG, LINK, STYLE, f"<style>{CSS}</style>", SVG])
    document = pdf.html_to_pdf(f"<html><body><p>测试</p>{body}</body></html>")
    assert document.startswith(b"%PDF")
    assert watch.fetchers == 1
    assert set(watch.refused) == set(watch.asked)
    assert {"file:///etc/passwd", "http://169.254.169.254/"} <= set(watch.asked)
    assert not watch.outside


def test_a_work_reports_own_texts_are_printed_as_text(watch, street_a):
    street = street_a.street
    street.name = "街道" + IMG
    street.save()
    report = Report.objects.create(
        region=street,
        kind=ReportKind.QUARTERLY,
        year=2024,
        period=2,
        queued_at=timezone.now(),
        opening="开头" + IMG + LINK,
        problems_note="问题" + STYLE + CSS,
        plans="打算" + SVG,
    )
    documents = build_documents(report=report, on_progress=lambda value: None)
    assert documents.pdf.startswith(b"%PDF")
    assert_printed_as_text(watch, HOSTILE)


def test_a_bulletins_names_are_printed_as_text(watch, street_a):
    street = street_a.street
    street.name = "街道" + STYLE
    street.save()
    community = street_a.communities[0]
    community.name = "社区" + LINK
    community.save()
    first, second = street_a.chiefs
    first.name, second.name = IMG, SVG[:50]
    first.save()
    second.save()
    bulletin = bulletins.bulletin_request(street=street, month=datetime.date(2024, 5, 1))
    bulletin = build(bulletins.BULLETINS, bulletin.pk)
    assert bulletin.status == BulletinStatus.DONE, bulletin.error
    assert bulletin.pdf.read().startswith(b"%PDF")
    assert_printed_as_text(watch, [IMG, LINK, STYLE, SVG[:50]])


def test_a_supervision_orders_issue_title_and_reason_are_printed_as_text(watch, office_a, street_a):
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[0])
    issue.title = IMG + LINK
    issue.description = STYLE + CSS
    issue.save(update_fields=["title", "description"])
    issue_services.issue_act(
        issue_id=issue.pk,
        user=office_a,
        action="escalate",
        deadline=timezone.localdate() + datetime.timedelta(days=30),
        comment="督办" + SVG,
    )
    order = SupervisionOrder.objects.get(issue=issue)
    document = issue_documents.supervision_order_pdf(order=order)
    assert document.startswith(b"%PDF")
    assert_printed_as_text(watch, HOSTILE)
