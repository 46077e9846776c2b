/* govchain audit console: vanilla JavaScript, no dependencies, no build step.
 *
 * Safety: everything shown is set with textContent, setAttribute or createElement; no markup
 * is ever built from data (the page's Content-Security-Policy also forbids inline script).
 * The API key lives in this tab's sessionStorage and is sent only as X-API-Key to this origin.
 */
(function () {
  'use strict';

  // Every API path the console calls. TestConsoleAPIPaths checks each against the gateway's
  // route table (or the list of routes still being built); {name} is a path parameter.
  // Build every URL from this table with apiPath: no other string names an API path.
  var API = {
    verification: '/api/v1/ledger/verification',
    proof: '/api/v1/proofs/transactions/{tx_id}',
    indexRecords: '/api/v1/index/records',
    indexTransactions: '/api/v1/index/transactions',
    indexStats: '/api/v1/index/stats',
    indexStatus: '/api/v1/index/status',
    business: '/api/v1/businesses/{uscc}',
    businessHistory: '/api/v1/businesses/{uscc}/history',
    invoice: '/api/v1/invoices/{number}',
    invoiceHistory: '/api/v1/invoices/{number}/history',
    evidence: '/api/v1/evidence/{id}',
    evidenceHistory: '/api/v1/evidence/{id}/history',
    transaction: '/api/v1/transactions/{tx_id}',
    accessLog: '/api/v1/access-log'
  };

  var KEY_STORE = 'govchain.console.apiKey';
  var AGENCIES = ['MarketMSP', 'TaxMSP', 'NotaryMSP', 'AuditMSP'];
  var AGENCY_NAMES = {
    MarketMSP: 'Market regulation', TaxMSP: 'Tax bureau', NotaryMSP: 'Notary office', AuditMSP: 'Audit office'
  };
  var COLORS = { MarketMSP: '#2a6fb0', TaxMSP: '#d08c1a', NotaryMSP: '#2f9b6b', AuditMSP: '#7a5aa6' };
  var OTHER_COLOR = '#8c96a3';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var KINDS = {
    business: { label: 'Business', param: 'uscc', get: API.business, history: API.businessHistory },
    invoice: { label: 'Invoice', param: 'number', get: API.invoice, history: API.invoiceHistory },
    evidence: { label: 'Evidence', param: 'id', get: API.evidence, history: API.evidenceHistory }
  };
  // Fields that change with every version: not listed as changes.
  var META_FIELDS = { updated_at: 1, updated_by_org: 1, updated_by: 1, last_tx_id: 1 };

  var state = {
    loaded: {}, indexMissing: false, stats: null, timelineSeq: 0, pollTimer: 0,
    invalid: { query: null, bookmark: '' }, access: { query: null, bookmark: '' }, records: { query: null, bookmark: '' }
  };

  // ---- DOM helpers ---------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function setAttrs(e, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, v === true ? '' : String(v));
    });
  }

  function append(e, children) {
    if (children === undefined || children === null) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === undefined || c === null || c === false) return;
      e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
  }

  // el builds an HTML element; strings among the children become text nodes.
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    append(e, children);
    return e;
  }

  function svg(tag, attrs, children) {
    var e = document.createElementNS(SVGNS, tag);
    setAttrs(e, attrs);
    append(e, children);
    return e;
  }

  function clear(e) {
    while (e.firstChild) e.removeChild(e.firstChild);
    return e;
  }

  function replace(e, children) {
    clear(e);
    append(e, children);
  }

  // ---- formatting ----------------------------------------------------------------------

  // fenToYuan formats an integer amount in fen as yuan with two decimals, by string
  // arithmetic only (no floating point): 395500 → "¥3,955.00", -158200 → "-¥1,582.00".
  function fenToYuan(v) {
    if (v === null || v === undefined || v === '') return '';
    var s;
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) return String(v);
      s = String(v);
    } else {
      s = String(v).trim();
    }
    var m = /^([-+]?)0*(\d+)$/.exec(s);
    if (!m) return s;
    var neg = m[1] === '-' && /[1-9]/.test(m[2]);
    var d = m[2];
    while (d.length < 3) d = '0' + d;
    var whole = d.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (neg ? '-' : '') + '¥' + whole + '.' + d.slice(-2);
  }

  // yuanToFen parses "1,234.5" (yuan, at most 2 decimals) into the string "123450" (fen).
  function yuanToFen(str) {
    var s = String(str === undefined || str === null ? '' : str).trim().replace(/^¥\s*/, '').replace(/,/g, '');
    if (s === '') return '';
    var m = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(s);
    if (!m) throw new Error('"' + str + '" is not an amount in yuan with at most two decimals');
    var digits = (m[2] + ((m[3] || '') + '00').slice(0, 2)).replace(/^0+(?=\d)/, '');
    return (m[1] === '-' && digits !== '0' ? '-' : '') + digits;
  }

  function pad(n) { return n < 10 ? '0' + n : String(n); }

  function parseTime(iso) {
    if (!iso) return null;
    var d = new Date(iso);
    return isNaN(d.getTime()) ? null : d;
  }

  // localTime is "YYYY-MM-DD hh:mm:ss" in the browser's time zone.
  function localTime(iso) {
    var d = parseTime(iso);
    if (!d) return '';
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function utcTime(d) {
    return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ').replace('Z', ' UTC');
  }

  // timeEl shows a time in local time, and in UTC on hover.
  function timeEl(iso) {
    var d = parseTime(iso);
    if (!d) return el('span', { 'class': 'muted', text: iso ? String(iso) : '—' });
    return el('time', { datetime: d.toISOString(), title: utcTime(d), text: localTime(iso) });
  }

  function zoneName() {
    var off = -new Date().getTimezoneOffset();
    var sign = off < 0 ? '-' : '+';
    off = Math.abs(off);
    return 'UTC' + sign + pad(Math.floor(off / 60)) + ':' + pad(off % 60);
  }

  function shortID(id) {
    id = String(id || '');
    return id.length > 20 ? id.slice(0, 10) + '…' + id.slice(-6) : id;
  }

  function txEl(id) {
    if (!id) return el('span', { 'class': 'muted', text: '—' });
    return el('span', { 'class': 'mono', title: String(id), text: shortID(id) });
  }

  function orgPill(msp) {
    if (!msp) return el('span', { 'class': 'muted', text: '—' });
    return el('span', { 'class': 'pill org', title: AGENCY_NAMES[msp] || String(msp), text: String(msp) });
  }

  function statusPill(s) {
    if (!s) return el('span', { 'class': 'muted', text: '—' });
    var cls = /^(VALID|ACTIVE|ISSUED|DEPOSITED|CERTIFIED|GRANTED|VERIFIED)$/.test(s) ? ' ok'
      : /^(REVOKED|DEREGISTERED|REVERSED|DENIED|FAULT)$/.test(s) || /CONFLICT|INVALID|FAIL|ENDORSEMENT|BAD_|EXPIRED/.test(s) ? ' bad'
        : /^(SUSPENDED|PARTIALLY_REVERSED|PENDING)$/.test(s) ? ' warn' : '';
    return el('span', { 'class': 'pill' + cls, text: String(s) });
  }

  function num(v) {
    return v === undefined || v === null || v === '' ? '—' : String(v);
  }

  function truncate(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  // ---- API -----------------------------------------------------------------------------

  // apiPath fills a template of API with URL-encoded parameters and adds a query string.
  function apiPath(tpl, params, query) {
    var p = tpl.replace(/\{([a-z_]+)\}/g, function (_, k) {
      if (!params || params[k] === undefined || params[k] === null || params[k] === '') {
        throw new Error('missing path parameter ' + k);
      }
      return encodeURIComponent(String(params[k]));
    });
    if (query) {
      var q = new URLSearchParams();
      Object.keys(query).forEach(function (k) {
        var v = query[k];
        if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
      });
      var s = q.toString();
      if (s) p += '?' + s;
    }
    return p;
  }

  // api calls the gateway with the session's key: {status, ok, json, blob, error, path}.
  async function api(method, path, opts) {
    opts = opts || {};
    var out = { status: 0, ok: false, json: null, path: path.split('?')[0] };
    var res;
    try {
      res = await fetch(path, {
        method: method,
        headers: { 'X-API-Key': sessionStorage.getItem(KEY_STORE) || '', 'Accept': 'application/json' },
        cache: 'no-store', credentials: 'omit', redirect: 'error'
      });
    } catch (e) {
      out.error = 'the gateway could not be reached (' + e.message + ')';
      return out;
    }
    out.status = res.status;
    out.ok = res.ok;
    if (res.ok && opts.blob) {
      out.blob = await res.blob();
      return out;
    }
    var text = await res.text();
    try { out.json = text ? JSON.parse(text) : null; } catch (e) { out.json = null; }
    if (!res.ok) {
      var e = out.json && out.json.error;
      out.error = 'HTTP ' + res.status + (e && e.code ? ' ' + e.code : '') + (e && e.message ? ': ' + e.message : '');
      if (res.status === 401 && !opts.signingIn) signOut('The gateway refused the API key (401): sign in again.');
    } else if (!out.json || typeof out.json !== 'object') {
      out.ok = false;
      out.error = 'the gateway answered something that is not a JSON object';
    }
    return out;
  }

  // routeMissing: a 404 because the gateway has no such route (a feature not deployed
  // here), as opposed to a 404 for a record or transaction that does not exist.
  function routeMissing(r) {
    if (r.status !== 404) return false;
    var e = r.json && r.json.error;
    return !e || !e.message || /no such route/i.test(e.message);
  }

  function unavailable(what, r) {
    if (routeMissing(r)) {
      return el('p', { 'class': 'unavailable', text: what + ' is not available on this gateway (' + r.path + ' answered 404).' });
    }
    if (r.status === 403) {
      return el('p', { 'class': 'error', text: what + ': this key may not read it (403); use an audit office key.' });
    }
    return el('p', { 'class': 'error', text: what + ': ' + r.error });
  }

  function indexNote(idx) {
    if (!idx || typeof idx !== 'object') return null;
    var behind = Number(idx.behind) || 0;
    return el('p', {
      'class': 'index-note',
      text: 'From the search index at block height ' + num(idx.height) + ' of ' + num(idx.ledger_height) +
        (behind > 0 ? ' (' + behind + ' blocks behind the ledger).' : ' (up to date).')
    });
  }

  // table builds a table: columns are {label, num, cell(row) → node or text}.
  function table(columns, rows, onRow) {
    var tbody = el('tbody');
    rows.forEach(function (r) { tbody.appendChild(tableRow(columns, r, onRow)); });
    var t = el('table', null, [
      el('thead', null, el('tr', null, columns.map(function (c) {
        return el('th', { 'class': c.num ? 'num' : null, text: c.label });
      }))),
      tbody
    ]);
    return { wrap: el('div', { 'class': 'table-wrap' }, t), tbody: tbody };
  }

  function tableRow(columns, r, onRow) {
    var tr = el('tr', { 'class': onRow ? 'clickable' : null }, columns.map(function (c) {
      return el('td', { 'class': c.num ? 'num' : null }, c.cell(r));
    }));
    if (onRow) tr.addEventListener('click', function () { onRow(r); });
    return tr;
  }

  function dateStart(v) {
    if (!v) return '';
    var d = new Date(v + 'T00:00:00');
    return isNaN(d.getTime()) ? '' : d.toISOString();
  }

  function dateEnd(v) { // exclusive: the next local midnight
    if (!v) return '';
    var d = new Date(v + 'T00:00:00');
    if (isNaN(d.getTime())) return '';
    d.setDate(d.getDate() + 1);
    return d.toISOString();
  }

  // ---- session and navigation ------------------------------------------------------------

  function start() {
    document.querySelectorAll('select.agency-select').forEach(function (s) {
      AGENCIES.forEach(function (a) { s.appendChild(el('option', { value: a, text: a + ' · ' + AGENCY_NAMES[a] })); });
    });
    $('tz-note').textContent = 'Times are in this browser\'s local time (' + zoneName() + '); hover a time for UTC.';
    $('signin-form').addEventListener('submit', signIn);
    $('signout').addEventListener('click', function () { signOut(''); });
    $('verify-now').addEventListener('click', function () { loadVerification('POST'); });
    $('activity-metric').addEventListener('change', drawChart);
    $('activity-range').addEventListener('change', loadActivity);
    $('record-form').addEventListener('submit', function (ev) { ev.preventDefault(); searchRecords(); });
    $('invalid-form').addEventListener('submit', function (ev) { ev.preventDefault(); loadInvalid(false); });
    $('access-form').addEventListener('submit', function (ev) { ev.preventDefault(); loadAccess(false); });
    window.addEventListener('hashchange', route);
    if (sessionStorage.getItem(KEY_STORE)) enter();
    else showSignIn('');
  }

  function showSignIn(msg) {
    $('app').hidden = true;
    $('tabs').hidden = true;
    $('session').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = msg || '';
    $('apikey').focus();
  }

  async function signIn(ev) {
    ev.preventDefault();
    var key = $('apikey').value.trim();
    if (!key) return;
    var btn = $('signin-submit');
    btn.disabled = true;
    $('signin-error').textContent = '';
    sessionStorage.setItem(KEY_STORE, key);
    var r = await api('GET', apiPath(API.accessLog, null, { page_size: 1 }), { signingIn: true });
    btn.disabled = false;
    if (r.status === 401 || r.status === 0) {
      sessionStorage.removeItem(KEY_STORE);
      $('signin-error').textContent = r.status === 401 ? 'The gateway does not know this API key.' : 'Sign-in failed: ' + r.error;
      return;
    }
    $('apikey').value = '';
    enter();
  }

  function enter() {
    $('signin').hidden = true;
    $('app').hidden = false;
    $('tabs').hidden = false;
    $('session').hidden = false;
    state.loaded = {};
    route();
  }

  function signOut(msg) {
    sessionStorage.removeItem(KEY_STORE);
    clearTimeout(state.pollTimer);
    state.timelineSeq++;
    ['verification-body', 'chart', 'legend', 'index-body', 'record-results', 'timeline', 'invalid-results', 'access-results']
      .forEach(function (id) { clear($(id)); });
    $('timeline-card').hidden = true;
    $('record-notice').hidden = true;
    state.stats = null;
    showSignIn(msg);
  }

  var VIEWS = ['overview', 'records', 'invalid', 'access'];
  var LOADERS = {
    overview: function () { loadVerification('GET'); loadActivity(); loadIndexStatus(); },
    records: function () { $('rq').focus(); },
    invalid: function () { loadInvalid(false); },
    access: function () { loadAccess(false); }
  };

  function route() {
    if ($('app').hidden) return;
    var parts = location.hash.replace(/^#/, '').split('/');
    if (parts[0] === 'record' && parts.length >= 3) {
      showView('records');
      openRecord(parts[1], decodeURIComponent(parts.slice(2).join('/')));
      return;
    }
    showView(VIEWS.indexOf(parts[0]) >= 0 ? parts[0] : 'overview');
  }

  function showView(v) {
    document.querySelectorAll('section.view').forEach(function (s) { s.hidden = s.getAttribute('data-view') !== v; });
    document.querySelectorAll('#tabs a').forEach(function (a) {
      a.classList.toggle('active', a.getAttribute('data-view') === v);
    });
    if (!state.loaded[v]) {
      state.loaded[v] = true;
      LOADERS[v]();
    }
  }

  // ---- chain verification ------------------------------------------------------------------

  async function loadVerification(method) {
    var body = $('verification-body');
    var btn = $('verify-now');
    clearTimeout(state.pollTimer);
    if (method === 'POST') {
      btn.disabled = true;
      btn.textContent = 'Verifying…';
    }
    var r = await api(method, API.verification);
    btn.disabled = false;
    btn.textContent = 'Verify now';
    if (!r.ok) {
      btn.hidden = routeMissing(r);
      replace(body, unavailable('Chain verification', r));
      return;
    }
    btn.hidden = false;
    renderVerification(r.json);
    if (r.json.status === 'PENDING' && !$('app').hidden) {
      state.pollTimer = setTimeout(function () { loadVerification('GET'); }, 5000);
    }
  }

  function fact(label, value) {
    return el('div', null, [el('dt', { text: label }), el('dd', null, value)]);
  }

  function renderVerification(v) {
    var status = v.status === 'VERIFIED' || v.status === 'FAULT' ? v.status : 'PENDING';
    var lead = status === 'VERIFIED' ? 'Hash links, data hashes and every signature check out from block 0 to the verified height.'
      : status === 'FAULT' ? 'Verification stopped at the first fault below.'
        : 'A verification is running or has not completed yet.';
    var dur = v.duration_ms === undefined || v.duration_ms === null ? '—' : (Number(v.duration_ms) / 1000).toFixed(1) + ' s';
    var parts = [
      el('div', { 'class': 'verif' }, [
        el('div', null, [
          el('div', { 'class': 'status-badge status-' + status, id: 'verification-status', text: status }),
          el('p', { 'class': 'muted', text: lead })
        ]),
        el('dl', { 'class': 'facts' }, [
          fact('Verified height', num(v.verified_height)),
          fact('Ledger height', num(v.ledger_height)),
          fact('Blocks checked', num(v.blocks)),
          fact('Transactions checked', num(v.transactions)),
          fact('Checked at', timeEl(v.checked_at)),
          fact('Took', dur)
        ])
      ])
    ];
    if (v.fault) {
      var f = v.fault;
      parts.push(el('div', { 'class': 'fault', id: 'verification-fault' }, [
        el('h3', { text: 'First fault: ' + (f.kind || 'unknown') }),
        el('dl', { 'class': 'tl-grid' }, [
          el('dt', { text: 'Block' }), el('dd', { text: num(f.block) }),
          el('dt', { text: 'Transaction' }), el('dd', null, [num(f.tx_index), ' · ', txEl(f.tx_id)]),
          el('dt', { text: 'Endorsement' }), el('dd', { text: num(f.endorsement) }),
          el('dt', { text: 'Detail' }), el('dd', { text: f.detail || '—' })
        ])
      ]));
    }
    var peers = Array.isArray(v.peers) ? v.peers : [];
    if (peers.length) {
      parts.push(el('h3', { 'class': 'section-gap', text: 'Block hashes compared across the peers' }));
      parts.push(table([
        { label: 'Peer', cell: function (p) { return el('span', { 'class': 'mono', text: p.peer || '—' }); } },
        { label: 'Agency', cell: function (p) { return orgPill(p.org); } },
        { label: 'Height', num: true, cell: function (p) { return num(p.height); } },
        { label: 'Compared block', num: true, cell: function (p) { return num(p.compared_block); } },
        {
          label: 'Block hash', cell: function (p) {
            return p.error ? statusPill('UNREACHABLE') : p.match ? el('span', { 'class': 'pill ok', text: 'matches' }) : el('span', { 'class': 'pill bad', text: 'DIFFERS' });
          }
        },
        { label: 'Error', cell: function (p) { return p.error ? el('span', { 'class': 'error', text: p.error }) : ''; } }
      ], peers).wrap);
    }
    replace($('verification-body'), parts);
  }

  // ---- activity chart ----------------------------------------------------------------------

  var RANGES = {
    '24h': { bucket: 'hour', step: 3600e3, n: 24 },
    '7d': { bucket: 'day', step: 86400e3, n: 7 },
    '30d': { bucket: 'day', step: 86400e3, n: 30 }
  };

  async function loadActivity() {
    var rg = RANGES[$('activity-range').value] || RANGES['24h'];
    // Buckets are aligned in UTC; the last one holds now.
    var to = Math.floor(Date.now() / rg.step) * rg.step + rg.step;
    var from = to - rg.n * rg.step;
    var r = await api('GET', apiPath(API.indexStats, null, {
      bucket: rg.bucket, from: new Date(from).toISOString(), to: new Date(to).toISOString()
    }));
    $('activity-form').hidden = routeMissing(r);
    if (!r.ok) {
      state.stats = null;
      replace($('chart'), unavailable('Activity per agency (from the search index)', r));
      clear($('legend'));
      return;
    }
    state.stats = { json: r.json, from: from, rg: rg };
    drawChart();
  }

  // niceScale: a round step (1, 2, 5 × 10^k, at least 1) and the axis top for max.
  function niceScale(max) {
    var rough = Math.max(max, 1) / 4;
    var p = Math.pow(10, Math.floor(Math.log10(rough)));
    var step = [1, 2, 5, 10].map(function (m) { return m * p; }).find(function (s) { return s >= rough; });
    step = Math.max(1, Math.round(step));
    return { step: step, top: step * Math.max(1, Math.ceil(max / step)) };
  }

  function drawChart() {
    var box = $('chart');
    var legend = $('legend');
    if (!state.stats) return;
    var metric = $('activity-metric').value;
    var rg = state.stats.rg;
    var from = state.stats.from;
    var slots = [];
    for (var i = 0; i < rg.n; i++) slots.push({ start: from + i * rg.step, by: {}, total: 0 });
    var seen = {};
    var totals = { blocks: 0, transactions: 0, invalid: 0 };
    var perAgency = {};
    (state.stats.json.buckets || []).forEach(function (b) {
      var t = Date.parse(b.start);
      if (isNaN(t)) return;
      var k = Math.floor((t - from) / rg.step);
      if (k < 0 || k >= rg.n) return;
      var a = String(b.agency || 'other');
      seen[a] = true;
      var v = Math.max(0, Number(b[metric]) || 0);
      slots[k].by[a] = (slots[k].by[a] || 0) + v;
      slots[k].total += v;
      perAgency[a] = (perAgency[a] || 0) + v;
      totals.blocks += Number(b.blocks) || 0;
      totals.transactions += Number(b.transactions) || 0;
      totals.invalid += Number(b.invalid) || 0;
    });
    var order = AGENCIES.filter(function (a) { return seen[a]; })
      .concat(Object.keys(seen).filter(function (a) { return AGENCIES.indexOf(a) < 0; }).sort());

    var W = 1000, H = 250, L = 46, R = 10, T = 12, B = 30;
    var max = Math.max.apply(null, slots.map(function (s) { return s.total; }));
    var sc = niceScale(max);
    var plotW = W - L - R, plotH = H - T - B;
    var y = function (v) { return T + plotH - (v / sc.top) * plotH; };
    var g = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', id: 'activity-chart', 'aria-label': metric + ' per agency over time' });
    for (var v = 0; v <= sc.top; v += sc.step) {
      g.appendChild(svg('line', { 'class': v === 0 ? 'axis' : 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      g.appendChild(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', text: String(v) }));
    }
    var bw = plotW / rg.n;
    var gap = Math.min(6, bw * 0.18);
    var every = Math.ceil(rg.n / 12);
    slots.forEach(function (s, k) {
      var x = L + k * bw + gap / 2;
      var acc = 0;
      var when = rg.bucket === 'hour' ? localTime(new Date(s.start).toISOString()).slice(0, 16)
        : localTime(new Date(s.start).toISOString()).slice(0, 10);
      order.forEach(function (a) {
        var val = s.by[a] || 0;
        if (!val) return;
        var y0 = y(acc + val), y1 = y(acc);
        acc += val;
        g.appendChild(svg('rect', {
          'class': 'bar', x: x.toFixed(1), y: y0.toFixed(1), width: Math.max(1, bw - gap).toFixed(1),
          height: Math.max(0.5, y1 - y0).toFixed(1), fill: COLORS[a] || OTHER_COLOR
        }, svg('title', { text: when + ' · ' + a + ': ' + val + ' ' + metric })));
      });
      if (k % every === 0) {
        var d = new Date(s.start);
        var label = rg.bucket === 'hour' ? pad(d.getHours()) + ':' + pad(d.getMinutes()) : pad(d.getMonth() + 1) + '-' + pad(d.getDate());
        g.appendChild(svg('text', { x: (L + k * bw + bw / 2).toFixed(1), y: H - B + 16, 'text-anchor': 'middle', text: label }));
      }
    });
    if (max === 0) {
      g.appendChild(svg('text', { x: L + plotW / 2, y: T + plotH / 2, 'text-anchor': 'middle', text: 'No ' + metric + ' in this range' }));
    }
    replace(box, g);
    var items = order.map(function (a) {
      return el('span', null, [
        el('span', { 'class': 'sw sw-' + (COLORS[a] ? a : 'other') }),
        a + (AGENCY_NAMES[a] ? ' (' + AGENCY_NAMES[a] + ')' : '') + ': ' + perAgency[a]
      ]);
    });
    items.push(el('span', {
      'class': 'totals',
      text: 'In range: ' + totals.blocks + ' blocks · ' + totals.transactions + ' transactions · ' + totals.invalid + ' invalid'
    }));
    replace(legend, items);
    var note = indexNote(state.stats.json.index);
    if (note) legend.appendChild(note);
  }

  // ---- index status -------------------------------------------------------------------------

  async function loadIndexStatus() {
    var body = $('index-body');
    var r = await api('GET', API.indexStatus);
    if (!r.ok) {
      replace(body, unavailable('The search index', r));
      return;
    }
    var facts = [];
    var add = function (k, v) {
      if (v === null || v === undefined || typeof v === 'object') return;
      facts.push(fact(k.replace(/_/g, ' '), /_at$/.test(k) && parseTime(v) ? timeEl(v) : String(v)));
    };
    Object.keys(r.json).forEach(function (k) {
      var v = r.json[k];
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        Object.keys(v).forEach(function (k2) { add(k + ' ' + k2, v[k2]); });
      } else add(k, v);
    });
    replace(body, facts.length ? el('dl', { 'class': 'facts' }, facts) : el('p', { 'class': 'muted', text: 'The index reports nothing.' }));
  }

  // ---- records ------------------------------------------------------------------------------

  function normKind(k) {
    k = String(k || '').toLowerCase();
    if (k.indexOf('bus') === 0) return 'business';
    if (k.indexOf('inv') === 0) return 'invoice';
    if (k.indexOf('evi') === 0) return 'evidence';
    return k;
  }

  // idOf recognises an exact record id: a USCC, an invoice number or an evidence id.
  function idOf(q) {
    if (/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(q.toUpperCase())) return { kind: 'business', id: q.toUpperCase() };
    if (/^[0-9]{20}$/.test(q)) return { kind: 'invoice', id: q };
    if (/^[0-9a-fA-F]{32}$/.test(q)) return { kind: 'evidence', id: q.toLowerCase() };
    return null;
  }

  function recordNotice(msg) {
    var n = $('record-notice');
    n.textContent = msg || '';
    n.hidden = !msg;
  }

  var RECORD_COLUMNS = [
    { label: 'Kind', cell: function (r) { return KINDS[normKind(r.kind)] ? KINDS[normKind(r.kind)].label : String(r.kind || '—'); } },
    { label: 'Id', cell: function (r) { return el('span', { 'class': 'mono', text: r.id || '—' }); } },
    { label: 'Name', cell: function (r) { return r.name ? truncate(r.name, 60) : '—'; } },
    { label: 'Agency', cell: function (r) { return orgPill(r.agency); } },
    { label: 'Amount', num: true, cell: function (r) { return r.amount_fen === undefined || r.amount_fen === null || r.amount_fen === '' ? '—' : fenToYuan(r.amount_fen); } },
    { label: 'Status', cell: function (r) { return statusPill(r.status); } },
    { label: 'Created', cell: function (r) { return timeEl(r.created_at); } },
    { label: 'Updated', cell: function (r) { return timeEl(r.updated_at); } },
    { label: 'Block', num: true, cell: function (r) { return num(r.block); } }
  ];

  function pickRecord(r) {
    var kind = normKind(r.kind);
    history.replaceState(null, '', '#record/' + kind + '/' + encodeURIComponent(r.id));
    openRecord(kind, r.id);
  }

  async function searchRecords() {
    var q = $('rq').value.trim();
    var results = $('record-results');
    var min, max;
    try {
      min = yuanToFen($('rmin').value);
      max = yuanToFen($('rmax').value);
    } catch (e) {
      recordNotice(e.message);
      return;
    }
    recordNotice('');
    var id = idOf(q);
    if (id && id.kind !== 'business') { // the index searches by USCC and name, not by these ids
      await exactLookup(id.kind, id.id);
      return;
    }
    if (!state.indexMissing) {
      state.records.query = {
        kind: $('rkind').value, agency: $('ragency').value, status: $('rstatus').value,
        from: dateStart($('rfrom').value), to: dateEnd($('rto').value), min_amount: min, max_amount: max,
        uscc: id ? id.id : '', name: id ? '' : q, page_size: 25
      };
      replace(results, el('p', { 'class': 'muted', text: 'Searching…' }));
      var r = await api('GET', apiPath(API.indexRecords, null, state.records.query));
      if (r.ok) {
        var recs = Array.isArray(r.json.records) ? r.json.records : [];
        renderRecords(recs, r.json, false);
        var hit = id ? recs.find(function (x) { return x.id === id.id && normKind(x.kind) === 'business'; }) : recs.length === 1 ? recs[0] : null;
        if (hit) pickRecord(hit);
        else if (id) { // not in the index (yet): the ledger is the authority
          recordNotice('The search index has no business ' + id.id + ' (yet): it was read from the ledger.');
          await exactLookup(id.kind, id.id);
        }
        return;
      }
      if (!routeMissing(r)) {
        replace(results, unavailable('Record search', r));
        return;
      }
      state.indexMissing = true;
    }
    if (!id) {
      clear(results);
      recordNotice('The search index is not available on this gateway: search by an exact USCC (18 characters), ' +
        'invoice number (20 digits) or evidence id (32 hexadecimal characters).');
      return;
    }
    recordNotice('The search index is not available on this gateway: the record was looked up by its exact id (the filters do not apply).');
    await exactLookup(id.kind, id.id);
  }

  function renderRecords(recs, page, more) {
    var results = $('record-results');
    if (!more) {
      clear(results);
      if (!recs.length) {
        results.appendChild(el('p', { 'class': 'muted', text: 'No record matches.' }));
      } else {
        var t = table(RECORD_COLUMNS, recs, pickRecord);
        t.wrap.id = 'record-table';
        results.appendChild(t.wrap);
      }
    } else {
      var tbody = results.querySelector('tbody');
      recs.forEach(function (r) { tbody.appendChild(tableRow(RECORD_COLUMNS, r, pickRecord)); });
      var old = results.querySelector('.more');
      if (old) old.remove();
      var oldNote = results.querySelector('.index-note');
      if (oldNote) oldNote.remove();
    }
    state.records.bookmark = page.bookmark || '';
    if (state.records.bookmark && recs.length) {
      results.appendChild(el('div', { 'class': 'more' }, el('button', {
        type: 'button', text: 'More results', onclick: async function () {
          var r = await api('GET', apiPath(API.indexRecords, null, Object.assign({}, state.records.query, { bookmark: state.records.bookmark })));
          if (r.ok) renderRecords(r.json.records || [], r.json, true);
          else results.appendChild(unavailable('Record search', r));
        }
      })));
    }
    var note = indexNote(page.index);
    if (note) results.appendChild(note);
  }

  // exactLookup reads a record by its id through the record's own GET route.
  async function exactLookup(kind, id) {
    var k = KINDS[kind];
    var results = $('record-results');
    replace(results, el('p', { 'class': 'muted', text: 'Looking up ' + k.label.toLowerCase() + ' ' + id + '…' }));
    var p = {};
    p[k.param] = id;
    var r = await api('GET', apiPath(k.get, p));
    if (!r.ok) {
      replace(results, r.status === 404 ? el('p', { 'class': 'error', text: 'No ' + k.label.toLowerCase() + ' ' + id + ' on the ledger.' }) : unavailable('Record lookup', r));
      return;
    }
    var v = r.json;
    var row = {
      kind: kind, id: id,
      name: kind === 'business' ? v.name : kind === 'invoice' ? (v.buyer_name ? 'to ' + v.buyer_name : '') : (v.file_name || v.description),
      agency: v.owner_org,
      amount_fen: kind === 'business' ? v.registered_capital_fen : kind === 'invoice' ? v.total_fen : null,
      status: v.status, created_at: v.created_at, updated_at: v.updated_at, block: null, tx_id: v.last_tx_id
    };
    renderRecords([row], {}, false);
    pickRecord(row);
  }

  // ---- record timeline --------------------------------------------------------------------

  function display(v, key) {
    if (v === undefined || v === null || v === '') return '(none)';
    if (/_fen$/.test(key || '') && (typeof v === 'number' || typeof v === 'string')) return fenToYuan(v);
    if (Array.isArray(v)) return v.length + (v.length === 1 ? ' entry' : ' entries');
    if (typeof v === 'object') return truncate(JSON.stringify(v), 80);
    return truncate(String(v), 80);
  }

  // changes lists what a version changed against the one before it.
  function changes(prev, cur) {
    if (!prev) return [el('li', { text: 'Created' })];
    if (!cur) return [el('li', { text: 'Deleted' })];
    var keys = Object.keys(Object.assign({}, prev, cur)).filter(function (k) { return !META_FIELDS[k]; });
    var out = [];
    keys.forEach(function (k) {
      if (JSON.stringify(prev[k]) === JSON.stringify(cur[k])) return;
      out.push(el('li', null, [
        el('strong', { text: k.replace(/_fen$/, '').replace(/_/g, ' ') }), ': ',
        el('span', { 'class': 'from', text: display(prev[k], k) }), ' → ',
        el('span', { 'class': 'to', text: display(cur[k], k) })
      ]));
    });
    return out.length ? out : [el('li', { 'class': 'muted', text: 'No field changed' })];
  }

  async function openRecord(kind, id) {
    kind = normKind(kind);
    var k = KINDS[kind];
    var card = $('timeline-card');
    var box = $('timeline');
    card.hidden = false;
    if (!k) {
      replace(box, el('p', { 'class': 'error', text: 'Unknown record kind "' + kind + '".' }));
      return;
    }
    $('timeline-title').textContent = k.label + ' ' + id + ': timeline';
    replace(box, el('p', { 'class': 'muted', text: 'Reading the history…' }));
    var seq = ++state.timelineSeq;
    var entries = [];
    var bookmark = '';
    var p = {};
    p[k.param] = id;
    for (var page = 0; page < 20; page++) {
      var r = await api('GET', apiPath(k.history, p, { page_size: 100, bookmark: bookmark }));
      if (seq !== state.timelineSeq) return;
      if (!r.ok) {
        replace(box, r.status === 404 && !routeMissing(r) ? el('p', { 'class': 'error', text: 'No ' + kind + ' ' + id + ' on the ledger.' }) : unavailable('The history', r));
        return;
      }
      entries = entries.concat(Array.isArray(r.json.entries) ? r.json.entries : []);
      bookmark = r.json.bookmark || '';
      if (!bookmark) break;
    }
    if (!entries.length) {
      replace(box, el('p', { 'class': 'muted', text: 'No version of ' + kind + ' ' + id + ' is on the ledger.' }));
      return;
    }
    // entries are newest first; number them from the oldest.
    var latest = entries[0].value || (entries[1] && entries[1].value) || {};
    var head = el('div', { 'class': 'record-head' }, [
      el('div', null, [el('div', { 'class': 'muted', text: k.label }), el('div', { 'class': 'id', text: id })]),
      latest.name ? el('div', null, [el('div', { 'class': 'muted', text: 'Name' }), el('div', { text: latest.name })]) : null,
      el('div', null, [el('div', { 'class': 'muted', text: 'Status' }), statusPill(entries[0].is_delete ? 'DELETED' : latest.status)]),
      el('div', null, [el('div', { 'class': 'muted', text: 'Owner' }), orgPill(latest.owner_org)]),
      el('div', null, [el('div', { 'class': 'muted', text: 'Versions' }), el('div', { text: String(entries.length) })])
    ]);
    var list = el('ol', { 'class': 'timeline', id: 'timeline-list' });
    var pending = [];
    entries.forEach(function (e, i) {
      var prev = entries[i + 1];
      var version = entries.length - i;
      var slots = {
        block: el('dd', { 'class': 'tl-block', text: '…' }),
        endorsers: el('dd', { 'class': 'tl-endorsers', text: '…' }),
        validation: el('dd', { 'class': 'tl-validation', text: '…' })
      };
      var msg = el('span', { 'class': 'msg' });
      var btn = el('button', { type: 'button', 'class': 'small', text: 'Download proof bundle' });
      btn.addEventListener('click', function () { downloadProof(e.tx_id, btn, msg); });
      list.appendChild(el('li', { 'class': e.is_delete ? 'deleted' : null, 'data-tx': e.tx_id || '' }, [
        el('div', { 'class': 'tl-top' }, [
          el('span', { 'class': 'tl-version', text: 'Version ' + version }),
          timeEl(e.timestamp),
          e.is_delete ? statusPill('DELETED') : statusPill(e.value && e.value.status)
        ]),
        el('ul', { 'class': 'changes' }, changes(prev ? prev.value : null, e.is_delete ? null : e.value)),
        el('dl', { 'class': 'tl-grid' }, [
          el('dt', { text: 'Submitted by' }), el('dd', null, [orgPill(e.submitter_org), ' ', e.submitter || '']),
          el('dt', { text: 'Endorsed by' }), slots.endorsers,
          el('dt', { text: 'Block' }), slots.block,
          el('dt', { text: 'Validation' }), slots.validation,
          el('dt', { text: 'Transaction' }), el('dd', null, el('span', { 'class': 'mono', text: e.tx_id || '—' }))
        ]),
        el('div', { 'class': 'tl-actions' }, [btn, msg]),
        e.value ? el('details', { 'class': 'raw' }, [
          el('summary', { text: 'Record as written in this version' }),
          el('pre', { text: JSON.stringify(e.value, null, 2) })
        ]) : null
      ]));
      if (e.tx_id) pending.push({ tx: e.tx_id, slots: slots });
    });
    replace(box, [head, list]);
    await fillTransactions(pending, seq);
  }

  // fillTransactions reads each version's transaction (block, endorsing orgs, validation),
  // four at a time.
  async function fillTransactions(items, seq) {
    var next = 0;
    async function worker() {
      while (next < items.length) {
        var it = items[next++];
        var r = await api('GET', apiPath(API.transaction, { tx_id: it.tx }));
        if (seq !== state.timelineSeq) return;
        if (!r.ok) {
          [it.slots.block, it.slots.endorsers, it.slots.validation].forEach(function (s) {
            replace(s, el('span', { 'class': 'error', text: r.error }));
          });
          continue;
        }
        var t = r.json;
        replace(it.slots.block, t.block_number === undefined ? '—' : String(t.block_number));
        var orgs = Array.isArray(t.endorsing_orgs) ? t.endorsing_orgs : [];
        replace(it.slots.endorsers, orgs.length ? orgs.map(orgPill) : '—');
        replace(it.slots.validation, [statusPill(t.status), t.creator && t.creator.msp_id ? el('span', { 'class': 'muted', text: ' created by ' + t.creator.msp_id }) : null]);
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  async function downloadProof(txID, btn, msg) {
    btn.disabled = true;
    msg.textContent = 'Fetching the proof bundle…';
    var r = await api('GET', apiPath(API.proof, { tx_id: txID }), { blob: true });
    btn.disabled = false;
    if (!r.ok) {
      msg.textContent = routeMissing(r) ? 'Proof bundles are not available on this gateway (404).' : 'Proof bundle: ' + r.error;
      return;
    }
    var name = 'govchain-proof-' + txID + '.json';
    var url = URL.createObjectURL(r.blob);
    var a = el('a', { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    msg.textContent = 'Saved ' + name + ' (' + r.blob.size + ' bytes). Check it offline with govchain-audit verify-proof.';
  }

  // ---- invalid transactions ----------------------------------------------------------------

  var INVALID_COLUMNS = [
    { label: 'Time', cell: function (t) { return timeEl(t.timestamp); } },
    { label: 'Block', num: true, cell: function (t) { return num(t.block); } },
    { label: '#', num: true, cell: function (t) { return num(t.tx_index); } },
    { label: 'Transaction', cell: function (t) { return txEl(t.tx_id); } },
    { label: 'Creator', cell: function (t) { return orgPill(t.creator_msp); } },
    { label: 'Endorsers', cell: function (t) { return (t.endorsers || []).length ? (t.endorsers || []).map(orgPill) : '—'; } },
    { label: 'Function', cell: function (t) { return el('span', { 'class': 'mono', text: t.function || '—' }); } },
    { label: 'Validation code', cell: function (t) { return statusPill(String(t.validation_code || '')); } }
  ];

  async function loadInvalid(more) {
    var box = $('invalid-results');
    if (!more) {
      state.invalid.query = {
        valid: 'false', code: $('icode').value.trim(), agency: $('iagency').value,
        from: dateStart($('ifrom').value), to: dateEnd($('ito').value), page_size: 50
      };
      state.invalid.bookmark = '';
      replace(box, el('p', { 'class': 'muted', text: 'Loading…' }));
    }
    var r = await api('GET', apiPath(API.indexTransactions, null, Object.assign({}, state.invalid.query, { bookmark: state.invalid.bookmark })));
    if (!r.ok) {
      replace(box, unavailable('The list of invalid transactions (from the search index)', r));
      return;
    }
    pageInto(box, INVALID_COLUMNS, r.json.transactions, r.json, more, 'No invalid transaction matches.', state.invalid, loadInvalid, null);
  }

  // pageInto renders one page of a paged list into box, with a "More" button on a bookmark.
  function pageInto(box, columns, rows, page, more, empty, st, load, onRow) {
    rows = Array.isArray(rows) ? rows : [];
    if (!more) {
      clear(box);
      if (!rows.length) box.appendChild(el('p', { 'class': 'muted', text: empty }));
      else box.appendChild(table(columns, rows, onRow).wrap);
    } else {
      var tbody = box.querySelector('tbody');
      rows.forEach(function (r) { tbody.appendChild(tableRow(columns, r, onRow)); });
      box.querySelectorAll('.more, .index-note').forEach(function (n) { n.remove(); });
    }
    st.bookmark = page.bookmark || '';
    if (st.bookmark && rows.length) {
      box.appendChild(el('div', { 'class': 'more' }, el('button', { type: 'button', text: 'More', onclick: function () { load(true); } })));
    }
    var note = indexNote(page.index);
    if (note) box.appendChild(note);
  }

  // ---- access trail ----------------------------------------------------------------------

  var ACCESS_COLUMNS = [
    { label: 'Time', cell: function (a) { return timeEl(a.at); } },
    {
      label: 'Accessor', cell: function (a) {
        return [orgPill(a.accessor_org), ' ', el('span', { title: a.accessor_role ? 'role: ' + a.accessor_role : null, text: a.accessor || '' })];
      }
    },
    { label: 'Kind', cell: function (a) { return a.kind || '—'; } },
    {
      label: 'Record', cell: function (a) {
        if (!a.record) return '—';
        var link = el('a', { href: '#record/business/' + encodeURIComponent(a.record), 'class': 'mono', text: a.record });
        return [a.record_type && a.record_type !== 'business' ? a.record_type + ' ' : '', link];
      }
    },
    { label: 'Fields', cell: function (a) { return (a.fields || []).join(', ') || '—'; } },
    { label: 'Purpose', cell: function (a) { return el('span', { title: a.purpose_detail || null, text: a.purpose || '—' }); } },
    { label: 'Outcome', cell: function (a) { return el('span', { title: a.deny_reason || null }, statusPill(a.outcome)); } },
    {
      label: 'Basis', cell: function (a) {
        return [a.basis || '—', a.grant_id ? el('span', { 'class': 'mono muted', title: a.grant_id, text: ' ' + shortID(a.grant_id) }) : null];
      }
    }
  ];

  async function loadAccess(more) {
    var box = $('access-results');
    if (!more) {
      var rec = $('arecord').value.trim();
      state.access.query = {
        record: rec ? rec.toUpperCase() : '', accessor: $('aaccessor').value,
        from: dateStart($('afrom').value), to: dateEnd($('ato').value), page_size: 50
      };
      state.access.bookmark = '';
      replace(box, el('p', { 'class': 'muted', text: 'Loading…' }));
    }
    var r = await api('GET', apiPath(API.accessLog, null, Object.assign({}, state.access.query, { bookmark: state.access.bookmark })));
    if (!r.ok) {
      replace(box, unavailable('The access trail', r));
      return;
    }
    pageInto(box, ACCESS_COLUMNS, r.json.records, r.json, more, 'No access to personal data matches.', state.access, loadAccess, null);
  }

  // For the browser test: the formatting functions, read-only.
  window.govchainConsole = Object.freeze({ fenToYuan: fenToYuan, yuanToFen: yuanToFen, localTime: localTime });

  start();
}());
