"""Seeded, vectorised generator of product-analytics event logs whose truth is known.

Readers, funnels and benchmarks need event logs with a realistic shape (drop-offs, loops,
second devices, late returns) *and* a known answer; real exports have the shape but no
answer. Everything here is numpy over whole arrays (one loop per step, never per event), so
a million people take seconds, and the same seed always gives the same frame.

The frame is the ground truth: `person_id` says who is who, even across devices that no tool
could join. `exports.py` writes it in the shapes the analytics tools export.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

US = 1_000_000
DAY_US = 86_400 * US
SESSION_GAP_US = 30 * 60 * US
DEVICES = ("desktop", "mobile", "tablet")
# The second device, by the first (rows: desktop, mobile, tablet; columns the same).
SECOND_DEVICE = np.array([[0.0, 0.85, 0.15], [0.88, 0.0, 0.12], [0.9, 0.1, 0.0]])
# (device, os, browser, share within the device): one coherent platform per device.
PLATFORMS = (
    ("desktop", "Windows", "Chrome", 0.44),
    ("desktop", "Windows", "Edge", 0.15),
    ("desktop", "Windows", "Firefox", 0.05),
    ("desktop", "macOS", "Chrome", 0.15),
    ("desktop", "macOS", "Safari", 0.17),
    ("desktop", "Linux", "Firefox", 0.04),
    ("mobile", "iOS", "Safari", 0.45),
    ("mobile", "iOS", "Chrome", 0.07),
    ("mobile", "Android", "Chrome", 0.4),
    ("mobile", "Android", "Samsung Internet", 0.08),
    ("tablet", "iOS", "Safari", 0.7),
    ("tablet", "Android", "Chrome", 0.3),
)
# Events that open a session or a page sort before the others at the same instant.
RANKS = {"first_visit": 0, "session_start": 1, "login": 2, "page_view": 3}
# Arrivals by hour of the day (UTC): quiet at night, busy in European office hours and evenings.
HOUR_WEIGHTS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3.5, 4.5, 5, 5, 4.8, 5, 5, 4.8, 4.6, 4.5, 5, 5.5, 5.5, 4.5, 3, 2])  # fmt: skip
COLUMNS = (
    "person_id",
    "user_id",
    "anonymous_id",
    "event",
    "ts",
    "session_id",
    "source",
    "medium",
    "campaign",
    "device",
    "os",
    "browser",
    "country",
    "page",
    "revenue",
    "currency",
    "experiment_variant",
    "plan",
)


@dataclass(frozen=True)
class Step:
    """One step of a scenario's main path: who moves on, how long it takes, what else they do."""

    event: str
    stage: str
    rate: float = 1.0  # share of the people at the previous step who get here
    gap: tuple[float, float] = (0.0, 0.0)  # median seconds after the previous step, log-sigma
    skip: float = 0.0  # share who pass the step without its event (a deep link, a shortcut)
    extras: tuple[tuple[str, float], ...] = ()  # (event, mean count) around the step: loops
    alt: tuple[str, float] | None = None  # (other event, share): a login instead of a sign-up


@dataclass(frozen=True)
class FollowUp:
    """Later visits a step leads to: retention, expansion, advocacy, a refund, a reminder."""

    after: str  # an event of the main path
    share: float
    events: tuple[str, ...]
    delay: tuple[float, float]  # median days after the step (or the previous visit), log-sigma
    visits: float = 1.0  # mean number of such visits
    keep: float = 1.0  # share who go on to each next event of a visit
    only_stopped: bool = False  # only people whose main path ended at `after`
    only_guests: bool = False  # only people the main path did not identify
    same_device: bool = False
    source: str | None = None  # the campaign that brings the visit (an email), else the usual mix
    plan_up: int = 0  # the visit moves the person this many plans up


@dataclass(frozen=True)
class Channel:
    """Where a session comes from, what its people are like, and what it costs."""

    source: str
    medium: str
    campaign: str | None
    label: str  # the default channel group, for tables that show channels
    share: float  # of first visits
    returning: float  # of later sessions
    devices: tuple[float, float, float]  # desktop, mobile, tablet
    lift: float  # conversion multiplier on the scenario's channel steps
    landing: str
    # Euro per click: the bid of paid campaigns; for email and content the tool or writer's
    # budget spread over the visits (cents); 0 for organic traffic.
    cpc: float = 0.0
    ctr: float = 0.0  # clicks per impression (sent emails, search results); 0 = not known


@dataclass(frozen=True)
class Experiment:
    """One A/B test: variant B converts `lift` points better at `step`."""

    name: str
    step: str
    lift: float
    skip_b: float = 0.0  # share of B who pass the step without its event (guest checkout)


@dataclass(frozen=True)
class Scenario:
    """A product's journey: its path, later visits, channels, pages and prices."""

    name: str
    site: str
    stages: tuple[str, ...]
    steps: tuple[Step, ...]
    follow_ups: tuple[FollowUp, ...]
    channels: tuple[Channel, ...]
    experiment: Experiment
    pages: dict[str, tuple[str, ...]]  # event -> paths; "page_view" lists the browsing pages
    page_events: tuple[str, ...]  # events that load a page, so a page_view comes with them
    stage_of: dict[str, str]  # event -> stage, for the stage table
    channel_steps: tuple[str, ...]
    device_steps: tuple[str, ...]
    countries: dict[str, float]
    user_prefix: str
    plans: tuple[tuple[str, float, float], ...] = ()  # (name, monthly euro, share)
    basket: tuple[float, float] = (0.0, 0.0)  # median euro and log-sigma of an order
    cross_device: tuple[str, ...] = ("page_view",)  # a later visit on the other device
    weekend: float = 1.0  # arrivals on Saturday and Sunday relative to a weekday
    identify: tuple[str, ...] = ("sign_up", "login")
    mobile_factor: tuple[float, float, float] = (1.0, 0.75, 0.9)
    # Who would come back on another device, by first device (desktop, mobile, tablet):
    # phones hand over to laptops most. Only people who come back at all show it.
    switchers: tuple[float, float, float] = (0.15, 0.32, 0.25)
    switch_loss: float = 0.65  # conversion multiplier on the step after a change of device
    swap: float = 0.0  # share who do steps 1 and 2 in the other order
    # Surveys: NPS (after event, stage, touchpoint); CSAT per touchpoint and an on-site poll
    # that anonymous visitors answer too (after event, stage, touchpoint, share, mean score).
    nps: tuple[str, str, str] = ("purchase", "Advocacy", "Email survey")
    csat: tuple[tuple[str, str, str, float, float], ...] = ()
    poll: tuple[str, str, str, float, float] | None = None
    comments: dict[str, tuple[str, ...]] | None = None  # "bad" / "meh" / "good" free text

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """Every event name the scenario can emit, automatic events first."""
        names = ["first_visit", "session_start", "login", "page_view"]
        for step in self.steps:
            names += [step.event, *(e for e, _ in step.extras)]
            names += [step.alt[0]] if step.alt else []
        for follow_up in self.follow_ups:
            names += follow_up.events
        names += self.cross_device
        return tuple(dict.fromkeys(names))

    @property
    def funnel(self) -> tuple[str, ...]:
        """The main-path events every converting person does (no shortcut, no guest skip)."""
        optional = {self.experiment.step} if self.experiment.skip_b else set()
        return tuple(s.event for s in self.steps if not s.skip and s.event not in optional)

    @property
    def page_list(self) -> tuple[str, ...]:
        """Every path the scenario can show, landing pages included."""
        paths = [c.landing for c in self.channels]
        for group in self.pages.values():
            paths += group
        return tuple(dict.fromkeys(paths))


