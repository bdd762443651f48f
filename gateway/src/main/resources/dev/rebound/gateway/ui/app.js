// Rebound's read-only page: the dashboard (dashboard.js), sessions, checkpoints, decisions, backends and routes, read
// from the admin API.
// Everything from the API is put in the page as text (never as HTML): messages are whatever clients sent.
'use strict';

const TOKEN_KEY = 'rebound.adminToken';
const view = document.getElementById('view');
const tokenForm = document.getElementById('token-form');
let following = null; // AbortController of the events stream being followed

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k === 'href') node.setAttribute('href', v);
    else node[k] = v;
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: 'Bearer ' + token } : {};
}

class NeedsToken extends Error {}

async function api(path, payload) {
  const init = { headers: headers() };
  if (payload !== undefined) {
    init.method = 'POST';
    init.headers['content-type'] = 'application/json';
    init.body = payload;
  }
  const r = await fetch(path, init);
  if (r.status === 401 || r.status === 403) {
    tokenForm.hidden = false;
    const body = await r.json().catch(() => ({}));
    throw new NeedsToken((body.error && body.error.message) || 'The admin API wants a token.');
  }
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error((body && body.error && body.error.message) || ('HTTP ' + r.status + ' from ' + path));
  return body;
}

function route() {
  const hash = location.hash.replace(/^#/, '') || '/dashboard';
  const [path, query] = hash.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || '') };
}

function tenantQuery(params) {
  const t = params.get('tenant');
  return t ? 'tenant=' + encodeURIComponent(t) : '';
}

function link(text, hash) {
  return el('a', { href: '#' + hash }, text);
}

function table(columns, rows) {
  return el('table', {},
    el('thead', {}, el('tr', {}, columns.map(c => el('th', {}, c)))),
    el('tbody', {}, rows.map(r => el('tr', {}, r.map(cell => el('td', {}, cell))))));
}

function pairs(rows) {
  return el('table', {}, el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))));
}

// Local time to the millisecond: the order of a request's decisions is in the milliseconds
function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':'
    + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
}

// A message as people read it: its text parts as text, anything else (tool calls, images) as JSON.
function messageBody(message) {
  const content = message && message.content;
  const parts = [];
  const textPart = p => p && (p.type === 'text' || p.type === 'input_text' || p.type === 'output_text')
    && typeof p.text === 'string';
  // a Responses API answer: the response it was, then its output items
  if (message && typeof message.response_id === 'string') parts.push('response ' + message.response_id);
  if (typeof content === 'string') parts.push(content);
  else if (Array.isArray(content)) {
    for (const p of content) {
      if (textPart(p)) parts.push(p.text);
      else parts.push(JSON.stringify(p, null, 2));
    }
  } else if (content !== undefined && content !== null) parts.push(JSON.stringify(content, null, 2));
  if (message && message.tool_calls) parts.push(JSON.stringify(message.tool_calls, null, 2));
  if (message && Array.isArray(message.output)) {
    for (const item of message.output) {
      if (item && item.type === 'message' && Array.isArray(item.content) && item.content.every(textPart)) {
        parts.push(item.content.map(p => p.text).join(''));
      } else parts.push(JSON.stringify(item, null, 2));
    }
  }
  return el('pre', {}, parts.join('\n'));
}

function messageBlock(message, extra) {
  return el('div', { class: 'message' + (extra && extra.partial ? ' partial' : '') },
    el('span', { class: 'role' }, (message && message.role) || '?'),
    extra ? el('span', { class: 'muted' }, extra.label) : null,
    messageBody(message));
}

