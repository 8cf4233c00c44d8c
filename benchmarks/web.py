"""Web: event publish → stream client receipt with many SSE clients, and /api/events latency.

    python -m benchmarks.web [--clients 100] [--rate 1000] [--seconds 30] [--probes 20]

A simulated market is paced at ``rate`` trades/s through the real feeder and one worker
process per queue group, while ``omega serve`` (its own process) streams the symbol to
``clients`` Server-Sent Events clients and one more client asks /api/events in a loop. An
event's stream id is the Redis clock when it was added, so publish → receipt is the receipt
time minus that id, on one machine's clock. The same run without the server and clients
gives the Redis CPU the web side adds. A paced simulated market yields few events, so a probe
adds ``probes`` events a second through the store's own event-commit script (the path every
analysis's events take) besides the analyses' own. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import socket
import subprocess
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any

import httpx
import numpy as np

from benchmarks.harness import (
    BIN,
    _tree_cpu_s,
    clean,
    environment,
    redis_url,
    run_pipeline,
    warm_start,
    worker_groups,
    workers,
)
from benchmarks.latency import PacedSource
from omega_tasks.catalog import busy_queues
from omega_tasks.config import Settings
from omega_tasks.messages import Event
from omega_tasks.names import FEED
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams
from omega_tasks.store import Store

EXCHANGE, SYMBOL = "bench", "BTC-USDT"  # the paced source's
EVENT_ID = re.compile(rb"^id: (\d+)-", re.MULTILINE)  # an event's SSE id: its stream id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = environment(settings) | {"OMEGA_WEB_PORT": str(port)}
    server = subprocess.Popen([str(BIN / "omega"), "serve"], env=env,
                              stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/symbols", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)  # the server is still importing
    server.kill()
    raise RuntimeError("omega serve did not answer within 120 s")


async def stream_client(port: int, received: list[float], opened: asyncio.Event,
                        done: asyncio.Event) -> None:
    """One SSE client: note each event's publish → receipt time in ms."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/stream?exchange={EXCHANGE}&symbol={SYMBOL} HTTP/1.1\r\n"
                 "Host: bench\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    while not (await reader.readline()).startswith(b"retry:"):
        pass  # the headers: the stream is open once the server says how to retry
    opened.set()
    pending = b""
    while not done.is_set():
        try:
            data = await asyncio.wait_for(reader.read(1 << 16), 1.0)
        except TimeoutError:
            continue
        if not data:
            break
        now_ms = time.time() * 1000
        complete, _, pending = (pending + data).rpartition(b"\n")
        received.extend(now_ms - int(ms) for ms in EVENT_ID.findall(complete))
    writer.close()


def watch(port: int, received: list[list[float]], opened: threading.Event,
          stop: threading.Event) -> None:
    """Run the stream clients until ``stop``; ``opened`` once every one is connected."""
    async def clients() -> None:
        done = asyncio.Event()
        flags = [asyncio.Event() for _ in received]
        tasks = [asyncio.create_task(stream_client(port, got, flag, done))
                 for got, flag in zip(received, flags, strict=True)]
        await asyncio.gather(*(flag.wait() for flag in flags))
        opened.set()
        await asyncio.to_thread(stop.wait)
        done.set()
        await asyncio.gather(*tasks)

    asyncio.run(clients())


def listen_process(port: int, clients: int, pipe: Connection) -> None:
    """The stream clients in a process of their own (so the feeder's work in the benchmark's
    process does not delay their clocks): say when all are connected; when told how many
    events were added, wait for them (10 s at most), then send back what each received."""
    received: list[list[float]] = [[] for _ in range(clients)]
    opened, stop = threading.Event(), threading.Event()
    listening = threading.Thread(target=watch, args=(port, received, opened, stop))
    listening.start()
    pipe.send(opened.wait(60))
    events = pipe.recv()
    deadline = time.monotonic() + 10
    while min(len(r) for r in received) < events and time.monotonic() < deadline:
        time.sleep(0.05)  # the last events are on their way to the clients
    stop.set()
    listening.join(10)
    pipe.send(received)