# fmt: off
# The two scenarios of the sample workshop. Tables read better unwrapped.
SAAS_CHANNELS = (
    #        source          medium         campaign                   group             first  later  desktop/mobile/tablet  lift  landing page                              euro a click, click rate
    Channel("google",       "cpc",         "brand_search",            "Paid Search",    0.10, 0.04, (0.62, 0.33, 0.05), 1.25, "/",                                       cpc=1.9, ctr=0.06),
    Channel("google",       "cpc",         "website_builder_generic", "Paid Search",    0.08, 0.01, (0.55, 0.40, 0.05), 0.80, "/templates",                              cpc=3.4, ctr=0.025),
    Channel("facebook",     "paid_social", "spring_launch",           "Paid Social",    0.18, 0.03, (0.22, 0.73, 0.05), 0.55, "/templates/photography-portfolio",        cpc=1.1, ctr=0.009),
    Channel("instagram",    "paid_social", "portfolio_templates",     "Paid Social",    0.10, 0.02, (0.15, 0.80, 0.05), 0.75, "/templates/photography-portfolio",        cpc=0.95, ctr=0.011),
    Channel("instagram",    "social",      None,                      "Organic Social", 0.05, 0.02, (0.15, 0.80, 0.05), 0.85, "/templates",                              ctr=0.015),
    Channel("google",       "organic",     None,                      "Organic Search", 0.20, 0.16, (0.60, 0.34, 0.06), 1.10, "/blog/portfolio-sites-that-win-clients",  ctr=0.035),
    Channel("bing",         "organic",     None,                      "Organic Search", 0.02, 0.01, (0.85, 0.12, 0.03), 1.00, "/",                                       ctr=0.035),
    Channel("newsletter",   "email",       "design_digest",           "Email",          0.06, 0.14, (0.55, 0.40, 0.05), 1.45, "/blog/moving-from-wordpress",             cpc=0.08, ctr=0.04),
    Channel("partner-blog", "referral",    None,                      "Referral",       0.05, 0.01, (0.70, 0.26, 0.04), 1.60, "/blog/portfolio-sites-that-win-clients",  cpc=0.05),
    Channel("g2.com",       "referral",    None,                      "Referral",       0.02, 0.01, (0.80, 0.17, 0.03), 1.40, "/compare/canvas-vs-blockly"),
    Channel("(direct)",     "(none)",      None,                      "Direct",         0.14, 0.50, (0.60, 0.34, 0.06), 1.00, "/"),
    Channel("newsletter",   "email",       "trial_reminder",          "Email",          0.00, 0.05, (0.60, 0.35, 0.05), 1.00, "/app/sites/new",                          cpc=0.05, ctr=0.08),
)

SAAS = Scenario(
    name="saas",
    site="www.canvas.example",
    stages=("Awareness", "Consideration", "Purchase", "Adoption", "Retention", "Expansion", "Advocacy"),
    steps=(
        #     event            stage            rate  gap (s, sigma)   other options
        Step("first_visit",   "Awareness",     1.00, (0, 0),           extras=(("page_view", 1.3),)),
        Step("view_template", "Consideration", 0.55, (40, 1.2),        skip=0.15, extras=(("view_template", 1.2), ("page_view", 0.8))),
        Step("view_pricing",  "Consideration", 0.60, (180, 2.2),       extras=(("page_view", 0.6),)),
        Step("sign_up",       "Consideration", 0.24, (7200, 2.5),      extras=(("view_pricing", 0.15),)),
        Step("start_trial",   "Consideration", 0.88, (25, 0.8)),
        Step("create_site",   "Consideration", 0.70, (1800, 2.0),      extras=(("view_template", 0.8), ("page_view", 1.0))),
        Step("purchase",      "Purchase",      0.48, (9 * 86_400, 0.5), extras=(("page_view", 0.5),)),
        Step("publish_site",  "Adoption",      0.80, (2 * 86_400, 1.2), extras=(("page_view", 1.0),)),
    ),
    follow_ups=(
        #         after           share  events                                        delay (days, sigma)
        FollowUp("first_visit",  0.07, ("page_view", "view_pricing"),                 (20, 0.4), keep=0.5),
        FollowUp("create_site",  0.25, ("page_view", "support_chat"),                 (2, 1.0)),
        FollowUp("create_site",  0.30, ("page_view", "create_site"),                  (3, 0.8), keep=0.4, only_stopped=True, source="trial_reminder"),
        FollowUp("purchase",     0.75, ("page_view", "edit_site", "publish_site"),    (6, 0.7), visits=3.0, keep=0.6),
        FollowUp("purchase",     0.12, ("page_view", "support_chat"),                 (15, 0.8)),
        FollowUp("purchase",     0.22, ("page_view", "invite_teammate"),              (12, 0.6)),
        FollowUp("purchase",     0.12, ("view_pricing", "upgrade_plan", "purchase"),  (25, 0.4), keep=0.9, plan_up=1),
        FollowUp("publish_site", 0.08, ("refer_friend",),                             (18, 0.6)),
    ),
    channels=SAAS_CHANNELS,
    experiment=Experiment("short_signup_form", "sign_up", 0.05),
    pages={
        "page_view": ("/", "/features", "/templates", "/blog/portfolio-sites-that-win-clients", "/blog/moving-from-wordpress",
                      "/compare/canvas-vs-blockly", "/customers", "/demo", "/help/getting-started", "/404"),
        "view_template": ("/templates/photography-portfolio", "/templates/design-studio", "/templates/architect",
                          "/templates/restaurant", "/templates/wedding"),
        "view_pricing": ("/pricing",),
        "sign_up": ("/signup",),
        "login": ("/login",),
        "start_trial": ("/app/trial/start",),
        "create_site": ("/app/sites/new",),
        "purchase": ("/app/billing/checkout",),
        "publish_site": ("/app/sites/publish",),
        "edit_site": ("/app/editor",),
        "support_chat": ("/help/contact",),
        "invite_teammate": ("/app/settings/team",),
        "upgrade_plan": ("/app/billing/plans",),
        "refer_friend": ("/app/referrals",),
    },
    page_events=("first_visit", "view_template", "view_pricing", "sign_up", "create_site", "purchase"),
    stage_of={
        "first_visit": "Awareness", "view_template": "Consideration", "view_pricing": "Consideration",
        "sign_up": "Consideration", "start_trial": "Consideration", "create_site": "Consideration",
        "purchase": "Purchase", "publish_site": "Adoption", "edit_site": "Retention", "support_chat": "Retention",
        "invite_teammate": "Expansion", "upgrade_plan": "Expansion", "refer_friend": "Advocacy",
    },
    channel_steps=("view_pricing", "sign_up"),
    device_steps=("sign_up", "create_site"),
    countries={"DE": 0.24, "GB": 0.15, "US": 0.18, "NL": 0.10, "FR": 0.09, "SE": 0.05, "ES": 0.05, "PL": 0.05, "CN": 0.05, "TW": 0.04},
    user_prefix="usr_",
    plans=(("Starter", 12.0, 0.45), ("Pro", 24.0, 0.40), ("Studio", 49.0, 0.15)),
    cross_device=("page_view", "edit_site"),
    weekend=0.55,
    swap=0.2,
    nps=("sign_up", "Advocacy", "In-app survey"),
    poll=("view_pricing", "Consideration", "Pricing page poll", 0.05, 3.4),
    csat=(
        ("support_chat", "Retention", "Support chat", 0.40, 3.6),
        ("create_site", "Consideration", "Onboarding checklist", 0.20, 3.9),
        ("purchase", "Purchase", "Upgrade prompt", 0.15, 4.2),
    ),
    comments={
        "bad": (
            "The free tier's 10-block limit stopped me halfway through my portfolio.",
            'Pricing page says "unlimited", the editor says otherwise.',
            "Started on my phone, finished on the laptop, and the form was empty again.",
            "Support took two days, and the contact form embed is still broken.",
            "Too expensive for a two-person studio, honestly",
            "免费版限制太多，做到一半就不能继续了。",
            "手机上编辑很不方便，换到电脑后之前填的内容都没了。",
            "客服回复太慢，问题到现在还没解决",
        ),
        "meh": (
            "Templates are nice, but I needed help to change the fonts.",
            "OK overall.\nThe onboarding checklist could be shorter.",
            'Good, but "publish" is hard to find, took me a while',
            "Works, but the billing page is confusing, plans, seats, add-ons…",
            "模板不错，但是价格有点贵。",
            "=) fine",
        ),
        "good": (
            "Moved the studio site over in an afternoon. Love the templates!",
            "Clients keep asking who built our site, that's a good sign",
            'The "photography portfolio" template is exactly what I wanted.',
            "Fast support, friendly, fixed my contact form the same day.",
            "Great editor.\nWould recommend to other studios.",
            "模板很漂亮，客服回复也很快，已经推荐给朋友了。",
            "非常好用，我们整个团队都在用",
        ),
    },
)