async function sessions(params) {
  const offset = Number(params.get('offset') || 0);
  const q = [tenantQuery(params), 'offset=' + offset, 'limit=50'].filter(Boolean).join('&');
  const [list, tenants] = await Promise.all([api('/admin/sessions?' + q), api('/admin/tenants')]);
  const tenantPicker = el('select', {}, tenants.tenants.map(t => el('option', { value: t, selected: t === list.tenant }, t)));
  tenantPicker.addEventListener('change', () => { location.hash = '/sessions?tenant=' + encodeURIComponent(tenantPicker.value); });
  const t = 'tenant=' + encodeURIComponent(list.tenant);
  // a thread (a title, a summary, a sub-agent under the same id) says whose it is
  const rows = list.sessions.map(s => [
    s.threadOf ? el('span', { class: 'thread' }, link(s.id, '/session/' + encodeURIComponent(s.id) + '?' + t),
      el('span', { class: 'muted' }, ' thread of '), link(s.threadOf, '/session/' + encodeURIComponent(s.threadOf) + '?' + t))
      : link(s.id, '/session/' + encodeURIComponent(s.id) + '?' + t),
    time(s.updated), s.turns, s.tokens, s.status,
    s.agent || '', s.messageCount, s.checkpointCount,
    s.forkedFrom ? link(s.forkedFrom, '/session/' + encodeURIComponent(s.forkedFrom) + '?' + t) : '']);
  const pager = el('div', { class: 'bar' },
    offset > 0 ? link('« newer', '/sessions?' + t + '&offset=' + Math.max(0, offset - 50)) : null,
    list.sessions.length === 50 ? link('older »', '/sessions?' + t + '&offset=' + (offset + 50)) : null);
  return [el('h1', {}, 'Sessions'), el('div', { class: 'bar' }, el('label', {}, 'Tenant ', tenantPicker)),
    rows.length ? table(['id', 'updated', 'turns', 'tokens', 'status', 'agent', 'messages', 'checkpoints', 'forked from'], rows)
      : el('p', { class: 'muted' }, 'No sessions for tenant ' + list.tenant + ' yet.'),
    pager];
}

function eventRow(e) {
  return [time(e.at), e.type, e.reason || '', el('pre', {}, JSON.stringify(e.details || {}))];
}

// What went wrong, and what the gateway did about it, stands out among the routine decisions
const MARKED = { failure: 'decision-failure', 'give-up': 'decision-failure', fallback: 'decision-fallback',
  'client-gone': 'decision-fallback', fork: 'decision-fallback', feedback: 'decision-feedback' };

// The votes on a session's answers (feedback events that found their answer)
function votesOf(events) {
  return events.filter(e => e.type === 'feedback' && e.details && e.details.agent !== undefined).map(e => e.details);
}

// The votes on the main thread's answers, by turn (a thread's turns are numbered in the thread)
function votesByTurn(votes) {
  const byTurn = {};
  for (const d of votes) if (!d.thread) (byTurn[d.turn] = byTurn[d.turn] || []).push(d);
  return byTurn;
}

// " · feedback -1 (header: coder on code), +0.5 (admin: coder on code, "good")"; empty for an answer no one voted on
function votesText(votes) {
  if (!votes || !votes.length) return '';
  return ' · feedback ' + votes.map(v => (v.score > 0 ? '+' : '') + v.score + ' (' + v.source + ': ' + v.agent + ' on '
    + v.task + (v.note ? ', "' + v.note + '"' : '') + ')').join(', ');
}

function eventTr(e) {
  return el('tr', { class: MARKED[e.type] || '' }, eventRow(e).map(c => el('td', {}, c)));
}

// The decisions taken between a message and the next one (what it took to answer it), right under the message
function decisionsUnder(events, from, to) {
  const f = from ? Date.parse(from) : -Infinity;
  const t = to ? Date.parse(to) : Infinity;
  const mine = events.filter(e => { const at = Date.parse(e.at); return at >= f && at < t; });
  if (!mine.length) return null;
  return el('table', { class: 'decisions-inline' }, el('tbody', {}, mine.map(eventTr)));
}

