"""Analytics data: the workspace's datasets, and uploading a new one."""

import streamlit as st

from components import shell
from components.datasets import render_datasets, render_upload

ctx = shell.page_setup("Analytics data")
store = ctx.store
workspace = shell.require_workspace(ctx)

st.title("Analytics data")
st.caption(
    "Upload what your analytics tool exports (GA4, Amplitude, Mixpanel, Segment, PostHog, "
    "or any event log), survey scores and costs. Each upload is prepared once and kept with "
    "this workspace, so later sessions use it without uploading again."
)
st.subheader("Datasets")
render_datasets(store, workspace)
st.subheader("Upload")
render_upload(store, workspace, ctx.user)