ECOMMERCE_CHANNELS = (
    #        source            medium         campaign                 group             first  later  desktop/mobile/tablet  lift  landing page                     euro a click, click rate
    Channel("google",         "cpc",         "shopping_school_shoes", "Paid Search",    0.20, 0.03, (0.35, 0.60, 0.05), 1.10, "/p/velcro-school-shoe-navy",     cpc=0.6, ctr=0.03),
    Channel("facebook",       "paid_social", "back_to_school",        "Paid Social",    0.15, 0.02, (0.20, 0.75, 0.05), 0.60, "/c/kids-school-shoes",           cpc=0.45, ctr=0.01),
    Channel("instagram",      "paid_social", "back_to_school_reels",  "Paid Social",    0.08, 0.02, (0.12, 0.83, 0.05), 0.65, "/c/kids-sneakers",               cpc=0.5, ctr=0.008),
    Channel("google",         "organic",     None,                    "Organic Search", 0.18, 0.12, (0.45, 0.50, 0.05), 1.10, "/",                              ctr=0.035),
    Channel("(direct)",       "(none)",      None,                    "Direct",         0.12, 0.45, (0.45, 0.50, 0.05), 1.15, "/"),
    Channel("newsletter",     "email",       "weekly_deals",          "Email",          0.07, 0.12, (0.40, 0.55, 0.05), 1.50, "/c/sale",                        cpc=0.06, ctr=0.05),
    Channel("parenting-blog", "referral",    None,                    "Referral",       0.05, 0.01, (0.50, 0.45, 0.05), 1.45, "/size-guide",                    cpc=0.04),
    Channel("criteo",         "display",     "retargeting",           "Display",        0.05, 0.06, (0.40, 0.55, 0.05), 0.90, "/p/leather-school-shoe-black",   cpc=0.35, ctr=0.003),
    Channel("awin",           "affiliate",   "school_shoes",          "Affiliates",     0.06, 0.02, (0.45, 0.50, 0.05), 1.20, "/p/runner-sneaker-white",        cpc=0.3, ctr=0.02),
    Channel("pinterest",      "social",      None,                    "Organic Social", 0.04, 0.01, (0.20, 0.75, 0.05), 0.80, "/c/kids-sneakers",               ctr=0.015),
    Channel("newsletter",     "email",       "abandoned_cart",        "Email",          0.00, 0.00, (0.40, 0.55, 0.05), 1.00, "/cart",                          cpc=0.05, ctr=0.09),
    Channel("newsletter",     "email",       "review_request",        "Email",          0.00, 0.00, (0.40, 0.55, 0.05), 1.00, "/account/reviews",               ctr=0.06),
    Channel("newsletter",     "email",       "order_dispatched",      "Email",          0.00, 0.00, (0.40, 0.55, 0.05), 1.00, "/account/orders",                ctr=0.3),
)

ECOMMERCE = Scenario(
    name="ecommerce",
    site="www.loopstore.example",
    stages=("Discover", "Browse", "Product page", "Cart", "Checkout", "Delivery", "Review"),
    steps=(
        #     event               stage           rate  gap (s, sigma)  other options
        Step("first_visit",      "Discover",     1.00, (0, 0),         extras=(("page_view", 1.3),)),
        Step("view_item_list",   "Browse",       0.62, (35, 1.0),      skip=0.25, extras=(("view_item_list", 0.6), ("page_view", 0.8))),
        Step("view_item",        "Product page", 0.72, (50, 1.0),      extras=(("view_item", 1.5), ("page_view", 0.5))),
        Step("add_to_cart",      "Cart",         0.30, (120, 1.4),     extras=(("view_item", 0.5), ("add_to_cart", 0.35), ("view_item_list", 0.3))),
        Step("begin_checkout",   "Checkout",     0.52, (900, 2.8),     extras=(("view_item", 0.15), ("page_view", 0.3))),
        Step("sign_up",          "Checkout",     0.84, (60, 0.8),      alt=("login", 0.25)),
        Step("add_payment_info", "Checkout",     0.62, (100, 0.9)),
        Step("purchase",         "Checkout",     0.88, (40, 0.7)),
    ),
    follow_ups=(
        #         after          share  events                                                   delay (days, sigma)
        FollowUp("first_visit", 0.07, ("page_view", "view_item"),                               (18, 0.5)),
        FollowUp("add_to_cart", 0.12, ("view_item", "add_to_cart", "begin_checkout"),           (1, 0.6), keep=0.5, only_stopped=True, source="abandoned_cart"),
        FollowUp("purchase",    0.35, ("sign_up",),                                             (0.0005, 0.5), only_guests=True, same_device=True),
        FollowUp("purchase",    0.60, ("track_order",),                                         (2.5, 0.4), source="order_dispatched"),
        FollowUp("purchase",    0.20, ("page_view", "review_submitted"),                        (10, 0.3), source="review_request"),
        FollowUp("purchase",    0.07, ("page_view", "refund"),                                  (9, 0.5)),
        FollowUp("purchase",    0.15, ("view_item_list", "view_item", "add_to_cart", "begin_checkout", "add_payment_info", "purchase"), (28, 0.5), keep=0.75),
    ),
    channels=ECOMMERCE_CHANNELS,
    experiment=Experiment("guest_checkout", "sign_up", 0.09, skip_b=0.7),
    pages={
        "page_view": ("/", "/size-guide", "/shipping", "/returns-policy", "/c/new-in", "/account/orders", "/stores", "/404"),
        "view_item_list": ("/c/kids-school-shoes", "/c/kids-sneakers", "/c/sale"),
        "view_item": ("/p/velcro-school-shoe-navy", "/p/leather-school-shoe-black", "/p/runner-sneaker-white",
                      "/p/rain-boot-yellow", "/p/sandal-brown"),
        "add_to_cart": ("/cart",),
        "begin_checkout": ("/checkout",),
        "sign_up": ("/checkout/account",),
        "login": ("/login",),
        "add_payment_info": ("/checkout/payment",),
        "purchase": ("/checkout/confirmation",),
        "track_order": ("/account/orders/track",),
        "refund": ("/account/returns",),
        "review_submitted": ("/account/reviews",),
    },
    page_events=("first_visit", "view_item_list", "view_item", "begin_checkout", "add_payment_info", "purchase"),
    stage_of={
        "first_visit": "Discover", "view_item_list": "Browse", "view_item": "Product page", "add_to_cart": "Cart",
        "begin_checkout": "Checkout", "add_payment_info": "Checkout", "purchase": "Checkout",
        "track_order": "Delivery", "refund": "Review", "review_submitted": "Review",
    },
    channel_steps=("add_to_cart", "begin_checkout"),
    device_steps=("begin_checkout", "add_payment_info"),
    countries={"DE": 0.40, "AT": 0.10, "NL": 0.14, "FR": 0.10, "GB": 0.10, "CH": 0.06, "IT": 0.05, "CN": 0.05},
    user_prefix="cust_",
    basket=(54.0, 0.45),
    weekend=1.2,
    mobile_factor=(1.0, 0.8, 0.92),
    swap=0.08,
    switchers=(0.3, 0.6, 0.45),
    nps=("purchase", "Review", "Email survey"),
    poll=("view_item", "Product page", "Product page poll", 0.04, 3.8),
    csat=(
        ("purchase", "Checkout", "Checkout", 0.25, 3.7),
        ("track_order", "Delivery", "Delivery tracking", 0.20, 4.1),
        ("refund", "Review", "Returns portal", 0.40, 3.2),
    ),
    comments={
        "bad": (
            "Shipping cost only showed up at checkout, almost gave up.",
            "Why do I need an account to buy one pair of shoes?",
            "Started the order on my phone, the cart was empty on the laptop.",
            'Size guide said "true to size", they were not',
            "结账时才看到运费，体验很不好。",
            "手机上加入购物车，电脑上却找不到了",
        ),
        "meh": (
            "Delivery took 4 days, fine, but the tracking link did not work at first.",
            "Returns were easy.\nRefund took a week though.",
            "Good shoes, a bit pricey, the sale section is small",
            "鞋子质量不错，就是配送有点慢。",
            "=) ok",
        ),
        "good": (
            "Guest checkout, done in two minutes. Perfect!",
            "My son loves them, ordered a second pair, same size.",
            'The "size guide" was spot on, thanks',
            "Fast delivery.\nWill buy again.",
            "鞋码指南很准确，孩子穿着很合适！",
            "配送很快，包装也很好，下次还会买",
        ),
    },
)
# fmt: on

