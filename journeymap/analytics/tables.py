"""The tables a journey team has besides events: stage counts, survey scores, costs.

Each is checked as strictly as an event log: a number that is not a number, or a
score outside its scale, stops the import with the count and examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from journeymap.analytics.detect import COUNT_NAMES, key
from journeymap.analytics.read import read_table
from journeymap.errors import DataError

MONEY_NAMES = ("cost", "spend", "amount", "revenue", "value", "budget")
DATE_NAMES = ("date", "day", "week", "month", "period", "submitted_at", "timestamp", "time")


def _column(frame: pd.DataFrame, names, *, what: str, required: bool = True) -> str | None:
    by_key = {key(c): c for c in frame.columns}
    found = next((by_key[n] for n in names if n in by_key), None)
    if found is None and required:
        raise DataError(
            f"No column looks like the {what} (expected one named like "
            f"{', '.join(repr(n) for n in names[:4])}); rename it and upload again."
        )
    return found


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers as people write them: `1,234.56`, or with a decimal comma, `1.234,56`.

    A comma is the decimal mark when some value ends in a comma and one or two digits
    (`12,50`) or has its comma after its last dot; otherwise commas group thousands.
    """
    text = values.astype("string").str.strip().str.replace(r"[\s\u00a0']", "", regex=True)
    decimal_comma = text.str.contains(r"\d,\d{1,2}$", na=False) | text.str.contains(
        r"\.\d*,\d", na=False
    )
    if decimal_comma.any():
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce")


def unread(values: pd.Series, parsed: pd.Series) -> tuple[int, str]:
    """How many present values did not parse, and up to three of them, quoted."""
    bad = values.notna() & parsed.isna()
    return int(bad.sum()), ", ".join(repr(str(v)) for v in values[bad].unique()[:3])


def _numbers(values: pd.Series, what: str) -> pd.Series:
    """`parse_numbers`, refusing the column if any value is not a number."""
    numbers = parse_numbers(values)
    count, examples = unread(values, numbers)
    if count:
        raise DataError(
            f"{count:,} values in the {what} column {values.name!r} are not numbers "
            f"(e.g. {examples}); fix them and upload again."
        )
    return numbers


def _dates(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, format="mixed", utc=True, errors="coerce")
    count, examples = unread(values, parsed)
    if count:
        raise DataError(
            f"{count:,} dates in column {values.name!r} could not be read (e.g. {examples}); "
            "write them as YYYY-MM-DD and upload again."
        )
    return parsed


def stage_table(frame: pd.DataFrame, stage: str) -> tuple[pd.DataFrame, list[str]]:
    """An aggregated stage table: the stage, its counts and money as numbers, dates parsed."""
    out = pd.DataFrame({"stage": frame[stage].astype("string").str.strip()})
    if out["stage"].isna().any():
        raise DataError(f"{int(out['stage'].isna().sum()):,} rows have no stage name.")
    numeric = {*COUNT_NAMES, *MONEY_NAMES, "conversions", "impressions", "clicks"}
    for column in frame.columns:
        if column == stage:
            continue
        k = key(column)
        if k in numeric:
            out[k] = _numbers(frame[column], "count")
        elif k in DATE_NAMES:
            out["date"] = _dates(frame[column])
        else:
            out[str(column)] = frame[column].astype("string")
    if not any(k in out for k in COUNT_NAMES):
        raise DataError("The stage table has no count column (users, visitors, conversions...).")
    return out.reset_index(drop=True), []


