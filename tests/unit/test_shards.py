"""Shards: a symbol's shard is stable, and the live nodes of a group split the shards so
that each shard has exactly one of them."""

from hypothesis import given
from hypothesis import strategies as st

from omega_tasks.names import queue_names, shard_of, shard_queue
from omega_tasks.worker.shards import assigned


def test_a_symbols_shard_is_the_same_in_every_process_and_run():
    # crc32, not hash(): Python salts str hashes per process
    assert [shard_of(m, 4) for m in ("sim:BTC-USDT", "sim:BNB-USDT", "sim:ETH-USDT")] == [
        0, 1, 2]


def test_one_shard_means_the_plain_queues_and_more_add_numbered_ones():
    assert "traps" in queue_names(1) and "traps.0" not in queue_names(1)
    assert {shard_queue("traps", i) for i in range(3)} <= set(queue_names(3))
    assert "maintenance.0" not in queue_names(3)


@given(st.integers(1, 32), st.lists(st.text("abcdef", min_size=1), min_size=1, max_size=8,
                                    unique=True))
def test_the_live_nodes_split_the_shards_each_to_exactly_one_evenly(shards, nodes):
    members = sorted(nodes)
    taken = [shard for node in members for shard in assigned(shards, members, node)]
    assert sorted(taken) == list(range(shards))
    counts = [len(assigned(shards, members, node)) for node in members]
    assert max(counts) - min(counts) <= 1


def test_a_node_not_yet_among_the_live_ones_takes_no_shard():
    assert assigned(4, ["a@h", "b@h"], "c@h") == []