SCENARIOS = {s.name: s for s in (SAAS, ECOMMERCE)}


def generate_events(
    n_users: int = 2000,
    seed: int = 7,
    start: str = "2026-09-01",
    days: int = 60,
    scenario: str | Scenario = "saas",
) -> pd.DataFrame:
    """Return the ground-truth event log of `n_users` people, one row per event, sorted by `ts`.

    People arrive over `days` from `start` (UTC); events after the window are cut, as in a real
    export. Columns: see `COLUMNS`; `person_id` is the truth no tool has (who owns which device).
    """
    if n_users < 1:
        raise ValueError("n_users must be at least 1")
    sc = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    rng = np.random.default_rng(seed)
    start_us = pd.Timestamp(start, tz="UTC").value // 1000
    people = _people(sc, n_users, rng, start_us, days)
    path = _main_path(sc, people, rng)
    rows = _concat(
        [_step_rows(sc, people, path), _redo_rows(path, rng), *_extra_rows(sc, path, rng)]
    )
    rows = _concat([rows, *_follow_up_rows(sc, people, path, rows, rng)])
    t_id = _identified_at(sc, rows, n_users)
    rows = _concat([rows, _cross_device_rows(sc, path, rows, t_id, rng)])
    rows["page"] = _pages(sc, rows, rng)
    rows = _concat([rows, _page_view_rows(sc, rows, rng)])
    rows = _by_device(sc, _take(rows, rows["ts"] < start_us + days * DAY_US))
    rows["session"] = _sessions(rows)
    rows = _with_automatic_rows(sc, rows, t_id)
    frame = _frame(sc, people, rows, t_id, rng)
    frame.attrs.update(scenario=sc.name, site=sc.site)
    return frame


# -- people ----------------------------------------------------------------------------


def _people(sc: Scenario, n: int, rng: np.random.Generator, start_us: int, days: int) -> dict:
    """Draw who the people are: channel, devices, country, variant, when they first come."""
    channel = _pick(rng, [c.share for c in sc.channels], n)
    dev0 = _pick_rows(rng, np.array([c.devices for c in sc.channels])[channel])
    dev1 = _pick_rows(rng, SECOND_DEVICE[dev0])
    return {
        "channel": channel,
        "dev": np.stack([dev0, dev1], axis=1),
        "platform": np.stack([_platform(rng, dev0), _platform(rng, dev1)], axis=1),
        "switcher": rng.random(n) < np.array(sc.switchers)[dev0],
        "country": _pick(rng, list(sc.countries.values()), n),
        "variant_b": rng.random(n) < 0.5,
        "plan": _pick(rng, [p[2] for p in sc.plans] or [1.0], n),
        "t0": _arrivals(sc, rng, n, start_us, days),
    }


def _arrivals(sc: Scenario, rng: np.random.Generator, n: int, start_us: int, days: int):
    """First-visit times: more on the scenario's busy weekdays, in the day's busy hours."""
    weekday = (pd.Timestamp(start_us * 1000, tz="UTC").day_of_week + np.arange(days)) % 7
    weights = np.where(weekday >= 5, sc.weekend, 1.0) * (1 + 0.3 * np.arange(days) / days)
    day = _pick(rng, weights, n)
    hour = _pick(rng, HOUR_WEIGHTS, n)
    return start_us + day * DAY_US + hour * 3600 * US + rng.integers(0, 3600 * US, n)


def _platform(rng: np.random.Generator, device: np.ndarray) -> np.ndarray:
    """One row of `PLATFORMS` per device: an iPhone runs iOS, a laptop never does."""
    table = np.zeros((len(DEVICES), len(PLATFORMS)))
    for i, (dev, _, _, share) in enumerate(PLATFORMS):
        table[DEVICES.index(dev), i] = share
    return _pick_rows(rng, table[device])


# -- the main path ------------------------------------------------------------------------


def _main_path(sc: Scenario, people: dict, rng: np.random.Generator) -> dict:
    """Decide, person by step, who gets how far, when, on which device, with which event."""
    n, k = len(people["t0"]), len(sc.steps)
    gap = np.array([s.gap[0] for s in sc.steps]) * np.exp(
        np.array([s.gap[1] for s in sc.steps]) * rng.standard_normal((n, k))
    )
    gap_us = (gap * US).astype(np.int64) + 1
    gap_us[:, 0] = 0
    # A switcher changes device at their first return visit (a gap over 30 minutes).
    long = gap_us > SESSION_GAP_US
    long[:, 0] = False
    first_long = np.where(long.any(axis=1), long.argmax(axis=1), k)
    switch_at = np.where(people["switcher"], first_long, k)
    slot = np.arange(k)[None, :] >= switch_at[:, None]
    rate = _rates(sc, people, slot, switch_at)
    reached = np.logical_and.accumulate(rng.random((n, k)) < rate, axis=1)
    times = people["t0"][:, None] + np.cumsum(gap_us, axis=1)
    _swap_browsing(sc, rng, reached, times, switch_at)
    return {
        "reached": reached,
        "depth": reached.sum(axis=1) - 1,
        "times": times,
        "gap_us": gap_us,
        "slot": slot,
        "switch_at": switch_at,
        "emitted": reached & ~_skipped(sc, people, rng, n),
        "codes": _step_codes(sc, rng, n),
    }