// Follows the session's decisions as server-sent events; fetch, not EventSource, because the token goes in a header.
async function follow(id, params, tbody, button, cursor) {
  if (following) {
    following.abort();
    following = null;
    button.textContent = 'Follow';
    return;
  }
  following = new AbortController();
  button.textContent = 'Stop following';
  // from the last event shown on: the stream would otherwise replay the session's decisions from the first
  const q = [tenantQuery(params), 'follow=true', cursor.last ? 'after=' + encodeURIComponent(cursor.last) : ''].filter(Boolean).join('&');
  try {
    const r = await fetch('/admin/sessions/' + encodeURIComponent(id) + '/events?' + q, { headers: headers(), signal: following.signal });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      throw new Error((body.error && body.error.message) || ('HTTP ' + r.status + ' while following'));
    }
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = event.split('\n').filter(l => l.startsWith('data: ')).map(l => l.slice(6)).join('\n');
        if (!data) continue;
        const e = JSON.parse(data);
        tbody.append(el('tr', {}, eventRow(e).map(c => el('td', {}, c))));
        cursor.last = e.id;
      }
    }
  } catch (err) {
    if (err.name !== 'AbortError') tbody.append(el('tr', {}, el('td', { class: 'error', colSpan: 4 }, String(err.message || err))));
  }
}

// " (in 120, out 40, cache read 3000, cache write 0)"; empty when no usage was reported
function usageText(u) {
  if (!u) return '';
  return ' (in ' + u.input + ', out ' + u.output + ', cache read ' + u.cacheRead + ', cache write ' + u.cacheWrite + ')';
}

async function session(id, params) {
  const q = tenantQuery(params);
  const base = '/admin/sessions/' + encodeURIComponent(id);
  // a session keeps its latest 1000 decisions: all of them, oldest first
  const [s, ev] = await Promise.all([api(base + (q ? '?' + q : '')), api(base + '/events?' + [q, 'limit=1000'].filter(Boolean).join('&'))]);
  const m = s.meta;
  const t = 'tenant=' + encodeURIComponent(m.tenant);
  const metaRows = [['tenant', m.tenant], ['protocol', m.protocol], ['created', time(m.created)], ['updated', time(m.updated)],
    ['turns', m.turns], ['tokens', m.tokens + usageText(m.usage)], ['status', m.status], ['agent', m.agent || ''],
    ['version', m.version]];
  if (m.forkedFrom) metaRows.push(['forked from', link(m.forkedFrom, '/session/' + encodeURIComponent(m.forkedFrom) + '?' + t)]);
  if (s.threadOf) metaRows.push(['thread of', link(s.threadOf, '/session/' + encodeURIComponent(s.threadOf) + '?' + t)]);
  if (s.sessionUsage) metaRows.push(['session tokens (all threads)', usageText(s.sessionUsage).replace(/^ \(|\)$/g, '')]);
  const threads = (s.threads || []).map(x => [link(x.id, '/session/' + encodeURIComponent(x.id) + '?' + t),
    x.main ? 'main' : '', x.turns, x.messageCount, x.tokens, time(x.updated)]);
  const checkpoints = s.checkpoints.map(c => [
    link(String(c.seq), '/checkpoint/' + encodeURIComponent(id) + '/' + c.seq + '?' + t), c.kind, c.label || '',
    c.messageCount, time(c.at),
    (c.reason || '') + (c.supersededBy ? ' · superseded (#' + c.supersededBy + ' replaced its messages)' : '')]);
  const tbody = el('tbody', {}, ev.events.map(eventTr));
  const allVotes = votesOf(ev.events);
  const votes = votesByTurn(allVotes);
  // an answer's turn: the answers before it and itself (the numbering votes use), after the turns a compaction
  // summarised (counted in the session's turns, no longer among its messages)
  let answers = Math.max(0, m.turns - s.messages.filter(x => x.role === 'assistant' && !x.partial).length);
  const turnOf = s.messages.map(msg => (msg.role === 'assistant' && !msg.partial) ? ++answers : null);
  const voted = allVotes.map(v => [v.turn + (v.thread ? ' (thread ' + v.thread + ')' : ''),
    (v.score > 0 ? '+' : '') + v.score, v.source, v.agent, v.task, v.note || '']);
  const followButton = el('button', { type: 'button' }, 'Follow');
  const cursor = { last: ev.events.length ? ev.events[ev.events.length - 1].id : null };
  followButton.addEventListener('click', () => follow(id, params, tbody, followButton, cursor));
  return [
    el('h1', {}, 'Session ', id),
    pairs(metaRows),
    el('h2', {}, 'Threads (' + threads.length + ')'),
    threads.length > 1 ? table(['thread', '', 'turns', 'messages', 'tokens', 'updated'], threads)
      : el('p', { class: 'muted' }, 'One conversation.'),
    el('h2', {}, 'Checkpoints (' + s.checkpoints.length + ')'),
    checkpoints.length ? table(['seq', 'kind', 'label', 'messages', 'at', 'reason'], checkpoints) : el('p', { class: 'muted' }, 'None.'),
    el('h2', {}, 'Messages (' + s.messages.length + ')'),
    s.messages.map((msg, i) => [messageBlock(msg.message, { partial: msg.partial,
      label: '#' + msg.index + ' · ' + time(msg.at) + (msg.partial ? ' · partial (the answer was cut here)' : '')
        + (msg.usage ? ' · tokens' + usageText(msg.usage) : '') + (turnOf[i] ? votesText(votes[turnOf[i]]) : '') }),
      decisionsUnder(ev.events, i === 0 ? null : msg.at, i + 1 < s.messages.length ? s.messages[i + 1].at : null)]),
    el('h2', {}, 'Feedback (' + voted.length + ')'),
    voted.length ? table(['turn', 'score', 'from', 'agent', 'task', 'note'], voted)
      : el('p', { class: 'muted' }, 'No votes on its answers (POST /admin/feedback, or x-rebound-feedback on the next request).'),
    el('h2', {}, 'Decisions'),
    el('div', { class: 'bar' }, followButton, el('span', { class: 'muted' }, 'route, wait, retry, fallback, checkpoint…')),
    el('table', {}, el('thead', {}, el('tr', {}, ['at', 'type', 'reason', 'details'].map(c => el('th', {}, c)))), tbody)];
}

