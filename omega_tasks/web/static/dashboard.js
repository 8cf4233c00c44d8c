// Omega's live dashboard: candles, overlays and events from the HTTP API, kept live by the
// Server-Sent Events stream. Times are UTC (the chart shows epoch times as UTC).
"use strict";

const LC = LightweightCharts;
const SPANS = { "1m": 60e3, "5m": 300e3, "15m": 900e3, "1h": 3600e3, "4h": 14400e3 };
const UP = "#26a69a", DOWN = "#ef5350";
const NAMED = new Set(["traps", "highfreq"]); // detectors whose markers carry their kind as text

const view = {
  exchange: null, symbol: null, tf: "1m", candles: [], forming: null, events: [],
  markers: [], lines: [], stream: null, refetch: null, overlaysDue: null, lastMinute: null,
};
window.omega = view; // what the browser test reads

const $ = (id) => document.getElementById(id);
const chartOptions = {
  autoSize: true,
  layout: { background: { color: "#11161c" }, textColor: "#d6dde4" },
  grid: { vertLines: { color: "#1c242d" }, horzLines: { color: "#1c242d" } },
  timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 4 },
  crosshair: { mode: LC.CrosshairMode.Normal },
};
const chart = LC.createChart($("chart"), chartOptions);
const hf = chart.addHistogramSeries({ priceScaleId: "hf", lastValueVisible: false,
  priceLineVisible: false, color: "rgba(171, 71, 188, 0.18)" });
chart.priceScale("hf").applyOptions({ scaleMargins: { top: 0, bottom: 0 }, visible: false });
const candles = chart.addCandlestickSeries({ upColor: UP, downColor: DOWN, borderVisible: false,
  wickUpColor: UP, wickDownColor: DOWN });
const volume = chart.addHistogramSeries({ priceScaleId: "volume", priceFormat: { type: "volume" },
  lastValueVisible: false, priceLineVisible: false });
chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
const flow = LC.createChart($("flow"), { ...chartOptions, timeScale: { visible: false } });
const cvd = flow.addLineSeries({ color: "#4dd0e1", lineWidth: 1, priceLineVisible: false });
chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
  if (range) flow.timeScale().setVisibleLogicalRange(range);
});

