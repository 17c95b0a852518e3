from __future__ import annotations

from crawler.urls import in_scope, normalize


def test_normalize_removes_what_does_not_change_the_page() -> None:
    assert normalize("HTTP://Pufii.test:80/a/./b/../c.html?utm_source=x&z=1&a=2#top") == (
        "http://pufii.test/a/c.html?a=2&z=1"
    )
    assert normalize("../b.html", "https://pufii.test/x/y/a.html") == "https://pufii.test/x/b.html"


def test_scope_is_the_folder_of_the_start_url_on_the_same_host() -> None:
    start = "http://pufii.test/pufii/publikationen/"
    assert in_scope("http://pufii.test/pufii/publikationen/studie.html", start)
    assert not in_scope("http://pufii.test/pufii/informationen/x.html", start)
    assert not in_scope("http://other.test/pufii/publikationen/x.html", start)
    assert in_scope(
        "http://pufii.test/staedte/essen/a.html", "http://pufii.test/staedte/essen/feed.xml"
    )
