// Drives the machine's Chromium with Playwright through the dashboard as a person would, after the traffic
// .ci/dashboard-smoke.sh scripted, and checks what is on the screen. Usage: node dashboard-smoke.js BASE TOKEN CHROMIUM DIR
'use strict';
const { chromium } = require('playwright-core');

const [base, token, executablePath, shots] = process.argv.slice(2);
let passed = 0;
let failed = 0;
function check(ok, what, detail) {
  if (ok) { passed++; console.log('ok   ' + what); }
  else { failed++; console.log('FAIL ' + what + (detail === undefined ? '' : ' (' + detail + ')')); }
}

async function analytics() {
  const r = await fetch(base + '/admin/analytics?window=15m', { headers: { authorization: 'Bearer ' + token } });
  return r.json();
}

// what a tile shows, as the page formats a number
function shown(v, unit) {
  if (v === null || v === undefined) return '–';
  return (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '')) + (unit || '');
}

(async () => {
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  // the browser logs the 401 that makes the page ask for the token: the page's own files must all load, though
  page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  page.on('response', r => { if (r.url().startsWith(base + '/ui') && r.status() !== 200) errors.push(r.status() + ' for ' + r.url()); });
  try {
    await page.goto(base + '/ui');
    // the admin API has a token: the page asks for it
    await page.waitForSelector('#token-form:not([hidden])', { timeout: 10000 });
    check(await page.isVisible('#token'), 'the page asks for the admin token');
    await page.screenshot({ path: shots + '/01-token.png' });
    await page.fill('#token', token);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('.feed-status .live', { timeout: 10000 });
    check(true, 'the live feed is connected once the token is given');

    // the numbers: as /admin/analytics gives them (a snapshot comes every 2 s)
    const api = await analytics();
    const want = {
      requests: shown(api.requests.total), failures: shown(api.failures.total), gaveUp: shown(api.requests.gaveUp),
      successPercent: shown(api.recoveries.successPercent, ' %'), retries: shown(api.retries.total),
      fallbacks: shown(api.fallbacks.total),
    };
    check(api.requests.total === 7 && api.requests.gaveUp === 2 && api.fallbacks.total === 1,
      'the API counted the scripted traffic', JSON.stringify(api.requests));
    const tiles = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-figure]')]
      .map(n => [n.dataset.figure, n.textContent])));
    try {
      await page.waitForFunction(w => Object.entries(w).every(([k, v]) => {
        const n = document.querySelector('[data-figure="' + k + '"]');
        return n && n.textContent === v;
      }), want, { timeout: 15000 });
    } catch (e) { /* reported below */ }
    const seen = await tiles();
    for (const [k, v] of Object.entries(want)) check(seen[k] === v, 'the ' + k + ' tile shows ' + v + ' as the API says', seen[k]);

    // the charts: uPlot drew each with data points on its canvas
    await page.waitForFunction(() => [...document.querySelectorAll('figure.chart')].every(f => Number(f.dataset.points) > 0),
      null, { timeout: 15000 }).catch(() => {});
    const charts = await page.evaluate(() => [...document.querySelectorAll('figure.chart')].map(f => {
      const canvas = f.querySelector('canvas');
      let inked = 0;
      if (canvas) {
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
      }
      return { name: f.dataset.chart, points: Number(f.dataset.points), inked,
        legend: [...f.querySelectorAll('.u-legend .u-label')].map(l => l.textContent) };
    }));
    for (const c of charts) {
      check(c.points > 0, 'the ' + c.name + ' chart has data points', c.points);
      check(c.inked > 500, 'the ' + c.name + ' chart is drawn on its canvas', c.inked + ' pixels');
    }
    const failuresChart = charts.find(c => c.name === 'failures') || { legend: [] };
    for (const kind of ['quota_exhausted', 'rate_limited', 'server_error']) {
      check(failuresChart.legend.includes(kind), 'the failures chart has a ' + kind + ' series', failuresChart.legend.join(', '));
    }
    // the requests line itself, in its colour (#2563eb), not only the axes
    const blue = await page.evaluate(() => {
      const canvas = document.querySelector('figure[data-chart="requests"] canvas');
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - 37) < 30 && Math.abs(px[i + 1] - 99) < 30 && Math.abs(px[i + 2] - 235) < 30 && px[i + 3] > 100) n++;
      return n;
    });
    check(blue > 20, 'the requests/s line is drawn', blue + ' pixels of its colour');

    // the latest failures, each with how its recovery ended, and its session one click away
    const rows = await page.evaluate(() => [...document.querySelectorAll('tr.failure')].map(r => ({
      outcome: r.dataset.outcome, session: (r.querySelector('td:nth-child(2) a') || {}).textContent,
      recovery: r.querySelector('td:last-child').textContent })));
    const bySession = Object.fromEntries(rows.map(r => [r.session, r]));
    check(rows.length === 4, 'four failed requests are listed', JSON.stringify(rows));
    check(/^recovered in \d+ ms by main$/.test((bySession.retried || {}).recovery), 'the retried one recovered on main',
      (bySession.retried || {}).recovery);
    check(/^recovered in \d+ ms by backup$/.test((bySession['fell-back'] || {}).recovery), 'the quota one fell back to backup',
      (bySession['fell-back'] || {}).recovery);
    check((bySession.doomed || {}).outcome === 'gave-up' && (bySession['doomed-again'] || {}).outcome === 'gave-up',
      'the two doomed ones gave up');
    check(rows.length > 0 && rows[0].session === 'doomed-again', 'the newest failure is first', rows.length && rows[0].session);
    const steps = await page.textContent('tr.failure[data-outcome="recovered"] .steps');
    check(/failure rate_limited on main \(primary\)/.test(steps) || /failure quota_exhausted on main \(primary\)/.test(steps),
      'a failure says its kind, agent and backend', steps);

    // backend health: the breaker the give-ups opened, on the timeline and in its transitions (it lets a probe through
    // once its reset time passes: half-open until a request comes)
    const primary = await page.getAttribute('.timeline-bar[data-backend="primary"]', 'data-state');
    check(primary === 'open' || primary === 'half-open', 'the primary backend is shown cut off on the timeline', primary);
    check(await page.isVisible('.timeline-bar[data-backend="primary"] .run.open'), 'with an open stretch drawn');
    check((await page.getAttribute('.timeline-bar[data-backend="secondary"]', 'data-state')) === 'closed', 'secondary is closed');
    check(/breaker/.test(await page.textContent('.timeline table')), 'the breaker decision is listed with its time');
    check(/\d{2}:\d{2}:\d{2}\.\d{3}/.test(await page.textContent('table.failures')), 'times are shown to the millisecond');

    await page.screenshot({ path: shots + '/02-dashboard.png', fullPage: true });

    // into a session from its failure
    await page.click('tr.failure a:text-is("fell-back")');
    await page.waitForSelector('h1:has-text("Session fell-back")', { timeout: 10000 });
    check(/Messages \(\d+\)/.test(await page.textContent('#view')), 'a failure links to its session, which shows its messages');
    await page.screenshot({ path: shots + '/03-session.png', fullPage: true });

    // the other views are still there
    await page.click('header a[href="#/backends"]');
    await page.waitForSelector('h1:has-text("Backends")', { timeout: 10000 });
    check(/primary\s*http:\/\/127\.0\.0\.1:\d+\s*gpt-4o \(128000\)\s*(OPEN|HALF_OPEN)/.test(await page.textContent('#view')),
      'the backends view shows the breaker the give-ups opened');
    const backendsText = await page.textContent('#view');
    check(/primary\s*http:\/\/127\.0\.0\.1:\d+\s*gpt-4o \(128000\)/.test(backendsText), 'a backend shows its URL and models with their windows');
    check(/SERVER_ERROR: /.test(backendsText), 'and its last error', backendsText.slice(0, 300));
    await page.screenshot({ path: shots + '/04-backends.png', fullPage: true });
    await page.click('header a[href="#/sessions"]');
    await page.waitForSelector('h1:has-text("Sessions")', { timeout: 10000 });
    check(await page.isVisible('a:text-is("doomed-again")'), 'the sessions view lists the sessions');

    // and back: the dashboard draws again from a new history
    await page.click('header a[href="#/dashboard"]');
    await page.waitForFunction(() => Number((document.querySelector('figure[data-chart="requests"]') || { dataset: {} }).dataset.points) > 0,
      null, { timeout: 10000 }).catch(() => {});
    check(Number(await page.getAttribute('figure[data-chart="requests"]', 'data-points')) > 0, 'the dashboard draws again when returned to');
    check(errors.length === 0, 'no script error on the page', errors.join(' | '));
  } catch (e) {
    check(false, 'the walk through the dashboard', e.message);
    await page.screenshot({ path: shots + '/failed.png', fullPage: true }).catch(() => {});
  } finally {
    await browser.close();
  }
  console.log('dashboard smoke: ' + passed + ' passed, ' + failed + ' failed');
  process.exit(failed === 0 ? 0 : 1);
})();
