"""A matplotlib SVG made fit to sit inline in an HTML page, beside other figures.

- The XML prolog, DOCTYPE, metadata and comments go (matplotlib writes each text as a comment
  beside its glyph outlines; the page shows the text in tables instead).
- Every ``id`` and every reference to one (``href="#…"``, ``url(#…)``) gets the figure's own
  prefix: several figures share glyph and clip-path ids, which must stay unique in one document.
- The root ``<svg>`` becomes an accessible image (``role="img"``, an escaped ``aria-label``) and
  scales with the page (the viewBox keeps the aspect ratio).

Repository text reaches the SVG only as glyph outlines (``svg.fonttype = path``), never as
markup; ``check_inert`` is the last guard that nothing active slipped in.
"""

from __future__ import annotations

import html
import re

_PROLOG = re.compile(r"\A\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'\b(xlink:href|href)="#([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_ROOT = re.compile(r"<svg\b([^>]*)>")
_WIDTH = re.compile(r'\swidth="([\d.]+)pt"')
_SIZE = re.compile(r'\s(width|height)="[^"]*"')
_ACTIVE = re.compile(r"<script|<foreignObject|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


class UnsafeSvg(ValueError):
    """The SVG holds something a browser could run: a bug upstream, never shown."""


def inline_svg(svg: str, prefix: str, label: str) -> str:
    """``svg`` (a whole matplotlib SVG document) as an inline ``<svg>`` element."""
    body = _PROLOG.sub("", svg, count=1)
    body = _METADATA.sub("", body)
    body = _COMMENT.sub("", body)
    body = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', body)
    body = _HREF.sub(lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', body)
    body = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", body)
    check_inert(body)
    body = _ROOT.sub(lambda m: _root(m.group(1), label), body, count=1)
    return body.strip()


def _root(attributes: str, label: str) -> str:
    """Scales down with the page, never up past the figure's own size (pt → CSS px)."""
    width = _WIDTH.search(attributes)
    limit = f' style="max-width:{float(width.group(1)) * 4 / 3:.0f}px"' if width else ""
    kept = _SIZE.sub("", attributes)
    return f'<svg{kept}{limit} role="img" aria-label="{html.escape(label, quote=True)}">'


def check_inert(markup: str) -> None:
    """Raise ``UnsafeSvg`` when ``markup`` holds a script, an event handler or a javascript URL."""
    found = _ACTIVE.search(markup)
    if found is not None:
        raise UnsafeSvg(f"figure SVG holds active content: {found.group()!r}")
