"""A seeded market simulator: the demo's data source and the detectors' ground truth.

The latent log price lives on a one-second grid: Student-t shocks under a GARCH(1,1) variance
and a slow volatility factor, with a drift regime that alternates trends and ranges. Trades
arrive as a Poisson process whose rate follows slow activity, volatility and short spikes; each
reads the latent price at its own millisecond, plus a little noise, on the tick grid. Chop
bursts add a zigzag on top. Sweep episodes rewrite the path one at a time, in time order, so
each targets a swing exactly as a causal detector would have seen it; the ground truth is then
read off the finished trades.

``market.simulate`` runs it; ``params`` holds what to simulate and what comes out; ``tape``
the latent path and the trades under construction; ``episodes`` the injected sweeps and
bursts; ``history`` the warm-up bars before a simulation.
"""
