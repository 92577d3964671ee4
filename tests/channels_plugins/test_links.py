"""Finding and rewriting an email's links: which ones count, and what stays as written."""

from __future__ import annotations

from channels_plugins.links import append_pixel, link_targets, rewrite_html, rewrite_text

HTML = (
    '<html><head><link href="https://cdn.shop.example/mail.css" rel="stylesheet"></head><body>'
    '<p><a href="https://shop.example/cart?a=1&amp;b=2">cart</a>'
    " <a class='x' HREF='http://shop.example/sale'>sale</a>"
    ' <a href="mailto:help@shop.example">mail us</a> <a href="tel:+8613800000000">call</a>'
    ' <a href="#top">top</a> <a name="anchor">no href</a>'
    ' <img src="https://cdn.shop.example/logo.png"></p></body></html>'
)
TEXT = "Your cart: https://shop.example/cart?a=1&b=2. Sale (https://shop.example/sale)!\nBye."


def upper(url: str) -> str:
    return url.upper()


def test_targets_are_distinct_web_links_of_anchors_then_text_urls() -> None:
    content = {"body_html": HTML, "body_text": TEXT + " https://shop.example/extra"}
    assert link_targets(content) == [
        "https://shop.example/cart?a=1&b=2",  # HTML-unescaped: the URL the browser follows
        "http://shop.example/sale",
        "https://shop.example/sale",  # the text part's; trailing ")" is the sentence's
        "https://shop.example/extra",
    ]


def test_the_same_url_in_both_parts_is_one_target() -> None:
    content = {"body_html": HTML, "body_text": "https://shop.example/cart?a=1&b=2"}
    assert link_targets(content) == [
        "https://shop.example/cart?a=1&b=2",
        "http://shop.example/sale",
    ]


def test_html_rewrites_only_web_hrefs_of_anchors() -> None:
    rewritten = rewrite_html(HTML, lambda url: f"https://t.example/{len(url)}?x&y")
    assert '<a href="https://t.example/33?x&amp;y">cart</a>' in rewritten
    assert "<a class='x' HREF=\"https://t.example/24?x&amp;y\">sale</a>" in rewritten
    for kept in (
        'href="mailto:help@shop.example"',
        'href="tel:+8613800000000"',
        'href="#top"',
        '<a name="anchor">',
        'href="https://cdn.shop.example/mail.css"',
        'src="https://cdn.shop.example/logo.png"',
    ):
        assert kept in rewritten


def test_a_link_the_callback_declines_stays_as_written() -> None:
    assert rewrite_html(HTML, lambda url: None) == HTML
    assert rewrite_text(TEXT, lambda url: None) == TEXT


def test_text_urls_keep_the_sentence_punctuation_around_them() -> None:
    assert rewrite_text(TEXT, upper) == (
        "Your cart: HTTPS://SHOP.EXAMPLE/CART?A=1&B=2. Sale (HTTPS://SHOP.EXAMPLE/SALE)!\nBye."
    )


def test_the_pixel_goes_before_the_last_body_end_or_at_the_end() -> None:
    pixel = '<img src="https://t.example/o.gif" width="1" height="1" alt="">'
    assert append_pixel("<body>hi</BODY >", "https://t.example/o.gif") == (
        f"<body>hi{pixel}</BODY >"
    )
    assert append_pixel("<p>hi</p>", "https://t.example/o.gif") == f"<p>hi</p>{pixel}"
