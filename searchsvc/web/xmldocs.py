"""The two XML documents of the service: an Atom 1.0 feed of a search, the OpenSearch description.

Both are built with ElementTree, which escapes every text and attribute; characters XML 1.0
cannot carry at all (control characters, stray surrogates) are dropped from article text
first, so an article can never make a feed unreadable.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID_SPACE = uuid.UUID("0b3f6c1e-52d4-4f57-9a57-3c0e4c6f2a12")  # this service's own namespace


def xml_text(value: str | None) -> str:
    """Return text with the characters XML 1.0 forbids removed."""
    return _NOT_XML.sub("", value or "")


def stable_id(kind: str, key: str) -> str:
    """Return a permanent `urn:uuid:` for a thing of this kind (an article id, a feed's query).

    Independent of where the service runs, so readers keep their state if the address moves.
    """
    return uuid.uuid5(_ID_SPACE, f"{kind}:{key}").urn


@dataclass(frozen=True)
class Entry:
    """One article of a feed: links absolute or relative, times ISO 8601 with offset."""

    id: str
    title: str
    link: str
    updated: str
    published: str | None
    category: str | None
    summary: str


@dataclass(frozen=True)
class Feed:
    """A feed of the newest articles of a search."""

    id: str
    title: str
    subtitle: str
    updated: str
    self_link: str
    html_link: str
    author: str
    entries: list[Entry]


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append a child element with text and attributes (both escaped by ElementTree)."""
    child = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def atom(feed: Feed) -> bytes:
    """Return the feed as an Atom 1.0 document (UTF-8)."""
    root = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "vi"})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title, type="text")
    _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", feed.updated)
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    _add(root, "link", rel="alternate", type="text/html", href=feed.html_link)
    _add(_add(root, "author"), "name", feed.author)
    _add(root, "generator", "searchsvc")
    for item in feed.entries:
        entry = _add(root, "entry")
        _add(entry, "id", item.id)
        _add(entry, "title", item.title, type="text")
        _add(entry, "updated", item.updated)
        if item.published:
            _add(entry, "published", item.published)
        _add(entry, "link", rel="alternate", type="text/html", href=item.link)
        if item.category:
            _add(entry, "category", term=item.category)
        _add(entry, "summary", item.summary, type="text")
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def opensearch(name: str, description: str, html: str, suggest: str, self_link: str) -> bytes:
    """Return an OpenSearch 1.1 description: the HTML search and JSON suggestion templates."""
    root = ET.Element("OpenSearchDescription", {"xmlns": OPENSEARCH})
    _add(root, "ShortName", name)
    _add(root, "Description", description)
    _add(root, "InputEncoding", "UTF-8")
    _add(root, "Language", "vi")
    _add(root, "Url", type="text/html", method="get", template=html)
    _add(root, "Url", type="application/x-suggestions+json", method="get", template=suggest)
    _add(root, "Url", type="application/opensearchdescription+xml", rel="self", template=self_link)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
