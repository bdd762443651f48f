// The dashboard, /ui's landing view: live charts, each backend's health over time, and the latest failures with their
// recovery, all from GET /admin/live (server-sent events, read with fetch: the admin token goes in a header).
// Uses el(), headers(), link() and the token form from app.js; charts are uPlot's (served from its WebJar).
'use strict';

const dash = {
  controller: null, // AbortController of the feed being read; null when the dashboard is not shown
  snapshots: [], // oldest first, as the feed sent them
  failures: new Map(), // request id -> its failure and recovery, oldest first
  transitions: [], // breaker and cooldown decisions, oldest first
  charts: {}, // name -> { plot, figure, keys }
  nodes: null,
  tickMs: 2000,
};
const DASH_HISTORY = 300;
const DASH_FAILURES = 50;
const DASH_TRANSITIONS = 100;

// Times to the millisecond, in the reader's time zone.
function timeMs(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  const pad = (n, w) => String(n).padStart(w || 2, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':'
    + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
}

// el() with data-* attributes: what the browser test reads, and what a person's inspector shows
function tagged(node, data) {
  for (const [k, v] of Object.entries(data)) node.dataset[k] = v;
  return node;
}

function number(v, unit) {
  if (v === null || v === undefined) return '–';
  return (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '')) + (unit || '');
}

function leaveDashboard() {
  if (dash.controller) dash.controller.abort();
  dash.controller = null;
  for (const c of Object.values(dash.charts)) c.plot.destroy();
  dash.charts = {};
  dash.nodes = null;
}

// The charts: each plots series read from the snapshots against their time.
const CHARTS = [
  { name: 'requests', title: 'Requests / s and client errors %', series: [
    { label: 'requests/s', value: s => s.requestsPerSecond, stroke: '#2563eb' },
    { label: 'errors %', value: s => s.errorPercent, stroke: '#dc2626', scale: '%' }] },
  { name: 'failures', title: 'Upstream failures / min by kind', byKind: true },
  { name: 'recovery', title: 'Recovery success % (last minute)', percent: true, series: [
    { label: 'recovered %', value: s => s.recoverySuccessPercent, stroke: '#16a34a' }] },
  { name: 'latency', title: 'p95 latency and time to first token (ms, last minute)', series: [
    { label: 'p95 latency', value: s => s.p95LatencyMs, stroke: '#7c3aed' },
    { label: 'p95 first token', value: s => s.p95FirstTokenMs, stroke: '#db2777' }] },
  { name: 'tokens', title: 'Tokens / min', series: [
    { label: 'input', value: s => s.tokensPerMinute && s.tokensPerMinute.input, stroke: '#0891b2' },
    { label: 'output', value: s => s.tokensPerMinute && s.tokensPerMinute.output, stroke: '#ea580c' }] },
];
const KIND_COLOURS = ['#dc2626', '#ea580c', '#ca8a04', '#7c3aed', '#0891b2', '#db2777', '#4b5563', '#65a30d'];

function chartSeries(def) {
  if (!def.byKind) return def.series;
  const kinds = [...new Set(dash.snapshots.flatMap(s => Object.keys(s.failuresPerMinute || {})))].sort();
  return kinds.map((k, i) => ({ label: k, value: s => (s.failuresPerMinute || {})[k] || 0,
    stroke: KIND_COLOURS[i % KIND_COLOURS.length] }));
}

function drawChart(def) {
  const figure = dash.nodes.charts[def.name];
  const series = chartSeries(def);
  const xs = dash.snapshots.map(s => Date.parse(s.at) / 1000);
  const data = [xs, ...series.map(sr => dash.snapshots.map(s => { const v = sr.value(s); return v === undefined ? null : v; }))];
  // what the chart holds, for a person's eye and for the browser test: points that have a value
  figure.dataset.points = String(data.slice(1).reduce((n, ys) => n + ys.filter(v => v !== null).length, 0));
  const keys = series.map(s => s.label).join('|');
  let chart = dash.charts[def.name];
  if (chart && chart.keys !== keys) {
    chart.plot.destroy();
    chart = null;
  }
  const width = Math.max(280, figure.clientWidth - 16);
  if (!chart) {
    const scales = { x: { time: true } };
    if (def.percent) scales.y = { range: [0, 100] };
    const axes = [{}, { size: 56 }];
    if (series.some(s => s.scale === '%')) {
      scales['%'] = { range: [0, 100] };
      axes.push({ scale: '%', side: 1, size: 44, grid: { show: false } });
    }
    const plot = new uPlot({
      width, height: 180, scales, axes, legend: { live: false },
      series: [{}, ...series.map(s => ({ label: s.label, stroke: s.stroke, width: 2, scale: s.scale || 'y',
        spanGaps: false, points: { show: xs.length < 60 } }))],
    }, data, figure.querySelector('.plot'));
    chart = dash.charts[def.name] = { plot, keys };
  } else {
    chart.plot.setData(data);
    if (Math.abs(chart.plot.width - width) > 4) chart.plot.setSize({ width, height: 180 });
  }
}

