"""The client's DataFrames: pandas is an optional extra, and its absence is said plainly."""

import pytest

from omega_tasks import client
from omega_tasks.errors import OmegaError


def test_without_pandas_a_dataframe_method_says_which_extra_to_install(monkeypatch):
    monkeypatch.setattr(client, "pandas", None)
    with pytest.raises(OmegaError, match=r"pip install 'omega-analytics\[pandas\]'"):
        client._frame([], ["time_ms"])


def test_epoch_millisecond_columns_gain_a_utc_time_column():
    frame = client._frame([{"open_ms": 1723161300000, "close": 1.0}], ["open_ms", "close"])
    assert str(frame["open_time"].iloc[0]) == "2024-08-08 23:55:00+00:00"