async function checkpoint(id, seq, params) {
  const q = tenantQuery(params);
  const c = await api('/admin/sessions/' + encodeURIComponent(id) + '/checkpoints/' + encodeURIComponent(seq) + (q ? '?' + q : ''));
  // a checkpoint taken before an attempt holds what was sent; the others (a turn stored with its answer, a manual one,
  // a compaction's) hold the session's history at that point
  const heading = ['PRE_ATTEMPT', 'ERROR', 'WORKFLOW'].includes(c.kind) ? 'Context sent upstream' : 'History at this checkpoint';
  return [
    el('h1', {}, 'Checkpoint ', String(c.seq), ' of ', link(id, '/session/' + encodeURIComponent(id) + (q ? '?' + q : ''))),
    pairs([['kind', c.kind], ['label', c.label || ''], ['messages', c.messageCount], ['at', time(c.at)], ['reason', c.reason || '']]),
    c.context === null
      ? [el('h2', {}, heading), el('p', { class: 'muted' }, c.contextUnavailable || 'Not available.')]
      : [el('h2', {}, heading + ' (' + c.context.length + ' messages)'),
        c.context.map((msg, i) => messageBlock(msg, { label: '#' + i }))]];
}

// "gpt-4o: requests 4999/5000 (refills 12:01:02), tokens 0/30000 (...)" per model, as the backend last said
function budgets(byModel) {
  return el('div', {}, Object.entries(byModel || {}).map(([model, b]) => el('div', {}, model + ': ' + b.limits.map(l =>
    l.name + ' ' + (l.remaining ?? '?') + '/' + (l.limit ?? '?') + (l.resetsAt ? ' (refills ' + time(l.resetsAt) + ')' : '')).join(', ')
    + ' · seen ' + time(b.seen))));
}

