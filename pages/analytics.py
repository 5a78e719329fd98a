"""Analytics: the workspace's datasets, uploads, and funnels, paths and retention over them."""

import streamlit as st

from components import shell
from components.datasets import render_datasets, render_upload
from components.metrics import pick_dataset, render_funnel, render_paths, render_retention

ctx = shell.page_setup("Analytics data")
store = ctx.store
workspace = shell.require_workspace(ctx)

st.title("Analytics data")
st.caption(
    "Upload what your analytics tool exports (GA4, Amplitude, Mixpanel, Segment, PostHog, "
    "or any event log), survey scores and costs. Each upload is prepared once and kept with "
    "this workspace; funnels, paths and retention use the same definitions as PostHog."
)
datasets_tab, funnel_tab, paths_tab, retention_tab = st.tabs(
    ["Datasets", "Funnel", "Paths", "Retention"]
)
with datasets_tab:
    st.subheader("Datasets")
    render_datasets(store, workspace)
    st.subheader("Upload")
    render_upload(store, workspace, ctx.user)
datasets = store.list_datasets(workspace.id)
for tab, render, key in (
    (funnel_tab, render_funnel, "funnel"),
    (paths_tab, render_paths, "paths"),
    (retention_tab, render_retention, "retention"),
):
    with tab:
        data = pick_dataset(store, datasets, key=f"{key}:dataset")
        if data is not None:
            render(data)