const seconds = (ms) => Math.floor(ms / 1000);
const periodOf = (ms) => ms - (ms % SPANS[view.tf]);
const utc = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);
const num = (x, digits = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

async function api(path, params = {}) {
  const query = new URLSearchParams({ exchange: view.exchange, symbol: view.symbol, ...params });
  const answer = await fetch(`${path}?${query}`);
  const body = await answer.json();
  if (!answer.ok && answer.status !== 503) throw new Error(body.error || answer.statusText);
  return body;
}

function candle(bar) {
  return { time: seconds(bar.open_ms), open: bar.open, high: bar.high, low: bar.low, close: bar.close };
}

function volumeBar(bar) {
  return { time: seconds(bar.open_ms), value: bar.volume,
    color: bar.buy_volume >= bar.volume - bar.buy_volume ? "rgba(38,166,154,.45)" : "rgba(239,83,80,.45)" };
}

function drawBars() {
  const all = view.forming ? [...view.candles, view.forming] : view.candles;
  candles.setData(all.map(candle));
  volume.setData(all.map(volumeBar));
  let total = 0;
  cvd.setData(all.map((b) => ({ time: seconds(b.open_ms), value: (total += 2 * b.buy_volume - b.volume) })));
  $("chart").dataset.candles = String(all.length);
  $("chart").dataset.tf = view.tf;
  drawMarkers();
}

async function loadBars() {
  const got = await api("/api/bars", { tf: view.tf, limit: 600 });
  view.candles = got.bars;
  view.forming = got.forming;
  drawBars();
}

function scheduleBars() { // a minute closed: its final values come from the store
  clearTimeout(view.refetch);
  view.refetch = setTimeout(() => loadBars().catch(showError), 300);
}

function onBar(bar) {
  if (view.lastMinute !== null && bar.open_ms !== view.lastMinute) scheduleBars();
  view.lastMinute = bar.open_ms;
  const start = periodOf(bar.open_ms);
  const current = view.forming;
  if (!current || current.open_ms !== start) {
    if (current) view.candles.push(current);
    view.forming = { ...bar, open_ms: start };
  } else if (view.tf === "1m") {
    view.forming = bar;
  } else {
    view.forming = { ...current, high: Math.max(current.high, bar.high),
      low: Math.min(current.low, bar.low), close: bar.close };
  }
  candles.update(candle(view.forming));
  volume.update(volumeBar(view.forming));
  $("chart").dataset.candles = String(view.candles.length + 1);
  drawMarkers();
}

function marker(event) {
  const dir = Number(event.evidence.direction || 0);
  const kind = event.kind.replace(/_/g, " ");
  return {
    time: seconds(periodOf(event.time_ms)), id: event.id,
    position: dir < 0 ? "aboveBar" : dir > 0 ? "belowBar" : "inBar",
    shape: dir < 0 ? "arrowDown" : dir > 0 ? "arrowUp" : "circle",
    color: dir < 0 ? DOWN : dir > 0 ? UP : "#ffb74d",
    text: NAMED.has(event.detector) ? kind : "",
    size: NAMED.has(event.detector) ? 1.4 : 0.6,
  };
}

function drawMarkers() {
  const times = new Set(view.candles.map((b) => seconds(b.open_ms)));
  if (view.forming) times.add(seconds(view.forming.open_ms));
  const wanted = $("detector").value;
  view.markers = view.events.filter((e) => !wanted || e.detector === wanted).map(marker)
    .filter((m) => times.has(m.time)).sort((a, b) => a.time - b.time);
  candles.setMarkers(view.markers);
}

function eventItem(event, fresh) {
  const li = document.createElement("li");
  li.dataset.id = event.id;
  li.dataset.detector = event.detector;
  li.className = fresh ? "fresh" : "";
  if (fresh) li.dataset.received = String(Date.now());
  li.innerHTML = `<time>${utc(event.time_ms).slice(11)}</time>${esc(event.detector)}/<b>${esc(event.kind)}</b>`;
  li.hidden = Boolean($("detector").value) && $("detector").value !== event.detector;
  li.onclick = () => pick(event, li);
  return li;
}

function pick(event, li) {
  document.querySelectorAll("#events li.picked").forEach((x) => x.classList.remove("picked"));
  li.classList.add("picked");
  $("evidence").hidden = false;
  $("evidence").textContent = `${utc(event.time_ms)} UTC · trade ${event.trade_id}\n` +
    JSON.stringify(event.evidence, null, 1);
  const t = seconds(periodOf(event.time_ms)), span = SPANS[view.tf] / 1000;
  chart.timeScale().setVisibleRange({ from: t - 40 * span, to: t + 20 * span });
}

function addDetector(detector) {
  const select = $("detector");
  if ([...select.options].some((o) => o.value === detector)) return;
  select.add(new Option(detector, detector));
}

function onEvent(event, fresh) {
  if (view.events.some((e) => e.id === event.id)) return;
  view.events.push(event);
  addDetector(event.detector);
  $("events").prepend(eventItem(event, fresh));
  if (fresh) drawMarkers();
}

async function loadEvents() {
  const got = await api("/api/events", { newest: 300 });
  view.events = [];
  $("events").replaceChildren();
  [...got.events].sort((a, b) => a.time_ms - b.time_ms).forEach((e) => onEvent(e, false));
  drawMarkers();
  return got.next;
}

function priceLine(price, color, title, style = LC.LineStyle.Dashed, width = 1) {
  view.lines.push(candles.createPriceLine({ price, color, title, lineStyle: style,
    lineWidth: width, axisLabelVisible: false }));
}

function drawOverlays(o) {
  view.lines.forEach((l) => candles.removePriceLine(l));
  view.lines = [];
  if (o.threshold) {
    priceLine(o.threshold.upper, "#7986cb", "thr +", LC.LineStyle.Solid, 2);
    priceLine(o.threshold.lower, "#7986cb", "thr −", LC.LineStyle.Solid, 2);
  }
  const leg = o.fibonacci.timeframes[view.tf];
  if (leg) Object.entries(leg.levels).forEach(([r, p]) => priceLine(p, "#ffb74d", `fib ${view.tf} ${r}`));
  o.fibonacci.zones.slice(0, 3).forEach((z) => {
    priceLine(z.lo, "#4dd0e1", `zone ×${z.score}`, LC.LineStyle.Solid);
    priceLine(z.hi, "#4dd0e1", "", LC.LineStyle.Solid);
  });
  o.swing_levels.slice(-6).forEach((s) => priceLine(s.price, "#9e9e9e", `swing ${s.side}`, LC.LineStyle.Dotted));
  const spans = o.hf_mode.spans;
  const all = view.forming ? [...view.candles, view.forming] : view.candles;
  hf.setData(all.map((b) => {
    const on = spans.some((s) => b.open_ms + SPANS[view.tf] > s.from_ms && (s.to_ms === null || b.open_ms <= s.to_ms));
    return on ? { time: seconds(b.open_ms), value: 1 } : { time: seconds(b.open_ms) };
  }));
  $("hfmode").innerHTML = o.hf_mode.on ? `<span class="badge hf">HF trap mode since ${utc(o.hf_mode.since_ms).slice(11)}</span>` : "";
  $("regimes").innerHTML = Object.keys(SPANS).filter((tf) => o.regime.timeframes[tf]).map((tf) => [tf, o.regime.timeframes[tf]]).map(([tf, r]) =>
    `<span class="badge ${esc(r.regime)}" title="ADX14 ${num(r.adx14, 1)}">${tf} ${esc(r.regime)}</span>`).join(" ");
  const p = o.prediction;
  $("prediction").innerHTML = p ? `<span class="badge">model: ${esc(p.prediction ?? p.status)}` +
    `${p.p_up !== null ? ` · up ${num(100 * p.p_up, 0)}% down ${num(100 * p.p_down, 0)}%` : ""}</span>` : "";
  drawFlow(o.orderflow);
}

function drawFlow(f) {
  if (!f) { $("book").textContent = "no order-flow snapshot"; return; }
  const top = f.top || {};
  const book = f.book || { bids: [], asks: [] };
  const rows = [0, 1, 2, 3, 4].map((i) => {
    const b = book.bids[i] || ["", ""], a = book.asks[i] || ["", ""];
    return `<tr><td class="bid">${b[1]}</td><td class="bid">${b[0]}</td><td class="ask">${a[0]}</td><td class="ask">${a[1]}</td></tr>`;
  }).join("");
  $("book").innerHTML = `<div class="kv"><span>CVD</span><span>${num(f.cvd, 3)} (slope ${num(f.cvd_slope, 3)})</span>` +
    `<span>top</span><span>${num(top.bid)} × ${num(top.ask)} (spread ${num(top.spread)})</span>` +
    `<span>imbalance</span><span>${num(top.imbalance, 3)}</span>` +
    `<span>walls</span><span>${(f.walls || []).map((w) => `${esc(w.side)} ${num(w.price)}`).join(", ") || "none"}</span></div>` +
    `<table><tr><th>bid size</th><th>bid</th><th>ask</th><th>ask size</th></tr>${rows}</table>`;
}

async function loadOverlays() { drawOverlays(await api("/api/overlays")); }

function scheduleOverlays() {
  if (view.overlaysDue) return;
  view.overlaysDue = setTimeout(() => { view.overlaysDue = null; loadOverlays().catch(showError); }, 1000);
}

async function loadHealth() {
  const h = await fetch("/api/health").then((r) => r.json());
  const feed = (h.feeds || []).find((f) => f.exchange === view.exchange && f.symbol === view.symbol);
  const lag = feed ? Object.entries(feed.lag_trades).map(([a, n]) => `${a} ${n ?? "–"}`).join(", ") : "–";
  const queues = Object.entries(h.queues || {}).map(([q, v]) => `${q} ${v.waiting}`).join(", ");
  $("health").innerHTML = `<div class="kv"><span>status</span><span class="${h.healthy ? "good" : "bad"}">${h.healthy ? "healthy" : "unhealthy"}</span>` +
    (feed ? `<span>connection</span><span>${esc(feed.connection || "replay")}</span>` +
      `<span>last trade</span><span>${num(feed.age_s, 1)} s ago (id ${feed.last_trade_id})</span>` +
      `<span>gaps</span><span>${feed.gaps_open} open, ${feed.gaps_closed} closed</span>` : "") +
    `<span>dead letters</span><span>${h.dead_letters ?? "–"}</span><span>queues</span><span>${queues}</span>` +
    `<span>snapshot lag</span><span>${lag} trades</span></div>` +
    (h.problems || []).map((p) => `<div class="bad">${esc(p)}</div>`).join("");
}

function showError(error) { $("link").textContent = String(error.message || error); $("link").className = "pill down"; }

function connect(cursor) {
  if (view.stream) view.stream.close();
  const query = new URLSearchParams({ exchange: view.exchange, symbol: view.symbol, since: cursor || "0-0" });
  const stream = new EventSource(`/api/stream?${query}`);
  view.stream = stream;
  stream.onopen = () => { $("link").textContent = "live"; $("link").className = "pill live"; };
  stream.onerror = () => { $("link").textContent = "reconnecting…"; $("link").className = "pill down"; };
  stream.addEventListener("event", (m) => { onEvent(JSON.parse(m.data), true); if (NAMED.has(JSON.parse(m.data).detector)) scheduleOverlays(); });
  stream.addEventListener("bar", (m) => onBar(JSON.parse(m.data)));
  stream.addEventListener("snapshot", (m) => {
    const snap = JSON.parse(m.data);
    if (snap.analysis === "orderflow") drawFlow(snap.view.orderflow);
    else scheduleOverlays();
  });
}

async function open() {
  [view.exchange, view.symbol] = $("symbol").value.split(":");
  location.hash = $("symbol").value;
  await loadBars();
  const cursor = await loadEvents();
  await loadOverlays();
  const shown = view.candles.length + 1;
  chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, shown - 120), to: shown + 3 });
  connect(cursor);
}

