"""The shard group in Redis: nodes that keep saying they are alive, one that stops saying it
drops out after its lease, one that leaves drops out at once; the key expires."""


def test_a_silent_node_drops_out_after_its_lease_and_a_leaving_one_at_once(store):
    assert store.shards.heartbeat("traps,highfreq", "b@h", 1_000, 5_000) == ["b@h"]
    assert store.shards.heartbeat("traps,highfreq", "a@h", 1_500, 5_000) == ["a@h", "b@h"]
    assert store.shards.heartbeat("fib,trends", "c@h", 1_500, 5_000) == ["c@h"]
    assert store.shards.heartbeat("traps,highfreq", "a@h", 6_001, 5_000) == ["a@h"]
    store.shards.heartbeat("traps,highfreq", "b@h", 6_100, 5_000)
    store.shards.leave("traps,highfreq", "b@h")
    assert store.shards.heartbeat("traps,highfreq", "a@h", 6_200, 5_000) == ["a@h"]
    assert 0 < store.redis.pttl(store.keys.shard_members("traps,highfreq")) <= 50_000


def test_folding_counts_add_up_per_queue(store):
    store.shards.count_folding("traps", 150.0, 100, 1.0)
    store.shards.count_folding("traps", 100.0, 100, 0.0)
    store.shards.count_folding("fib", 100.0, 100, 0.5)
    seen = store.shards.folding()
    assert sorted(seen) == ["fib", "traps"]
    assert (seen["traps"].refolds, seen["traps"].cold_share, seen["traps"].tasks) == (
        1.25, 0.5, 2)
    assert (seen["fib"].refolds, seen["fib"].cold_share) == (1.0, 0.5)