async function backends() {
  const b = await api('/admin/backends');
  return [
    el('h1', {}, 'Backends'),
    table(['backend', 'url', 'models (context window)', 'breaker', 'cooling until', 'rate limits left', 'last error'],
      b.backends.map(x => [x.backend, el('code', {}, x.url || ''),
        (x.models || []).map(m => m.name + (m.contextWindow ? ' (' + m.contextWindow + ')' : '')).join(', '),
        el('span', { class: x.breaker === 'CLOSED' ? '' : 'error' }, x.breaker), time(x.coolingUntil), budgets(x.budgets),
        x.lastError ? el('span', { class: 'error' }, timeMs(x.lastError.at) + ' ' + (x.lastError.kind || '') + ': '
          + x.lastError.reason) : ''])),
    el('h2', {}, 'Agents'),
    table(['agent', 'backend', 'model', 'context window', 'status', 'in flight'], b.agents.map(a => [a.agent, a.backend,
      a.model, a.contextWindow ? a.contextWindow + ' (' + a.windowSource + ')' : 'unknown', a.status, a.inFlight]))];
}

const SAMPLE_REQUEST = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Fix the failing test in src/parser.rs' }] }, null, 2);

// Which route and agents a request would get, asked of POST /admin/routes/explain: no backend is called.
async function explain(request, protocol, out) {
  out.replaceChildren(el('p', { class: 'muted' }, 'Explaining…'));
  try {
    const x = await api('/admin/routes/explain?protocol=' + encodeURIComponent(protocol), request);
    out.replaceChildren(
      pairs([['route', x.route || '(none)'], ['task', x.features.task || ''], ['skills', (x.features.skills || []).join(', ')],
        ['tokens', x.features.tokens], ['tools', String(x.features.tools)], ['images', String(x.features.images)]]),
      el('h2', {}, 'Plan'),
      x.plan.length ? table(['agent', 'score', 'reason'], x.plan.map((p, i) => [(i === 0 ? '→ ' : '') + p.agent, p.score, p.reason]))
        : el('p', { class: 'error' }, 'No agent would serve it.'),
      x.skipped.length ? [el('h2', {}, 'Skipped'), table(['agent', 'reason'], x.skipped.map(s => [s.agent, s.reason]))] : []);
  } catch (err) {
    out.replaceChildren(el('p', { class: 'error' }, String(err.message || err)));
  }
}

async function routes(params) {
  const r = await api('/admin/routes');
  const request = el('textarea', { rows: 8, cols: 90, spellcheck: false }, params.get('explain') || SAMPLE_REQUEST);
  const protocol = el('select', {}, ['openai', 'anthropic'].map(p => el('option', { value: p, selected: p === params.get('protocol') }, p)));
  const out = el('div', {});
  const button = el('button', { type: 'button' }, 'Explain');
  button.addEventListener('click', () => explain(request.value, protocol.value, out));
  // #/routes?explain=<request> explains at once: a link that shows how a request is routed
  if (params.get('explain')) explain(params.get('explain'), protocol.value, out);
  return [
    el('h1', {}, 'Routes (version ' + r.version + ')'),
    el('ol', {}, r.routes.map(x => el('li', {}, x))),
    el('h2', {}, 'Agents'),
    el('p', {}, r.agents.join(', ')),
    el('h2', {}, 'Explain a request'),
    el('p', { class: 'muted' }, 'A request as a client would send it; nothing is sent to any backend.'),
    request, el('div', { class: 'bar' }, protocol, button), out];
}

async function render() {
  if (following) {
    following.abort();
    following = null;
  }
  leaveDashboard();
  const { parts, params } = route();
  let content;
  try {
    if (parts[0] === 'session' && parts[1]) content = await session(parts[1], params);
    else if (parts[0] === 'checkpoint' && parts[1] && parts[2]) content = await checkpoint(parts[1], parts[2], params);
    else if (parts[0] === 'backends') content = await backends();
    else if (parts[0] === 'routes') content = await routes(params);
    else if (parts[0] === 'sessions') content = await sessions(params);
    else content = dashboard();
  } catch (err) {
    content = [el('p', { class: 'error' }, String(err.message || err))];
    if (err instanceof NeedsToken) content.push(el('p', {}, 'Enter the admin token (admin.token in the config) above.'));
  }
  // views nest lists of nodes (a heading and its messages): flatten them all, or an array is shown as its toString
  view.replaceChildren(...content.flat(Infinity));
}

tokenForm.addEventListener('submit', e => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value);
  tokenForm.hidden = true;
  render();
});
window.addEventListener('hashchange', render);
render();
