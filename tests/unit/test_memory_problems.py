"""When ``omega status`` calls Redis full: writes refused, or the next batch cannot fit."""

from omega_tasks.fleet import memory_problems

MB = 1 << 20


def test_a_redis_that_refuses_a_write_is_full():
    (problem,) = memory_problems(1 * MB, 3 * MB, writable=False)
    assert problem.startswith("Redis is full: 1,048,576 bytes used of maxmemory 3,145,728")


def test_a_redis_a_batch_of_the_newest_size_no_longer_fits_is_full():
    assert memory_problems(int(2.4 * MB), 3 * MB, True, batch_bytes=250_000) == []
    assert memory_problems(int(2.6 * MB), 3 * MB, True, batch_bytes=250_000)
    assert memory_problems(int(2.9 * MB), 3 * MB, True)  # near maxmemory, whatever fits


def test_without_maxmemory_redis_is_never_full_while_it_takes_writes():
    assert memory_problems(50 * MB, 0, True, batch_bytes=10 * MB) == []
