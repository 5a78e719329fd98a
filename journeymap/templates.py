"""Map templates: the stages and lanes a new journey map starts with."""

from __future__ import annotations

from dataclasses import dataclass

from journeymap.model import LaneKind

STANDARD_LANES: tuple[tuple[str, LaneKind], ...] = (
    ("Customer actions", LaneKind.ACTION),
    ("Touchpoints", LaneKind.TOUCHPOINT),
    ("Emotions", LaneKind.EMOTION),
    ("Pain points", LaneKind.PAIN),
    ("Opportunities", LaneKind.OPPORTUNITY),
    ("Resources", LaneKind.RESOURCE),
)


@dataclass(frozen=True)
class Template:
    """A named starting layout: stage names across, (lane name, kind) down."""

    key: str
    label: str
    description: str
    stages: tuple[str, ...]
    lanes: tuple[tuple[str, LaneKind], ...] = STANDARD_LANES


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "lifecycle",
            "Customer lifecycle (7 stages)",
            "From first discovery to recommending the product.",
            (
                "Awareness",
                "Consideration",
                "Purchase",
                "Adoption",
                "Retention",
                "Expansion",
                "Advocacy",
            ),
        ),
        Template(
            "saas",
            "Pre-purchase, onboarding, renewal",
            "A subscription product: evaluate, get started, get value, renew.",
            ("Pre-purchase", "Onboarding", "First value", "Everyday use", "Renewal"),
        ),
        Template(
            "ecommerce",
            "E-commerce purchase",
            "An online shop, from the first ad to the review after delivery.",
            ("Discover", "Browse", "Product page", "Cart", "Checkout", "Delivery", "Review"),
        ),
        Template(
            "blank",
            "Blank (one stage, standard lanes)",
            "Start from one stage and build the rest in the workshop.",
            ("Stage 1",),
        ),
    )
}

DEFAULT_TEMPLATE = "lifecycle"
