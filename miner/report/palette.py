"""The phase colours, defined once for the terminal report, the figures and the HTML page.

Paul Tol's *muted* qualitative scheme: nine colours that stay distinguishable under the common
colour-vision deficiencies (deuteranopia, protanopia, tritanopia) and in grey-scale print, in
the canonical lifecycle order. A rules file with other phases gets the same colours by position.
"""

from __future__ import annotations

from collections.abc import Sequence

# Tol's muted scheme, https://personal.sron.nl/~pault/ (rose, indigo, sand, green, cyan, wine,
# teal, olive, purple), in the order of the nine canonical phases.
MUTED = (
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
)
NO_DATA = "#DDDDDD"  # Tol's "bad data" grey: cells and periods without a value
REVISIT = "#000000"  # revisit markers are black rings: they must not look like a phase
INK = "#222222"
GREY = "#888888"  # intervals, hatching edges, secondary marks
OVERALL = "#4477AA"  # Tol's bright blue: the whole range's value beside per-period ones
HIGHLIGHT = "#CC3311"  # Tol's vibrant red: the current period

CANONICAL = (
    "problem_definition",
    "data_acquisition",
    "data_preparation",
    "model_development",
    "model_deployment",
    "monitoring",
    "management",
    "scalability",
    "governance_compliance",
)


def phase_colours(phases: Sequence[str]) -> dict[str, str]:
    """Each phase's colour: a canonical phase keeps its own colour wherever it appears; any other
    phase takes the colour of its position (cycling past nine)."""
    colours = {}
    for index, phase in enumerate(phases):
        canonical = CANONICAL.index(phase) if phase in CANONICAL else index
        colours[phase] = MUTED[canonical % len(MUTED)]
    return colours


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if luminance > 0.179 else "#FFFFFF"