function tile(name, label, value, hint, state) {
  return el('div', { class: 'tile' + (state ? ' ' + state : '') },
    el('div', { class: 'tile-label' }, label),
    tagged(el('div', { class: 'tile-value' }, value), { figure: name }),
    hint ? el('div', { class: 'muted tile-hint' }, hint) : null);
}

function drawTiles() {
  const s = dash.snapshots[dash.snapshots.length - 1];
  if (!s) return;
  const a = s.analytics || {};
  const met = a.targets && a.targets.recoverySuccess ? a.targets.recoverySuccess.met : null;
  const fast = a.targets && a.targets.p95TimeToRecover ? a.targets.p95TimeToRecover.met : null;
  const judged = m => (m === true ? 'good' : m === false ? 'bad' : '');
  dash.nodes.tiles.replaceChildren(
    tile('requestsPerSecond', 'Requests / s', number(s.requestsPerSecond), 'last 10 s'),
    tile('requests', 'Requests', number(a.requests), 'last ' + (a.window || '15m')),
    tile('failures', 'Upstream failures', number(a.failures), Object.entries(a.failuresByKind || {}).map(([k, n]) => k + ' ' + n).join(', ')),
    tile('successPercent', 'Recovery success', number(a.successPercent, ' %'),
      number(a.recovered) + ' of ' + number(a.recoveries) + ' recovered · target ' + ((a.targets && a.targets.recoverySuccess.target) || ''), judged(met)),
    tile('p95TimeToRecoverMs', 'p95 time to recover', number(a.p95TimeToRecoverMs, ' ms'),
      'target ' + ((a.targets && a.targets.p95TimeToRecover.target) || ''), judged(fast)),
    tile('retries', 'Retries', number(a.retries)),
    tile('fallbacks', 'Fallbacks', number(a.fallbacks)),
    tile('gaveUp', 'Gave up', number(a.gaveUp), '', a.gaveUp > 0 ? 'bad' : ''));
}

// A backend's state in one snapshot, as the timeline colours it.
function healthOf(b) {
  if (b.breaker === 'OPEN') return 'open';
  if (b.breaker === 'HALF_OPEN') return 'half-open';
  if (b.coolingUntil) return 'cooling';
  return 'closed';
}

function drawTimeline() {
  const snaps = dash.snapshots;
  if (!snaps.length) return;
  const names = [...new Set(snaps.flatMap(s => (s.backends || []).map(b => b.backend)))];
  const start = Date.parse(snaps[0].at);
  const end = Date.parse(snaps[snaps.length - 1].at) + dash.tickMs;
  const rows = names.map(name => {
    const runs = [];
    snaps.forEach((s, i) => {
      const b = (s.backends || []).find(x => x.backend === name);
      const state = b ? healthOf(b) : 'unknown';
      const from = Date.parse(s.at);
      const to = i + 1 < snaps.length ? Date.parse(snaps[i + 1].at) : end;
      const last = runs[runs.length - 1];
      if (last && last.state === state) last.to = to;
      else runs.push({ state, from, to });
    });
    const now = runs[runs.length - 1].state;
    return el('div', { class: 'timeline-row' },
      el('div', { class: 'timeline-name' }, name, el('span', { class: 'state ' + now }, now)),
      tagged(el('div', { class: 'timeline-bar' }, runs.map(r => {
        const run = el('span', { class: 'run ' + r.state, title: name + ': ' + r.state + ' from '
          + timeMs(new Date(r.from).toISOString()) + ' to ' + timeMs(new Date(r.to).toISOString()) });
        run.style.flexGrow = String(Math.max(1, r.to - r.from)); // CSSOM: allowed by the page's style-src 'self'
        return run;
      })), { backend: name, state: now }));
  });
  const lastTransitions = dash.transitions.slice(-8).reverse().map(t => [timeMs(t.at), t.fields.backend || '', t.type,
    el('span', { class: t.warning ? 'error' : '' }, t.reason || '')]);
  dash.nodes.timeline.replaceChildren(
    el('div', { class: 'muted timeline-span' }, timeMs(new Date(start).toISOString()), ' → now'),
    ...rows,
    el('div', { class: 'legend' }, ['closed', 'cooling', 'half-open', 'open'].map(s => el('span', { class: 'state ' + s }, s))),
    lastTransitions.length ? table(['at', 'backend', 'decision', 'reason'], lastTransitions)
      : el('p', { class: 'muted' }, 'No breaker or cooldown decision yet.'));
}

function stepText(d) {
  const f = d.fields || {};
  const where = f.agent ? f.agent + (f.backend ? ' (' + f.backend + ')' : '') : f.backend || '';
  const kind = f.kind ? ' ' + String(f.kind).toLowerCase() : '';
  return d.type + kind + (where ? ' on ' + where : '');
}

