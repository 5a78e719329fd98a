"""Sticky-note colours by lane kind: one palette for the wall and the exports."""

from journeymap.model import LaneKind

LANE_COLOURS: dict[LaneKind, str] = {
    LaneKind.ACTION: "#dbeafe",
    LaneKind.TOUCHPOINT: "#ede9fe",
    LaneKind.EMOTION: "#fef3c7",
    LaneKind.PAIN: "#fee2e2",
    LaneKind.OPPORTUNITY: "#dcfce7",
    LaneKind.RESOURCE: "#e0f2fe",
    LaneKind.CUSTOM: "#fce7f3",
}

EMOTION_LABELS: dict[int, str] = {
    -2: "very negative",
    -1: "negative",
    0: "neutral",
    1: "positive",
    2: "very positive",
}