async function start() {
  const { symbols } = await fetch("/api/symbols").then((r) => r.json());
  const select = $("symbol");
  symbols.forEach((s) => select.add(new Option(`${s.exchange}:${s.symbol}`, `${s.exchange}:${s.symbol}`)));
  if (!symbols.length) { showError("nothing stored yet: start a feed, a replay or the demo"); return; }
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (symbols.some((s) => `${s.exchange}:${s.symbol}` === wanted)) select.value = wanted;
  select.onchange = () => open().catch(showError);
  $("detector").onchange = () => {
    document.querySelectorAll("#events li").forEach((li) => { li.hidden = Boolean($("detector").value) && li.dataset.detector !== $("detector").value; });
    drawMarkers();
  };
  document.querySelectorAll("#timeframes button").forEach((b) => {
    b.onclick = async () => {
      document.querySelectorAll("#timeframes button").forEach((x) => x.classList.toggle("on", x === b));
      view.tf = b.dataset.tf;
      document.querySelector(".legend .fib").textContent = `┄ Fibonacci levels (${view.tf})`;
      await loadBars().catch(showError);
      await loadOverlays().catch(showError);
    };
  });
  document.querySelector(".legend .fib").textContent = `┄ Fibonacci levels (${view.tf})`;
  await open();
  loadHealth().catch(showError);
  setInterval(() => loadHealth().catch(() => {}), 5000);
}

start().catch(showError);