function drawFailures() {
  const rows = [...dash.failures.values()].reverse().map(f => {
    const outcome = f.outcome === 'recovered'
      ? el('span', { class: 'outcome recovered' }, 'recovered in ' + f.recoveryMs + ' ms by ' + (f.agent || '?'))
      : f.outcome === 'gave-up' ? el('span', { class: 'outcome gave-up' }, 'gave up after ' + f.recoveryMs + ' ms')
        : el('span', { class: 'outcome ' + f.outcome }, f.outcome === 'pending' ? 'recovering…' : 'client left');
    const session = f.session
      ? link(f.session, '/session/' + encodeURIComponent(f.session) + (f.tenant ? '?tenant=' + encodeURIComponent(f.tenant) : ''))
      : el('span', { class: 'muted' }, 'no session');
    const steps = el('ol', { class: 'steps' }, f.steps.map(d => el('li', { class: 'step ' + d.type, title: d.reason || '' },
      el('span', { class: 'muted' }, timeMs(d.at).slice(11) + ' '), stepText(d))));
    return tagged(el('tr', { class: 'failure ' + f.outcome },
      el('td', {}, timeMs(f.at)), el('td', {}, session), el('td', {}, el('code', {}, f.requestId)), el('td', {}, steps),
      el('td', {}, outcome)), { request: f.requestId, outcome: f.outcome });
  });
  dash.nodes.failures.replaceChildren(rows.length
    ? el('table', { class: 'failures' }, el('thead', {}, el('tr', {}, ['first failure', 'session', 'request', 'what happened', 'recovery']
      .map(c => el('th', {}, c)))), el('tbody', {}, rows))
    : el('p', { class: 'muted' }, 'No failure yet.'));
}

function draw() {
  if (!dash.nodes || !dash.nodes.root.isConnected) return;
  drawTiles();
  for (const def of CHARTS) drawChart(def);
  drawTimeline();
  drawFailures();
}

function keepFailure(f) {
  dash.failures.delete(f.requestId); // re-inserted last: the map stays in order of the latest change
  dash.failures.set(f.requestId, f);
  while (dash.failures.size > DASH_FAILURES) dash.failures.delete(dash.failures.keys().next().value);
}

function onFeedEvent(type, data) {
  if (type === 'history') {
    dash.tickMs = data.tickMs || dash.tickMs;
    dash.snapshots = data.snapshots;
    dash.failures = new Map();
    data.failures.forEach(keepFailure);
    dash.transitions = data.transitions;
    draw();
  } else if (type === 'snapshot') {
    dash.snapshots.push(data);
    if (dash.snapshots.length > DASH_HISTORY) dash.snapshots.shift();
    draw();
  } else if (type === 'failure') {
    keepFailure(data);
    if (dash.nodes) drawFailures();
  } else if (type === 'decision') {
    if (data.type === 'breaker' || data.type === 'cooldown') {
      dash.transitions.push(data);
      if (dash.transitions.length > DASH_TRANSITIONS) dash.transitions.shift();
    }
  }
}

function setStatus(text, cls) {
  if (dash.nodes) dash.nodes.status.replaceChildren(el('span', { class: cls || 'muted' }, text));
}

// Reads the feed until the view is left; a dropped stream is read again after a moment (from a new history).
async function readFeed(controller) {
  while (dash.controller === controller) {
    try {
      const r = await fetch('/admin/live', { headers: headers(), signal: controller.signal });
      if (r.status === 401 || r.status === 403) {
        tokenForm.hidden = false;
        const body = await r.json().catch(() => ({}));
        setStatus(((body.error && body.error.message) || 'The admin API wants a token.') + ' Enter the admin token above.', 'error');
        return;
      }
      if (!r.ok) throw new Error('HTTP ' + r.status + ' from /admin/live');
      setStatus('live', 'live');
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          let type = 'message';
          const data = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) onFeedEvent(type, JSON.parse(data.join('\n')));
        }
      }
      setStatus('the feed ended; reconnecting…', 'error');
    } catch (err) {
      if (err.name === 'AbortError') return;
      setStatus(String(err.message || err) + '; reconnecting…', 'error');
    }
    await new Promise(resolve => setTimeout(resolve, 2000));
  }
}

function dashboard() {
  leaveDashboard();
  const charts = {};
  const figures = CHARTS.map(def => charts[def.name] = tagged(el('figure', { class: 'chart' },
    el('figcaption', {}, def.title), el('div', { class: 'plot' })), { chart: def.name, points: '0' }));
  const status = el('span', { class: 'muted' }, 'connecting…');
  const tiles = el('div', { class: 'tiles' });
  const timeline = el('div', { class: 'timeline' });
  const failures = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  const root = el('div', { class: 'dashboard' },
    el('div', { class: 'bar' }, el('h1', {}, 'Dashboard'), el('span', { class: 'feed-status' }, status)),
    tiles,
    el('div', { class: 'charts' }, figures),
    el('h2', {}, 'Backend health'),
    timeline,
    el('h2', {}, 'Latest failures and their recovery'),
    failures);
  dash.nodes = { root, charts, status: status.parentNode, tiles, timeline, failures };
  dash.controller = new AbortController();
  readFeed(dash.controller);
  return [root];
}

window.addEventListener('resize', () => { if (dash.nodes) for (const def of CHARTS) if (dash.charts[def.name]) drawChart(def); });
