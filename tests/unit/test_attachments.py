"""Where quotes, book samples and liquidations go in the tape: before the trade that arrived
after them, by arrival, however the trades are screened or batched."""

from feeder.attachments import Attachments, AttachParams
from feeder.book import BookSync
from feeder.sources import NEXT_ID, DepthSnapshot, DepthUpdate, Liquidated, Quote

KEY = ("binance", "BTC-USDT")


def quote(time_ms: int, bid: float = 100.0) -> Quote:
    return Quote(*KEY, bid, 1.0, bid + 0.1, 2.0, time_ms * 1_000_000, time_ms)


def update(first: int, last: int, time_ms: int, bids=(), asks=()) -> DepthUpdate:
    return DepthUpdate(*KEY, first, last, None, tuple(bids), tuple(asks), time_ms, 0, NEXT_ID)


def test_each_quote_goes_before_the_first_trade_that_arrived_after_it():
    a = Attachments(AttachParams(quote_sample_ms=0))
    a.trade_arrived(KEY, 10)
    a.quote(quote(1000))
    a.quote(quote(1001, 101.0))
    a.trade_arrived(KEY, 11)
    for trade_id in (10, 11):
        a.place(KEY, trade_id)
    placed = a.take(KEY)
    assert [(q.before_trade_id, q.bid) for q in placed.quotes] == [(11, 100.0), (11, 101.0)]
    assert a.take(KEY).quotes == []  # taken once


def test_a_trade_held_back_does_not_move_what_arrived_after_a_later_trade():
    a = Attachments(AttachParams(quote_sample_ms=0))
    a.trade_arrived(KEY, 12)  # 11 is late: the screen holds 12 until it comes
    a.quote(quote(1000))
    a.trade_arrived(KEY, 11)
    a.place(KEY, 11)  # the screen lets 11 then 12 through
    a.place(KEY, 12)
    a.place(KEY, 13)
    assert [q.before_trade_id for q in a.take(KEY).quotes] == [13]


def test_quotes_are_conflated_but_the_one_in_force_at_a_trade_is_kept():
    a = Attachments(AttachParams(quote_sample_ms=100))
    a.trade_arrived(KEY, 1)
    for t in (1000, 1020, 1050, 1120, 1150):  # kept: 1000 and 1120 (100 ms on)
        a.quote(quote(t, float(t)))
    a.trade_arrived(KEY, 2)  # 1150 was in force at trade 2: kept too
    a.quote(quote(1160, 1160.0))  # not kept: no trade follows it before the next sample
    a.place(KEY, 2)
    assert [q.bid for q in a.take(KEY).quotes] == [1000.0, 1120.0, 1150.0]


def test_liquidations_and_book_samples_are_placed_the_same_way():
    a = Attachments(AttachParams(book_sample_ms=100, book_levels=2))
    a.trade_arrived(KEY, 5)
    a.liquidation(Liquidated(*KEY, 900, -1, 99.0, 0.5))
    a.depth(update(1, 3, 1000, bids=[(99.0, 1.0), (98.0, 2.0), (97.0, 3.0)],
                   asks=[(100.0, 1.0)]))
    a.depth(update(4, 4, 1050, bids=[(99.0, 0.0)]))  # within 100 ms: no sample
    a.trade_arrived(KEY, 6)
    a.place(KEY, 6)
    placed = a.take(KEY)
    (liquidation,) = placed.liquidations
    assert (liquidation.before_trade_id, liquidation.side, liquidation.size) == (6, -1, 0.5)
    (sample,) = placed.books
    assert sample.bids == ((99.0, 1.0), (98.0, 2.0)) and sample.asks == ((100.0, 1.0),)
    assert sample.before_trade_id == 6 and not sample.synced  # no snapshot: warming


def test_a_snapshot_naming_no_symbol_goes_to_the_book_its_id_fits():
    a = Attachments()
    a.depth(update(100, 110, 1000))
    a.depth(DepthUpdate("binance", "ETH-USDT", 5, 9, None, (), (), 1000, 0, NEXT_ID))
    key = a.snapshot(DepthSnapshot("binance", "", 104, ((99.0, 1.0),), ((100.0, 1.0),),
                                   1000, 0))
    assert key == KEY and a.book_health(KEY).state == "synced"
    assert a.book_health(("binance", "ETH-USDT")).state == "warming"


def test_the_first_update_after_a_snapshot_must_straddle_it_then_each_continues_the_last():
    spot = BookSync(NEXT_ID, 5, 100)
    spot.update(update(1, 10, 0, bids=[(1.0, 1.0)]))
    spot.update(update(11, 20, 0, bids=[(2.0, 1.0)]))
    spot.snapshot(DepthSnapshot(*KEY, 15, ((1.0, 5.0),), ((9.0, 1.0),), 0, 0))
    assert spot.state == "synced" and spot.last_id == 20 and spot.resyncs == 0
    assert dict(spot.book.bids) == {1.0: 5.0, 2.0: 1.0}  # 1..10 was in the snapshot already
    spot.update(update(22, 25, 0))  # 21 is missing
    assert spot.state == "resyncing" and spot.resyncs == 1 and spot.wants_snapshot
