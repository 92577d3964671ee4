"""Finding and replacing the links of an email's rendered content, with no Django in sight.

Click tracking names a link by its index in `link_targets(content)`: the distinct http(s)
URLs of the HTML part's `<a href>`s, then the text part's bare URLs, in order of first
appearance. The stored content never changes, so the index a token carries finds the same URL
when the click arrives; the same URL in both parts shares one index, so a contact's click
counts once whichever part their mail client showed. Only `<a>` tags are touched: a
stylesheet's `<link href>` or an image is not a click.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

_ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""(\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_TEXT_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""  # punctuation that ends a sentence rather than the URL
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)

Replace = Callable[[str], str | None]  # an original URL → its replacement, or None to keep it


def is_web_url(url: str) -> bool:
    """Only http(s) links are tracked: mailto:, tel:, #anchors and the rest stay as written."""
    return url.lower().startswith(("http://", "https://"))


def _href(match: re.Match[str]) -> str:
    raw = next(group for group in match.groups()[1:] if group is not None)
    return html.unescape(raw).strip()


def _text_url(match: re.Match[str]) -> tuple[str, str]:
    """The URL and the punctuation after it that belongs to the sentence."""
    found = match.group(0)
    url = found.rstrip(_TRAILING)
    return url, found[len(url) :]


def html_links(body: str) -> list[str]:
    links = []
    for anchor in _ANCHOR.finditer(body):
        href = _HREF.search(anchor.group(0))
        if href is not None and is_web_url(url := _href(href)):
            links.append(url)
    return links


def text_links(body: str) -> list[str]:
    return [_text_url(match)[0] for match in _TEXT_URL.finditer(body)]


def link_targets(content: Mapping[str, Any]) -> list[str]:
    """The distinct tracked URLs of an email's content; a link's index is its place here."""
    found: dict[str, None] = {}
    if isinstance(body := content.get("body_html"), str):
        found.update(dict.fromkeys(html_links(body)))
    if isinstance(body := content.get("body_text"), str):
        found.update(dict.fromkeys(text_links(body)))
    return list(found)


def rewrite_html(body: str, replace: Replace) -> str:
    def anchor(match: re.Match[str]) -> str:
        tag = match.group(0)
        href = _HREF.search(tag)
        if href is None or not is_web_url(url := _href(href)):
            return tag
        new = replace(url)
        if new is None:
            return tag
        start, end = href.span()
        return f'{tag[:start]}{href.group(1)}"{html.escape(new)}"{tag[end:]}'

    return _ANCHOR.sub(anchor, body)


def rewrite_text(body: str, replace: Replace) -> str:
    def bare(match: re.Match[str]) -> str:
        url, trailing = _text_url(match)
        new = replace(url)
        return match.group(0) if new is None else f"{new}{trailing}"

    return _TEXT_URL.sub(bare, body)


def append_pixel(body: str, src: str) -> str:
    """The open pixel goes just before `</body>` (the last one), or at the end without one."""
    pixel = f'<img src="{html.escape(src)}" width="1" height="1" alt="">'
    ends = list(_BODY_END.finditer(body))
    if not ends:
        return body + pixel
    at = ends[-1].start()
    return body[:at] + pixel + body[at:]