def load_survey(source, *, filename: str | None = None) -> pd.DataFrame:
    """Survey answers: NPS (0-10) and/or CSAT (1-5), optionally per stage, with comments."""
    frame = read_table(source, filename=filename).frame
    nps = _column(frame, ("nps", "nps_score", "recommend", "likelihood_to_recommend"),
                  what="NPS score", required=False)  # fmt: skip
    csat = _column(frame, ("csat", "csat_score", "satisfaction", "score", "rating"),
                   what="CSAT score", required=False)  # fmt: skip
    if nps is None and csat is None:
        raise DataError(
            "No column looks like a survey score: name the 0-10 column 'nps' or the 1-5 "
            "column 'csat', and upload again."
        )
    out = pd.DataFrame(index=frame.index)
    for column, name, low, high in ((nps, "nps", 0, 10), (csat, "csat", 1, 5)):
        if column is None:
            continue
        scores = _numbers(frame[column], name.upper())
        outside = scores.notna() & ((scores < low) | (scores > high) | (scores % 1 != 0))
        if outside.any():
            examples = ", ".join(str(v) for v in frame[column][outside].unique()[:3])
            raise DataError(
                f"{int(outside.sum()):,} {name.upper()} scores are not whole numbers from "
                f"{low} to {high} (e.g. {examples}); fix them and upload again."
            )
        out[name] = scores.astype("Int64")
    optional = {
        "respondent": ("user_id", "respondent_id", "respondent", "customer_id", "email", "id"),
        "stage": ("stage", "journey_stage", "step"),
        "touchpoint": ("touchpoint", "channel", "source"),
        "comment": ("comment", "comments", "feedback", "verbatim", "text", "why"),
    }
    for name, names in optional.items():
        column = _column(frame, names, what=name, required=False)
        if column is not None:
            out[name] = frame[column].astype("string")
    date = _column(frame, DATE_NAMES, what="date", required=False)
    if date is not None:
        out["submitted_at"] = _dates(frame[date])
    return out.reset_index(drop=True)


def load_costs(source, *, filename: str | None = None) -> pd.DataFrame:
    """Spend per channel or campaign per period, for ROI."""
    frame = read_table(source, filename=filename).frame
    cost = _column(frame, ("cost", "spend", "amount", "ad_spend", "budget"), what="cost")
    names = ("channel", "source", "medium", "campaign", "utm_source", "utm_medium", "utm_campaign")
    found = (_column(frame, (n,), what=n, required=False) for n in names)
    by = [c for c in found if c is not None]
    if not by:
        raise DataError(
            "No column says what the money was spent on: add a 'channel' or 'campaign' (or "
            "'source'/'medium') column and upload again."
        )
    out = pd.DataFrame({key(c).removeprefix("utm_"): frame[c].astype("string") for c in by})
    out["cost"] = _numbers(frame[cost], "cost")
    if (out["cost"] < 0).any():
        raise DataError("Some costs are negative; a cost table holds money spent (0 or more).")
    date = _column(frame, DATE_NAMES, what="date", required=False)
    if date is not None:
        out["date"] = _dates(frame[date])
    for extra in ("currency", "impressions", "clicks"):
        column = _column(frame, (extra,), what=extra, required=False)
        if column is None:
            continue
        values = frame[column].astype("string")
        out[extra] = values if extra == "currency" else _numbers(frame[column], extra)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class SurveyScore:
    """A stage's survey answers: NPS on 0-10 (% promoters - % detractors) and CSAT mean on 1-5."""

    nps: float | None
    nps_n: int
    csat: float | None
    csat_n: int


def survey_by_stage(survey: pd.DataFrame) -> dict[str, SurveyScore]:
    """Scores per stage name (case and spaces ignored: the key is `stage_key(name)`)."""
    if "stage" not in survey:
        return {}
    out: dict[str, SurveyScore] = {}
    answered = survey.dropna(subset=["stage"])
    keys = answered["stage"].astype(str).map(stage_key)
    for stage, rows in answered.groupby(keys, sort=True):
        nps = rows["nps"].dropna() if "nps" in rows else pd.Series(dtype=float)
        csat = rows["csat"].dropna() if "csat" in rows else pd.Series(dtype=float)
        score = SurveyScore(
            nps=float(100 * ((nps >= 9).mean() - (nps <= 6).mean())) if len(nps) else None,
            nps_n=len(nps),
            csat=float(csat.astype(float).mean()) if len(csat) else None,
            csat_n=len(csat),
        )
        out[stage] = score
    return out


def stage_key(name: str) -> str:
    """A stage name as survey answers and maps compare it."""
    return " ".join(name.split()).casefold()
