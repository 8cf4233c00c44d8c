"""Real exchange message shapes, and hypothesis strategies that break them."""

import json

from hypothesis import strategies as st

from feeder.exchanges.binance import BinanceSpot, BinanceUsdm
from feeder.exchanges.coinbase import Coinbase

NOW_NS = 1_723_161_300_000_000_000
SPOT = BinanceSpot("ws://127.0.0.1:1/stream", "http://127.0.0.1:1")
USDM = BinanceUsdm("ws://127.0.0.1:1/stream", "http://127.0.0.1:1")
COINBASE = Coinbase("ws://127.0.0.1:1", "http://127.0.0.1:1")

SPOT_TRADE = ('{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT",'
              '"t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,'
              '"m":true,"M":true}}')
SPOT_QUOTE = ('{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT",'
              '"b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}')
USDM_TRADE = ('{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,'
              '"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006",'
              '"X":"MARKET","m":false}}')
USDM_LIQUIDATION = ('{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1723161256400,'
                    '"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014",'
                    '"p":"61700.10","ap":"61750.00","X":"FILLED","l":"0.014","z":"0.014",'
                    '"T":1723161256399}}}')
COINBASE_TRADES = json.dumps({
    "channel": "market_trades", "timestamp": "2024-08-09T00:01:40.228568804Z",
    "sequence_num": 0, "events": [{"type": "snapshot", "trades": [
        {"product_id": "BTC-USD", "trade_id": "1068572090", "price": "65083.67",
         "size": "0.002186", "time": "2024-08-09T00:01:38.514318Z", "side": "SELL"},
        {"product_id": "BTC-USD", "trade_id": "1068572089", "price": "65083.66",
         "size": "0.00064389", "time": "2024-08-09T00:01:37.139922Z", "side": "BUY"},
    ]}]})
COINBASE_TICKER = ('{"channel":"ticker","timestamp":"2024-08-09T00:01:40.298Z","sequence_num":10,'
                   '"events":[{"type":"update","tickers":[{"type":"ticker","product_id":"BTC-USD",'
                   '"price":"65086.18","volume_24_h":"2867.54532609","best_bid":"65083.66",'
                   '"best_ask":"65083.67","best_bid_quantity":"0.20371215",'
                   '"best_ask_quantity":"0.24290402"}]}]}')
SPOT_DEPTH = ('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255400,'
              '"s":"BTCUSDT","U":50093239213,"u":50093239220,"b":[["61837.63000000",'
              '"4.10000000"],["61837.10000000","0.00000000"]],"a":[["61837.64000000",'
              '"1.20000000"]]}}')
USDM_DEPTH = ('{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,'
              '"T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,'
              '"pu":5123107831937,"b":[["61800.20","2.909"]],"a":[["61800.30","0.000"]]}}')
SPOT_SNAPSHOT = ('{"lastUpdateId":50093239212,"bids":[["61837.63000000","3.78826000"]],'
                 '"asks":[["61837.64000000","1.54698000"]]}')
COINBASE_L2 = ('{"channel":"l2_data","timestamp":"2024-08-09T00:01:40.298Z","sequence_num":11,'
               '"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid",'
               '"event_time":"2024-08-09T00:01:40.290Z","price_level":"65083.66",'
               '"new_quantity":"0.5"},{"side":"offer","event_time":"2024-08-09T00:01:40.290Z",'
               '"price_level":"65090.00","new_quantity":"0"}]}]}')
COINBASE_HEARTBEAT = ('{"channel":"heartbeats","client_id":"","timestamp":'
                      '"2024-08-09T00:01:40.1Z","sequence_num":3,"events":[{"current_time":'
                      '"2024-08-09 00:01:40.1 +0000 UTC","heartbeat_counter":"3"}]}')

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=5),
    max_leaves=20,
)
FIELD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(), st.text(max_size=25),
    st.from_regex(r"-?\d{0,25}(\.\d{0,25})?(e\d{1,3})?", fullmatch=True),
    st.just({}), st.just([]),
)


def mutated(template: str):
    """Real messages with fields changed, dropped or added at any depth."""
    def mutate(data):
        message = json.loads(template)
        for path, value, drop in data:
            node = message
            for step in path[:-1]:
                if isinstance(node, dict) and node:
                    node = node[sorted(node)[step % len(node)]]
                elif isinstance(node, list) and node:
                    node = node[step % len(node)]
            if isinstance(node, dict) and node:
                key = sorted(node)[path[-1] % len(node)]
                if drop:
                    del node[key]
                else:
                    node[key] = value
            elif isinstance(node, list) and node:
                node[path[-1] % len(node)] = value
        return json.dumps(message)

    steps = st.lists(st.integers(0, 50), min_size=1, max_size=5)
    return st.lists(st.tuples(steps, FIELD_VALUES, st.booleans()), min_size=1,
                    max_size=4).map(mutate)
