"""Journey analytics: read the exports teams have, normalise them, answer questions fast.

Plain Python (pandas, numpy, pyarrow); no Streamlit here.

    from journeymap.analytics import load_events, DataError
    log = load_events("export.csv")   # a path, bytes or a binary file object
    log.source_format                 # "ga4" | "amplitude" | ... | "generic" | "stage_table"
    log.events                        # actor_id, event, ts (UTC) + normalised columns + properties
    log.warnings                      # plain sentences
"""

from journeymap.analytics.funnels import FunnelResult, StepResult, conversion_over_time, funnel
from journeymap.analytics.load import EventLog, load_events, read_upload
from journeymap.analytics.paths import PathsResult, paths
from journeymap.analytics.prepare import Prepared, prepare
from journeymap.analytics.retention import RetentionResult, retention
from journeymap.analytics.stats import wilson
from journeymap.errors import ChoiceNeeded, DataError

__all__ = [
    "ChoiceNeeded",
    "DataError",
    "EventLog",
    "FunnelResult",
    "PathsResult",
    "Prepared",
    "RetentionResult",
    "StepResult",
    "conversion_over_time",
    "funnel",
    "load_events",
    "paths",
    "prepare",
    "read_upload",
    "retention",
    "wilson",
]
