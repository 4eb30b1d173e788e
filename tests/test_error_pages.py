"""Refusals and failures answer in the portal's own pages, in Chinese (issue #15's findings: 403
was a white page, 404 and 500 Django's English defaults), and each role's menu holds what it uses:
the API docs for the office, the sign QR sheet linked from the menu."""

from django.test import Client, RequestFactory
from django.views import defaults


def test_a_refused_page_says_why_in_the_portal_layout(chief_a1):
    client = Client()
    client.force_login(chief_a1)
    response = client.get("/bulletins/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page
    assert "巡河月通报仅供河长办和领导查看。" in page  # the view's own reason
    assert 'class="topbar"' in page and "返回首页" in page


def test_a_missing_page_answers_in_chinese(office_a):
    client = Client()
    client.force_login(office_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "返回首页" in page
    assert "Not Found" not in page
    # The portal's layout, with the account's menu: the way back is one click.
    assert 'class="who"' in page and 'aria-label="主导航"' in page


def test_a_server_error_page_needs_no_request_context():
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "服务器出错" in page and "请稍后重试" in page


def test_the_api_docs_are_in_the_office_menu_only(office_a, chief_a1, street_a):
    from .conftest import make_account

    leader = make_account("leader", street_a.street)
    for user, shown in ((office_a, True), (leader, False), (chief_a1, False)):
        client = Client()
        client.force_login(user)
        response = client.get("/", follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'class="topbar"' in page
        assert ('href="/api/docs/"' in page) is shown, user.role


def test_the_sign_qr_sheet_is_linked_from_the_office_menu(office_a):
    client = Client()
    client.force_login(office_a)
    assert 'href="/r/signs/print/"' in client.get("/").content.decode()
