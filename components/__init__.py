"""Streamlit building blocks of the app: the only place for session keys and caches."""