def _rates(sc: Scenario, people: dict, slot: np.ndarray, switch_at: np.ndarray) -> np.ndarray:
    """Per person and step, the chance to move on: channel, device, variant, device switch."""
    n, k = slot.shape
    events = [s.event for s in sc.steps]
    rate = np.tile(np.array([s.rate for s in sc.steps]), (n, 1))
    lift = np.array([c.lift for c in sc.channels])[people["channel"]]
    for name in sc.channel_steps:
        rate[:, events.index(name)] *= lift
    factor = np.array(sc.mobile_factor)
    for name in sc.device_steps:
        j = events.index(name)
        rate[:, j] *= factor[np.where(slot[:, j], people["dev"][:, 1], people["dev"][:, 0])]
    rate[people["variant_b"], events.index(sc.experiment.step)] += sc.experiment.lift
    # The cart or the half-filled form stayed on the old device: people give up after.
    switched = np.flatnonzero(switch_at < k - 1)
    rate[switched, switch_at[switched] + 1] *= sc.switch_loss
    rate = np.clip(rate, 0.0, 0.98)
    rate[:, 0] = 1.0
    return rate


def _swap_browsing(sc: Scenario, rng, reached, times, switch_at) -> None:
    """Some people do steps 1 and 2 the other way round (pricing before templates)."""
    swap = reached[:, 2] & (switch_at > 2) & (rng.random(len(switch_at)) < sc.swap)
    times[swap, 1], times[swap, 2] = times[swap, 2], times[swap, 1].copy()


def _skipped(sc: Scenario, people: dict, rng: np.random.Generator, n: int) -> np.ndarray:
    """Who passes a step without its event: deep links, and guest checkout in variant B."""
    skip = np.tile(np.array([s.skip for s in sc.steps]), (n, 1))
    j = [s.event for s in sc.steps].index(sc.experiment.step)
    skip[people["variant_b"], j] = sc.experiment.skip_b
    return rng.random((n, len(sc.steps))) < skip


def _step_codes(sc: Scenario, rng: np.random.Generator, n: int) -> np.ndarray:
    """Event codes per person and step; a step with `alt` is sometimes another event."""
    vocab = sc.vocabulary
    codes = np.tile(np.array([vocab.index(s.event) for s in sc.steps], dtype=np.int16), (n, 1))
    for j, step in enumerate(sc.steps):
        if step.alt:
            codes[rng.random(n) < step.alt[1], j] = vocab.index(step.alt[0])
    return codes


# -- rows ------------------------------------------------------------------------------
# Rows are dicts of equal-length arrays: person, code, ts (µs), slot (0 first device,
# 1 second), page (code, -1 = pick by event), src (channel of a visit, -1 = usual), plan_up.


def _rows(person, code, ts, slot, page=None, src=-1, plan_up=0) -> dict:
    n = len(person)
    return {
        "person": np.asarray(person, dtype=np.int64),
        "code": np.broadcast_to(np.asarray(code, dtype=np.int16), n).copy(),
        "ts": np.asarray(ts, dtype=np.int64),
        "slot": np.asarray(slot, dtype=np.int8),
        "page": np.full(n, -1, dtype=np.int32) if page is None else page.astype(np.int32),
        "src": np.full(n, src, dtype=np.int16),
        "plan_up": np.full(n, plan_up, dtype=np.int8),
    }


def _concat(parts: list[dict]) -> dict:
    parts = [p for p in parts if p]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _take(rows: dict, index: np.ndarray) -> dict:
    return {key: value[index] for key, value in rows.items()}


def _step_rows(sc: Scenario, people: dict, path: dict) -> dict:
    """One row per emitted step; the first visit lands on its channel's landing page."""
    person, j = np.nonzero(path["emitted"])
    landing = np.array([sc.page_list.index(c.landing) for c in sc.channels])
    page = np.where(j == 0, landing[people["channel"][person]], -1)
    return _rows(
        person, path["codes"][person, j], path["times"][person, j], path["slot"][person, j], page
    )


def _redo_rows(path: dict, rng: np.random.Generator) -> dict:
    """On the new device people first redo the step before: the cart did not come along."""
    person = np.flatnonzero((path["switch_at"] >= 2) & (path["switch_at"] <= path["depth"]))
    j = path["switch_at"][person]
    ts = path["times"][person, j] - rng.integers(5 * US, 120 * US, len(person))
    return _rows(person, path["codes"][person, j - 1], ts, np.ones(len(person)))


def _extra_rows(sc: Scenario, path: dict, rng: np.random.Generator) -> list[dict]:
    """Loops and browsing around each step, before the person moves on (or leaves)."""
    vocab, k = sc.vocabulary, len(sc.steps)
    parts = []
    for j, step in enumerate(sc.steps):
        nxt = path["gap_us"][:, j + 1] if j + 1 < k else np.zeros(len(path["depth"]), np.int64)
        moved_on = path["depth"] > j
        window = np.where(moved_on, np.minimum(0.4 * nxt, 15 * 60 * US), 15 * 60 * US)
        for event, mean in step.extras:
            who = np.flatnonzero(path["reached"][:, j])
            person = np.repeat(who, rng.poisson(mean, len(who)))
            offset = (rng.random(len(person)) * window[person]).astype(np.int64) + 1
            ts = path["times"][person, j] + offset
            parts.append(_rows(person, vocab.index(event), ts, path["slot"][person, j]))
    return parts


def _follow_up_rows(sc: Scenario, people: dict, path: dict, rows: dict, rng) -> list[dict]:
    """Later visits: each follow-up picks its people, then their visits, then the events."""
    events = [s.event for s in sc.steps]
    guests = ~np.isfinite(_identified_at(sc, rows, len(people["t0"])))
    campaigns = [c.campaign for c in sc.channels]
    parts = []
    for f in sc.follow_ups:
        j = events.index(f.after)
        eligible = path["reached"][:, j] & (rng.random(len(guests)) < f.share)
        eligible &= (path["depth"] == j) if f.only_stopped else True
        eligible &= guests if f.only_guests else True
        eligible &= (people["plan"] + f.plan_up < len(sc.plans)) if f.plan_up else True
        who = np.flatnonzero(eligible)
        person = np.repeat(who, 1 + rng.poisson(max(f.visits - 1, 0), len(who)))
        delay = (
            f.delay[0] * np.exp(f.delay[1] * rng.standard_normal(len(person))) * DAY_US
        ).astype(np.int64)
        visit_ts = path["times"][person, j] + _cumsum_by_group(delay + 1, person)
        slot = _visit_slot(f, path, person, j, visit_ts, rng)
        src = campaigns.index(f.source) if f.source else -1
        parts.append(_visit_rows(sc, f.events, person, visit_ts, slot, f.keep, rng, src, f.plan_up))
    return parts


def _visit_slot(f: FollowUp, path: dict, person, j, visit_ts, rng) -> np.ndarray:
    """Switchers come back on either device once they have used the second one."""
    own = path["slot"][person, j]
    if f.same_device:
        return own
    switched = path["switch_at"][person] <= path["depth"][person]
    k = len(path["gap_us"][0])
    switch_ts = path["times"][person, np.minimum(path["switch_at"][person], k - 1)]
    either = switched & (visit_ts >= switch_ts)
    return np.where(either, rng.random(len(person)) < 0.5, own).astype(np.int8)


