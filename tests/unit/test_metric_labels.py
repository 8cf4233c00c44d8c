"""Metric labels stay a small set whatever bad input arrives."""

import pytest

from omega_tasks.metrics import reason_class


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("malformed JSON: Expecting value: line 1 column 1 (char 0)", "malformed JSON"),
        ("oversized frame: 9000000 bytes (limit 4194304)", "oversized frame"),
        ("implausible trade id 1000000000000000 after 3542198", "implausible trade id"),
        ("unknown message type 'kline'", "unknown message type"),
        ('unknown message type "x1"', "unknown message type"),
        ("missing field 's'", "missing field"),
        ("trade stream carries event 'aggTrade'", "trade stream carries event"),
        ("42", "unreadable"),
    ],
)
def test_a_dead_letter_reason_is_labelled_by_its_class_not_its_value(reason, label):
    assert reason_class(reason) == label
