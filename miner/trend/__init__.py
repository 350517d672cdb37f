"""Over time: periods of a history compared, gates on them, and time series for figures."""