def _visit_rows(sc, names, person, visit_ts, slot, keep, rng, src=-1, plan_up=0) -> dict:
    """The events of one visit per person, seconds to minutes apart; some stop early."""
    vocab, n, m = sc.vocabulary, len(person), len(names)
    gaps = (45 * np.exp(rng.standard_normal((n, m))) * US).astype(np.int64) + 1
    gaps[:, 0] = 0
    stay = np.logical_and.accumulate(rng.random((n, m)) < np.r_[1.0, np.full(m - 1, keep)], axis=1)
    row, col = np.nonzero(stay)
    ts = visit_ts[row] + np.cumsum(gaps, axis=1)[row, col]
    code = np.array([vocab.index(e) for e in names], dtype=np.int16)[col]
    return _rows(person[row], code, ts, slot[row], src=src, plan_up=plan_up)


def _cumsum_by_group(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running sum of `values` within runs of equal `group` (the runs are contiguous)."""
    total = np.cumsum(values)
    if not len(values):
        return total
    starts = np.r_[True, group[1:] != group[:-1]]
    base = (total - values)[starts]
    return total - np.repeat(base, np.diff(np.r_[np.flatnonzero(starts), len(values)]))


def _identified_at(sc: Scenario, rows: dict, n: int) -> np.ndarray:
    """When each person first signs up or logs in (µs), +inf for people who never do."""
    t_id = np.full(n, np.inf)
    codes = [sc.vocabulary.index(e) for e in sc.identify]
    hit = np.isin(rows["code"], codes)
    np.minimum.at(t_id, rows["person"][hit], rows["ts"][hit])
    return t_id


def _cross_device_rows(sc: Scenario, path: dict, rows: dict, t_id, rng) -> dict:
    """Most identified switchers later open the product on the other device too (and log in)."""
    hit = np.isin(rows["code"], [sc.vocabulary.index(e) for e in sc.identify])
    order = np.lexsort((rows["ts"][hit], rows["person"][hit]))
    person, first = np.unique(rows["person"][hit][order], return_index=True)
    id_slot = rows["slot"][hit][order][first]
    switched = path["switch_at"][person] <= path["depth"][person]
    keep = switched & (rng.random(len(person)) < 0.8)
    person, id_slot = person[keep], id_slot[keep]
    delay = (1.5 * np.exp(rng.standard_normal(len(person))) * DAY_US).astype(np.int64)
    visit_ts = t_id[person].astype(np.int64) + delay
    return _visit_rows(sc, sc.cross_device, person, visit_ts, 1 - id_slot, 1.0, rng)


# -- sessions and automatic events ------------------------------------------------------


def _page_view_rows(sc: Scenario, rows: dict, rng: np.random.Generator) -> dict:
    """A page_view just before each event that loads a page (at the same instant on landing)."""
    vocab = sc.vocabulary
    part = _take(rows, np.isin(rows["code"], [vocab.index(e) for e in sc.page_events]))
    landing = part["code"] == vocab.index("first_visit")
    part["ts"] -= np.where(landing, 0, rng.integers(1, 800_000, len(landing)))
    part["code"][:] = vocab.index("page_view")
    part["plan_up"][:] = 0
    return part


def _rank_key(sc: Scenario, rows: dict) -> np.ndarray:
    """Sort key: time, then the automatic events first at the same instant."""
    rank = np.array([RANKS.get(e, 4) for e in sc.vocabulary], dtype=np.int64)
    return (rows["ts"] - rows["ts"].min(initial=0)) * 8 + rank[rows["code"]]


def _by_device(sc: Scenario, rows: dict) -> dict:
    """Rows sorted by person, device, time: the order sessions and first events need.

    Two plain sorts on one int64 key each (time rank, then device and that rank) beat a
    two-key lexsort by a factor of two on ten million rows.
    """
    by_time = np.argsort(_rank_key(sc, rows))
    ordinal = np.empty_like(by_time)
    ordinal[by_time] = np.arange(len(by_time))
    device = rows["person"] * 2 + rows["slot"]
    return _take(rows, np.argsort((device << 34) | ordinal))


def _sessions(rows: dict) -> np.ndarray:
    """Session number per row (rows sorted by person, device, time): 30 minutes idle = new."""
    device = rows["person"] * 2 + rows["slot"]
    new = np.r_[True, (device[1:] != device[:-1]) | (np.diff(rows["ts"]) > SESSION_GAP_US)]
    return np.cumsum(new) - 1


def _with_automatic_rows(sc: Scenario, rows: dict, t_id: np.ndarray) -> dict:
    """Add what the tools add by themselves: session_start, first_visit on a new device, login.

    A device used after the person was identified elsewhere logs in first; that shared
    user_id is what lets a reader join the two devices of one person. Each new row goes
    right before (or, by rank, after) the row it copies, so no second full sort is needed.
    """
    vocab = sc.vocabulary
    device = rows["person"] * 2 + rows["slot"]
    device_first = np.r_[True, device[1:] != device[:-1]]
    post = rows["ts"] >= t_id[rows["person"]]
    first_post = post & (device_first | ~np.r_[False, post[:-1]])
    masks = {
        "session_start": np.r_[True, rows["session"][1:] != rows["session"][:-1]],
        "first_visit": device_first & (rows["slot"] == 1),
        "login": first_post & ~np.isin(rows["code"], [vocab.index(e) for e in sc.identify]),
    }
    anchor = np.concatenate([np.flatnonzero(m) for m in masks.values()])
    code = np.repeat([vocab.index(e) for e in masks], [m.sum() for m in masks.values()])
    rank = np.array([RANKS.get(e, 4) for e in vocab], dtype=np.int64)
    order = np.lexsort((rank[code], anchor))
    anchor, code = anchor[order], code[order].astype(np.int16)
    added = _take(rows, anchor)
    added["code"], added["plan_up"][:] = code, 0
    added["page"][code == vocab.index("login")] = sc.page_list.index(sc.pages["login"][0])
    n, m = len(device), len(anchor)
    base_key = np.arange(n) * 8 + rank[rows["code"]]
    at = np.searchsorted(base_key, anchor * 8 + rank[code]) + np.arange(m)
    source = np.empty(n + m, dtype=np.int64)
    kept = np.ones(n + m, dtype=bool)
    kept[at] = False
    source[at], source[kept] = n + np.arange(m), np.arange(n)
    return _take(_concat([rows, added]), source)


# -- the frame ---------------------------------------------------------------------------


def _frame(sc: Scenario, people: dict, rows: dict, t_id: np.ndarray, rng) -> pd.DataFrame:
    """Turn the rows (sorted by device) into the ground-truth frame, ordered by time."""
    rows["channel"] = _session_channels(sc, people, rows, rng)
    rows["revenue"], rows["plan"] = _revenue(sc, people, rows, rng)
    device = rows["person"] * 2 + rows["slot"]
    rows["device"] = np.cumsum(np.r_[True, device[1:] != device[:-1]]) - 1
    rows = _take(rows, np.argsort(_rank_key(sc, rows), kind="stable"))
    person, slot, code = rows["person"], rows["slot"], rows["code"]
    channel, platform = rows["channel"], people["platform"][person, slot]
    identified = rows["ts"] >= t_id[person]
    sessions = _numbered("s", int(rows["session"].max()) + 1, 8)
    columns = {
        "person_id": person,
        "user_id": _take_str(
            _user_ids(sc, len(people["t0"]), rng), np.where(identified, person, -1)
        ),
        "anonymous_id": _take_str(_uuids(rng, int(rows["device"].max()) + 1), rows["device"]),
        "event": _cat(code, sc.vocabulary),
        "ts": pd.to_datetime(rows["ts"], unit="us", utc=True),
        "session_id": _take_str(sessions, rows["session"]),
        "source": _cat(channel, [c.source for c in sc.channels]),
        "medium": _cat(channel, [c.medium for c in sc.channels]),
        "campaign": _cat(channel, [c.campaign for c in sc.channels]),
        "device": _cat(people["dev"][person, slot], DEVICES),
        "os": _cat(platform, [p[1] for p in PLATFORMS]),
        "browser": _cat(platform, [p[2] for p in PLATFORMS]),
        "country": _cat(people["country"][person], list(sc.countries)),
        "page": _cat(rows["page"], sc.page_list),
        "revenue": rows["revenue"],
        "currency": _cat(np.where(code == sc.vocabulary.index("purchase"), 0, -1), ["EUR"]),
        "experiment_variant": _cat(people["variant_b"][person].astype(np.int64), ["A", "B"]),
        "plan": _cat(rows["plan"], [p[0] for p in sc.plans]),
    }
    return pd.DataFrame(columns)


def _session_channels(sc: Scenario, people: dict, rows: dict, rng) -> np.ndarray:
    """Channel per row, set per session: the first session keeps the acquisition channel."""
    first = np.flatnonzero(np.r_[True, rows["session"][1:] != rows["session"][:-1]])
    person, start, src = rows["person"][first], rows["ts"][first], rows["src"][first]
    earliest = np.full(len(people["t0"]), np.iinfo(np.int64).max)
    np.minimum.at(earliest, person, start)
    returning = _pick(rng, [c.returning for c in sc.channels], len(first))
    returning = np.where(rng.random(len(first)) < 0.15, people["channel"][person], returning)
    acquired = people["channel"][person]
    per_session = np.where(src >= 0, src, np.where(start == earliest[person], acquired, returning))
    return np.repeat(per_session, np.diff(np.r_[first, len(rows["session"])]))


def _pages(sc: Scenario, rows: dict, rng: np.random.Generator) -> np.ndarray:
    """Page code per row: the row's own if set, else one of its event's pages at random."""
    vocab, pages = sc.vocabulary, sc.page_list
    options = [sc.pages.get(e, sc.pages["page_view"]) for e in vocab]
    table = np.full((len(vocab), max(map(len, options))), -1, dtype=np.int32)
    for i, group in enumerate(options):
        table[i, : len(group)] = [pages.index(p) for p in group]
    count = np.array([len(o) for o in options])[rows["code"]]
    picked = table[rows["code"], (rng.random(len(count)) * count).astype(np.int64)]
    return np.where(rows["page"] >= 0, rows["page"], picked)


def _revenue(sc: Scenario, people: dict, rows: dict, rng) -> tuple[np.ndarray, np.ndarray]:
    """Revenue on purchases (plan price, or a basket), and the plan on purchases and upgrades."""
    vocab, code = sc.vocabulary, rows["code"]
    purchase = code == vocab.index("purchase")
    revenue = np.full(len(code), np.nan)
    plan = np.full(len(code), -1, dtype=np.int64)
    if sc.plans:
        level = np.minimum(people["plan"][rows["person"]] + rows["plan_up"], len(sc.plans) - 1)
        carries = purchase | (code == vocab.index("upgrade_plan"))
        plan = np.where(carries, level, -1)
        revenue[purchase] = np.array([p[1] for p in sc.plans])[level[purchase]]
    else:
        basket = sc.basket[0] * np.exp(sc.basket[1] * rng.standard_normal(int(purchase.sum())))
        revenue[purchase] = np.maximum(np.round(basket), 10) - 0.05
    return revenue, plan


# -- tables derived from the events --------------------------------------------------


def scenario_of(events: pd.DataFrame, scenario: str | Scenario | None = None) -> Scenario:
    """The scenario an event frame came from: given, remembered in `attrs`, or guessed."""
    if isinstance(scenario, Scenario):
        return scenario
    name = scenario or events.attrs.get("scenario")
    if name is None:
        name = "ecommerce" if (events["event"] == "view_item").any() else "saas"
    return SCENARIOS[name]


def generate_costs(events: pd.DataFrame, seed: int = 7, scenario=None) -> pd.DataFrame:
    """Daily spend per campaign, as an ad platform or a finance sheet reports it.

    Clicks follow the sessions each campaign brought. Paid campaigns pay per click; organic
    and content cost little or nothing, so "an expensive ad campaign vs free content" shows.
    """
    sc = scenario_of(events, scenario)
    rng = np.random.default_rng(seed)
    keys = ["source", "medium", "campaign"]
    firsts = events.drop_duplicates("session_id")
    day = firsts["ts"].dt.tz_convert(None).dt.normalize().rename("date")
    visits = firsts[keys].astype(object).fillna("").assign(date=day).groupby(["date", *keys]).size()
    table = pd.DataFrame(
        [
            (c.source, c.medium, c.campaign or "", c.label, c.cpc, c.ctr)
            for c in sc.channels
            if c.medium != "(none)"
        ],
        columns=[*keys, "channel", "cpc", "ctr"],
    ).drop_duplicates(keys)
    days = pd.DataFrame({"date": pd.date_range(day.min(), day.max(), freq="D")})
    grid = days.merge(table, how="cross").merge(
        visits.rename("visits").reset_index(), how="left", on=["date", *keys]
    )
    visits = grid["visits"].fillna(0).to_numpy()
    clicks = np.round(visits * rng.uniform(1.05, 1.3, len(grid))).astype(np.int64)
    noise = np.exp(0.15 * rng.standard_normal(len(grid)))
    cost = np.round(clicks * grid["cpc"].to_numpy() * noise, 2)
    shown = np.round(
        clicks / grid["ctr"].where(grid["ctr"] > 0) * np.exp(0.1 * rng.standard_normal(len(grid)))
    )
    costs = grid.assign(cost=cost, currency="EUR", impressions=shown.astype("Int64"), clicks=clicks)
    costs["campaign"] = costs["campaign"].replace("", None)
    costs = costs[(costs["clicks"] > 0) | (costs["cost"] > 0)]
    columns = ["date", *keys, "channel", "cost", "currency", "impressions", "clicks"]
    return costs[columns].sort_values(["date", "channel", *keys]).reset_index(drop=True)


def stage_table(
    events: pd.DataFrame, scenario=None, costs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Weekly people per stage and first-touch channel, as a team pastes it from a dashboard.

    `users` entered the stage that week (Monday dates), `conversions` of them ever reached
    the next stage that has events; cost sits on the first stage, revenue where it is earned.
    """
    sc = scenario_of(events, scenario)
    costs = generate_costs(events, scenario=sc) if costs is None else costs
    labels = pd.DataFrame(
        [(c.source, c.medium, c.label) for c in sc.channels],
        columns=["source", "medium", "channel"],
    )
    first = events.drop_duplicates("person_id")[["person_id", "source", "medium"]].astype(
        {"source": object, "medium": object}
    )
    channel = first.merge(labels.drop_duplicates(["source", "medium"]), how="left").set_index(
        "person_id"
    )["channel"]
    staged = events.assign(stage=events["event"].astype(object).map(sc.stage_of)).dropna(
        subset=["stage"]
    )
    entries = staged.groupby(["person_id", "stage"], as_index=False)["ts"].min()
    present = [s for s in sc.stages if s in set(entries["stage"])]
    following = dict(zip(present, [*present[1:], None], strict=True))
    reached = pd.MultiIndex.from_frame(entries[["person_id", "stage"]])
    wanted = pd.MultiIndex.from_arrays([entries["person_id"], entries["stage"].map(following)])
    entries = entries.assign(
        converted=wanted.isin(reached),
        date=_week(entries["ts"]),
        channel=channel.reindex(entries["person_id"]).fillna("Other").to_numpy(),
    )
    table = entries.groupby(["stage", "date", "channel"]).agg(
        users=("person_id", "size"), conversions=("converted", "sum")
    )
    table.loc[table.index.get_level_values("stage") == present[-1], "conversions"] = pd.NA
    earned = staged.dropna(subset=["revenue"]).assign(
        date=lambda d: _week(d["ts"]),
        channel=lambda d: channel.reindex(d["person_id"]).fillna("Other").to_numpy(),
    )
    revenue = earned.groupby(["stage", "date", "channel"])["revenue"].sum()
    spend = (
        costs.assign(date=_week(costs["date"]), stage=present[0])
        .groupby(["stage", "date", "channel"])["cost"]
        .sum()
    )
    table = (
        table.join(spend.rename("cost"), how="left")
        .join(revenue.rename("revenue"), how="left")
        .reset_index()
    )
    table["revenue"] = table["revenue"].fillna(0.0).round(2)
    table["conversions"] = table["conversions"].astype("Int64")
    order = table["stage"].map({s: i for i, s in enumerate(sc.stages)})
    return (
        table.assign(_order=order)
        .sort_values(["_order", "date", "channel"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _week(ts: pd.Series) -> pd.Series:
    """Monday of the week, as a plain date-time (dashboards show weeks without zones)."""
    day = ts.dt.tz_convert(None) if ts.dt.tz is not None else ts
    day = day.dt.normalize()
    return day - pd.to_timedelta(day.dt.day_of_week, unit="D")


def generate_survey(events: pd.DataFrame, seed: int = 7, scenario=None) -> pd.DataFrame:
    """Survey answers: NPS and CSAT per touchpoint from account holders, an on-site poll.

    Scores lean on what happened to the person (got value, needed support, changed device),
    so a reader can find the same pain points in the survey as in the funnel. Comments mix
    English and Chinese, with commas, quotes, line breaks and a leading "=" on purpose.
    """
    sc = scenario_of(events, scenario)
    rng = np.random.default_rng(seed)
    known = events.dropna(subset=["user_id"])
    did = known.groupby("person_id")["event"].agg(lambda e: set(e.astype(str)))
    devices = events.groupby("person_id")["anonymous_id"].nunique()
    got_value = did.map(
        lambda e: bool(e & {"publish_site", "review_submitted", "track_order", "refer_friend"})
    )
    struggled = did.map(lambda e: bool(e & {"support_chat", "refund"})) | (
        devices.reindex(did.index) > 1
    )
    nps_after, nps_stage, nps_point = sc.nps
    answers = [
        _answers(known, nps_after, 0.45, rng, 3.0).assign(
            survey="nps", stage=nps_stage, touchpoint=nps_point
        )
    ]
    asked = [(known, csat) for csat in sc.csat] + ([(events, sc.poll)] if sc.poll else [])
    for frame, (event, stage, point, share, mean) in asked:
        answer = _answers(frame, event, share, rng, 0.1)
        answers.append(answer.assign(survey="csat", stage=stage, touchpoint=point, mean=mean))
    survey = pd.concat(answers, ignore_index=True)
    survey = survey[survey["submitted_at"] <= events["ts"].max()]
    survey = survey.sort_values("submitted_at", kind="stable").reset_index(drop=True)
    good = got_value.reindex(survey["person_id"], fill_value=False).to_numpy(float)
    bad = struggled.reindex(survey["person_id"], fill_value=False).to_numpy(float)
    mood = 1.2 * good - 1.6 * bad
    noise = rng.standard_normal(len(survey))
    is_nps = (survey["survey"] == "nps").to_numpy()
    nps = np.clip(np.round(7.2 + mood + 2.0 * noise), 0, 10)
    csat = np.clip(np.round(survey["mean"].fillna(4).to_numpy() + 0.5 * mood + 0.9 * noise), 1, 5)
    sentiment = np.where(is_nps, np.digitize(nps, [7, 9]), np.digitize(csat, [3, 5]))
    comment = pd.Series(_comments(sc, sentiment, rng), dtype="str")
    chinese = comment.str.contains("[\u4e00-\u9fff]", na=False)
    return pd.DataFrame(
        {
            "response_id": [f"R{i:05d}" for i in range(1, len(survey) + 1)],
            "user_id": survey["user_id"],
            "anonymous_id": survey["anonymous_id"],
            "submitted_at": survey["submitted_at"].dt.floor("s"),
            "survey": survey["survey"],
            "stage": survey["stage"],
            "touchpoint": survey["touchpoint"],
            "nps": pd.array(np.where(is_nps, nps, np.nan), dtype="Int64"),
            "csat": pd.array(np.where(is_nps, np.nan, csat), dtype="Int64"),
            "comment": comment,
            "language": pd.Series(np.where(chinese, "zh", "en"), dtype="str").where(
                comment.notna()
            ),
        }
    )


def _answers(known: pd.DataFrame, event: str, share: float, rng, days: float) -> pd.DataFrame:
    """One answer from `share` of the people after their first `event`, about `days` later.

    The poll's anonymous visitors are known by their device id only, as in a site widget.
    """
    first = known[known["event"] == event].drop_duplicates("person_id")
    first = first[rng.random(len(first)) < share].reset_index(drop=True)
    delay = pd.to_timedelta(days * 86_400 * np.exp(0.6 * rng.standard_normal(len(first))), unit="s")
    return first[["person_id", "user_id", "anonymous_id"]].assign(submitted_at=first["ts"] + delay)


def _comments(sc: Scenario, sentiment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A free-text comment for about 45% of the answers (60% of the unhappy ones)."""
    if not sc.comments:
        return np.full(len(sentiment), None, dtype=object)
    pools = [sc.comments[k] for k in ("bad", "meh", "good")]
    pick = rng.random(len(sentiment))
    said = rng.random(len(sentiment)) < np.where(sentiment == 0, 0.6, 0.4)
    text = [pools[s][int(p * len(pools[s]))] for s, p in zip(sentiment, pick, strict=True)]
    return np.where(said, np.array(text, dtype=object), None)


# -- small vectorised helpers -------------------------------------------------------------


def _pick(rng: np.random.Generator, weights, n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _pick_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row of a probability matrix (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _cat(codes: np.ndarray, categories) -> pd.Categorical:
    """A categorical from codes into `categories` (None or code -1 = missing)."""
    categories = list(categories)
    unique = list(dict.fromkeys(c for c in categories if c is not None))
    remap = np.array([unique.index(c) if c is not None else -1 for c in categories] + [-1])
    return pd.Categorical.from_codes(remap[np.asarray(codes)], categories=unique)


def _take_str(strings: pa.Array, index: np.ndarray) -> pd.Series:
    """Per-row strings from per-entity strings, without Python objects (-1 = missing)."""
    index = np.asarray(index)
    taken = strings.take(pa.array(index, mask=index < 0))
    return pd.Series(taken, dtype="str")


def _numbered(prefix: str, n: int, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(np.arange(n)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _user_ids(sc: Scenario, n: int, rng: np.random.Generator) -> pa.Array:
    """One account id per person; the numbers are shuffled, like keys of a real database."""
    number = rng.permutation(n) + 10_000
    digits = pc.utf8_lpad(pa.array(number).cast(pa.string()), 7, "0")
    return pc.binary_join_element_wise(sc.user_prefix, digits, "")


def _uuids(rng: np.random.Generator, n: int) -> pa.Array:
    """`n` random UUID4 strings, built as bytes in numpy (no Python loop)."""
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.stack([hexdigits[raw >> 4], hexdigits[raw & 0x0F]], axis=2).reshape(n, 32)
    dashed = np.insert(chars, [8, 12, 16, 20], ord("-"), axis=1)
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(dashed.tobytes()))