def ask_events(port: int, stop: threading.Event, took: list[float],
               refused: list[str]) -> None:
    """Ask /api/events (the newest 200) in a loop, noting each answer's time in ms (and
    what any answer but 200 said)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        while not stop.is_set():
            started = time.perf_counter()
            answer = http.get("/api/events", params={"exchange": EXCHANGE, "symbol": SYMBOL,
                                                     "newest": 200})
            took.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                refused.append(f"{answer.status_code} {answer.text[:200]}")


def probe(store: Store, per_s: float, stop: threading.Event) -> None:
    """Add an event every 1/``per_s`` seconds, as an analysis commits one, until ``stop``."""
    k = store.symbol(EXCHANGE, SYMBOL)
    n = 0
    while not stop.wait(1 / per_s):  # the probe's pace
        n += 1
        store.add_events(k, [Event(f"{EXCHANGE}:{SYMBOL}:probe:{n}", EXCHANGE, SYMBOL, FEED,
                                   "probe", n, int(time.time() * 1000), {"n": n})])


def redis_cpu_s(store: Store) -> float:
    info = store.redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def one_run(settings: Settings, params: SimulationParams, rate: int, seconds: float,
            clients: int, probes: float) -> dict[str, Any]:
    """Feed ``rate`` trades/s for ``seconds``; with ``clients`` > 0, serve and watch."""
    clean(settings)
    warm_start(settings, params)
    store = Store.connect(settings)
    base = simulate(params).trades
    n = int(rate * seconds)
    trades = replace(base[:n], times_ms=tuple(base.times_ms[0] + k * 1000 // rate
                                              for k in range(n)))
    server = None
    results: dict[str, Any] = {"clients": clients}
    received: list[list[float]] = []
    took: list[float] = []
    refused: list[str] = []
    if clients:
        port = free_port()
        server = start_server(settings, port)
    stop = threading.Event()
    try:
        if server is not None:
            pipe, child_end = multiprocessing.Pipe()
            listening = multiprocessing.get_context("spawn").Process(
                target=listen_process, args=(port, clients, child_end))
            listening.start()
            if not pipe.recv():
                raise RuntimeError("the stream clients did not all connect within 60 s")
            asker = threading.Thread(target=ask_events, args=(port, stop, took, refused),
                                     daemon=True)
            asker.start()
            server_cpu = _tree_cpu_s(server.pid)
        redis_cpu = redis_cpu_s(store)
        probes_done = threading.Event()
        probing = threading.Thread(target=probe, args=(store, probes, probes_done), daemon=True)
        probing.start()
        report, fed_s, _ = run_pipeline(settings, PacedSource(trades, rate), settings.batch_max,
                                        settings.batch_ms)
        probes_done.set()
        probing.join(10)
        events = int(store.redis.xlen(store.symbol(EXCHANGE, SYMBOL).events))
        if server is not None:
            pipe.send(events)
            received = pipe.recv()
            server_cpu = _tree_cpu_s(server.pid) - server_cpu
        results["redis_cpu_s"] = round(redis_cpu_s(store) - redis_cpu, 3)
        results.update(trades=report.trades, fed_s=round(fed_s, 2), events=events)
        if server is not None:
            stop.set()
            listening.join(10)
            asker.join(10)
            latency = np.concatenate([np.asarray(r) for r in received])
            results.update(
                deliveries=int(latency.size), expected=events * clients,
                sse_p50_ms=round(float(np.percentile(latency, 50)), 1),
                sse_p99_ms=round(float(np.percentile(latency, 99)), 1),
                sse_max_ms=round(float(latency.max()), 1),
                server_cpu_s=round(server_cpu, 3),
                server_cpu_us_per_event_client=round(1e6 * server_cpu / max(1, latency.size),
                                                     1),
                api_events_requests=len(took), api_events_refused=len(refused),
                api_events_first_refusal=refused[0] if refused else None,
                api_events_p50_ms=round(float(np.percentile(took, 50)), 1),
                api_events_p99_ms=round(float(np.percentile(took, 99)), 1),
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=int, default=1000, help="trades per second")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--probes", type=float, default=20, help="probe events per second")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    params = SimulationParams(hours=12, exchange=EXCHANGE)
    with redis_url(args.redis) as url:
        settings = Settings(redis_url=url, key_prefix="omega-bench-web")
        groups = worker_groups(busy_queues(settings.queues))
        load_before = os.getloadavg()
        with workers(settings, groups, 1):
            alone = one_run(settings, params, args.rate, args.seconds, 0, args.probes)
            watched = one_run(settings, params, args.rate, args.seconds, args.clients,
                              args.probes)
        clean(settings)
    print(f"{args.clients} SSE clients, {args.rate} trades/s for {args.seconds:g} s: "
          f"{watched['events']} events, {watched['deliveries']} deliveries of "
          f"{watched['expected']}")
    print(f"  publish → client receipt  p50 {watched['sse_p50_ms']} ms  "
          f"p99 {watched['sse_p99_ms']} ms  max {watched['sse_max_ms']} ms")
    print(f"  server CPU {watched['server_cpu_s']} s: "
          f"{watched['server_cpu_us_per_event_client']} µs per event delivered to a client "
          "(all its work: events, snapshots and bars to every client, and /api/events)")
    print(f"  /api/events (newest 200) meanwhile: {watched['api_events_requests']} requests, "
          f"p50 {watched['api_events_p50_ms']} ms  p99 {watched['api_events_p99_ms']} ms")
    print(f"  Redis CPU: {alone['redis_cpu_s']} s without the web side, "
          f"{watched['redis_cpu_s']} s with it")
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in load_before)} on "
          f"{os.cpu_count()} CPUs; after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(json.dumps({"benchmark": "web", "rate": args.rate, "seconds": args.seconds,
                      "probes_per_s": args.probes,
                      "load_before": load_before, "cpus": os.cpu_count(),
                      "without_web": alone, "with_web": watched}))


if __name__ == "__main__":
    main()
