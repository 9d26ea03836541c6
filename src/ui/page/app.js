/* app.js - door ui's page. Plain JavaScript, no build step, no library.
 *
 * Everything a process, a path or a server said is other people's text:
 * it goes into the page with textContent (or an attribute set with
 * setAttribute), never parsed as HTML: tests/cli/test-ui.sh checks that
 * no HTML-parsing API appears in the page files.
 *
 * The table comes from /api/events (Server-Sent Events): a "snapshot"
 * (the array door ls --json writes) when the stream starts, then a
 * "change" for every door that opens, closes or changes hands (door watch
 * --json's lines: "open", "close", "owner") as it happens. Actions are POSTs of JSON to /api/...; the cookie set on the
 * first visit carries the token.
 */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);

  const state = {
    socks: new Map(),      // inode (string) -> socket object
    probes: new Map(),     // inode -> probe answer text, from the Probe button
    rows: [],              // the grouped rows, as shown
    seen: new Set(),       // row keys already shown once (to flash new ones)
    fresh: new Map(),      // row key -> until when it is marked new
    card: null,            // { port, proto } of the open card
    plan: null,            // the kill plan waiting for a yes
    live: false,
    shown: false,          // the first table is on the screen
  };

  /* ---- small helpers ---- */

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // Bytes that would move a terminal's cursor show as \xNN there (door's
  // esc_term); here too, so a name made of control characters is seen
  // for what it is. A backslash doubles, as in the terminal.
  function visible(s) {
    if (s === null || s === undefined) return '';
    return String(s).replace(/[\\\u0000-\u001f\u007f-\u009f]/g, (c) => {
      if (c === '\\') return '\\\\';
      return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
    });
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  async function post(path, body) {
    let r;
    try {
      r = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      throw new Error('door ui does not answer (stopped?)');
    }
    const type = r.headers.get('Content-Type') || '';
    if (!type.startsWith('application/json')) {
      const t = await r.text();
      throw new Error(t.trim() || ('HTTP ' + r.status));
    }
    const j = await r.json();
    if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
    return j;
  }

  function sockKey(s) {
    return String(s.inode) + '/' + s.proto + '/' + s.address + '/' + s.port;
  }

  function addrText(s) {
    return s.family === 'ipv6' ? '[' + s.address + ']' : s.address;
  }

  function isListening(s) {
    return s.state === 'LISTEN' || (s.proto === 'udp' && s.state === 'UNCONN');
  }

  /* ---- what a door is: the SERVICE column of door ls ---- */

  // The process's own word ("Vite 5.2 (process)") beats the port number
  // ("usually PostgreSQL"); a probe that answered beats both.
  function service(group) {
    for (const s of group.socks) {
      const p = state.probes.get(String(s.inode));
      if (p && p.conf === 'probe') return { text: p.text, conf: 'probe' };
    }
    const s = group.socks[0];
    const o = group.owner;
    if (o && o.service) {
      const v = o.service;
      let what = v.product || v.name || '';
      if (v.detail) what += ' to ' + v.detail;
      else if (v.version) what += ' ' + v.version;
      return { text: visible(what), conf: 'process' };
    }
    if (s.usually && s.usually.length) return { text: visible(s.usually[0]), conf: 'usually' };
    for (const x of group.socks) {
      const p = state.probes.get(String(x.inode));
      if (p) return { text: p.text, conf: 'none' };
    }
    return { text: '', conf: '' };
  }

  // The text and its confidence label, as door ls writes them: "usually
  // PostgreSQL", "Vite 5.2 (process)", "nginx 1.22.1, HTTP 200 (probe)".
  function serviceCell(td, sv) {
    clear(td);
    if (!sv.text) return;
    const box = el('span');
    if (sv.conf === 'usually') {
      box.appendChild(el('span', 'conf usually', 'usually '));
      box.appendChild(document.createTextNode(sv.text));
    } else if (sv.conf === 'process') {
      box.appendChild(document.createTextNode(sv.text + ' '));
      box.appendChild(el('span', 'conf process', '(process)'));
    } else if (sv.conf === 'probe') {
      // probes_describe already ends in "(probe)"
      const t = sv.text.replace(/ \(probe\)$/, '');
      box.appendChild(document.createTextNode(t + ' '));
      box.appendChild(el('span', 'conf probe', '(probe)'));
    } else {
      box.className = 'dim';
      box.textContent = sv.text;
    }
    td.appendChild(box);
  }

  /* ---- rows, grouped the way door ls groups them ---- */

  // One row per (port, proto, process): a server on 127.0.0.1 and ::1 is
  // one row with two addresses, forked workers on one socket are a row
  // each. Sorted by port, tcp first, then pid.
  function group() {
    const rows = new Map();
    for (const s of state.socks.values()) {
      const owners = s.owners && s.owners.length ? s.owners : [null];
      const seenPid = new Set();
      for (const o of owners) {
        if (o && seenPid.has(o.pid)) continue;
        if (o) seenPid.add(o.pid);
        const who = o ? 'p' + o.pid : 'u' + s.uid + '/' + s.owners_status;
        const key = s.port + '/' + s.proto + '/' + who;
        let r = rows.get(key);
        if (!r) {
          r = { key, port: s.port, proto: s.proto, owner: o, socks: [], uid: s.uid };
          rows.set(key, r);
        }
        if (!r.socks.some((x) => x.inode === s.inode && x.address === s.address)) r.socks.push(s);
      }
    }
    const out = Array.from(rows.values());
    for (const r of out) {
      r.socks.sort((a, b) => (a.family === b.family ? (a.address < b.address ? -1 : 1) : a.family === 'ipv4' ? -1 : 1));
    }
    out.sort((a, b) => {
      if (a.port !== b.port) return a.port - b.port;
      if (a.proto !== b.proto) return a.proto === 'tcp' ? -1 : 1;
      const pa = a.owner ? a.owner.pid : -1, pb = b.owner ? b.owner.pid : -1;
      if (pa !== pb) return pa - pb;
      return a.uid - b.uid;
    });
    return out;
  }

  function ownerText(r) {
    const s = r.socks[0];
    if (r.owner) return { pid: String(r.owner.pid), name: visible(r.owner.name), cls: 'proc' };
    if (s.owners_status === 'hidden') return { pid: '-', name: '(hidden)', cls: 'warn' };
    if (s.owners_status === 'none' && s.inode !== 0) return { pid: '-', name: '(none found)', cls: 'dim' };
    return { pid: '-', name: '-', cls: 'dim' };
  }

  function userText(r) {
    if (r.owner && r.owner.user) return visible(r.owner.user);
    if (r.owner && r.owner.uid !== null && r.owner.uid !== undefined) return String(r.owner.uid);
    const s = r.socks[0];
    return s.user ? visible(s.user) : String(s.uid);
  }

  function rowText(r) {
    const o = ownerText(r);
    return [r.port, r.proto, r.socks.map(addrText).join(', '), o.pid, o.name, userText(r),
      service(r).text, r.owner && r.owner.cmdline ? visible(r.owner.cmdline.join(' ')) : ''].join(' ').toLowerCase();
  }

  function cell(tr, label, text, cls) {
    const td = el('td', cls, text);
    td.setAttribute('data-label', label);
    tr.appendChild(td);
    return td;
  }

  function makeRow(r) {
    const tr = el('tr');
    tr.tabIndex = 0;
    tr.dataset.key = r.key;
    tr.dataset.port = String(r.port);
    tr.dataset.proto = r.proto;
    const o = ownerText(r);
    cell(tr, 'Port', r.port, 'c-port num port');
    cell(tr, 'Proto', r.proto, 'c-proto');
    cell(tr, 'Address', r.socks.map(addrText).join(', '), 'c-addr addr');
    cell(tr, 'PID', o.pid === '-' ? '' : o.pid, 'c-pid num');
    cell(tr, 'Process', o.name, 'c-proc ' + o.cls);
    cell(tr, 'User', userText(r), 'c-user');
    serviceCell(cell(tr, 'Service', null, 'c-svc svc'), service(r));
    const act = cell(tr, '', null, 'c-act act');
    if (r.proto === 'tcp') {
      const pb = el('button', 'small', 'Probe');
      pb.type = 'button';
      pb.dataset.act = 'probe';
      pb.setAttribute('aria-label', 'Probe port ' + r.port);
      act.appendChild(pb);
    }
    const fb = el('button', 'small danger', 'Free');
    fb.type = 'button';
    fb.dataset.act = 'free';
    fb.setAttribute('aria-label', 'Free port ' + r.port + '/' + r.proto);
    act.appendChild(fb);
    if (state.fresh.has(r.key)) tr.classList.add('fresh');
    if (state.card && state.card.port === r.port && state.card.proto === r.proto) tr.classList.add('selected');
    return tr;
  }

  function render() {
    const tbody = $('rows');
    const focused = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest('#rows tr');
    const focusKey = focused ? focused.dataset.key : null;
    const focusAct = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.act : null;
    const q = $('filter').value.trim().toLowerCase();
    state.rows = group();
    // the first table is not news; a door that opens later is, for a
    // moment (a re-render in that moment keeps it marked)
    const now = Date.now();
    for (const [k, until] of state.fresh) if (until < now) state.fresh.delete(k);
    for (const r of state.rows) {
      if (state.seen.has(r.key)) continue;
      state.seen.add(r.key);
      if (state.shown) state.fresh.set(r.key, now + 2500);
    }
    const shown = q ? state.rows.filter((r) => rowText(r).includes(q)) : state.rows;
    const frag = document.createDocumentFragment();
    for (const r of shown) frag.appendChild(makeRow(r));
    clear(tbody);
    tbody.appendChild(frag);
    state.shown = true;
    const ports = new Set(state.rows.map((r) => r.port + '/' + r.proto));
    $('count').textContent = '(' + ports.size + (ports.size === 1 ? ' door' : ' doors') +
      (q ? ', ' + shown.length + ' shown' : '') + ')';
    $('empty').hidden = shown.length > 0;
    $('empty').textContent = q ? 'No door matches the filter.' : 'No open doors.';
    if (focusKey) {
      const tr = tbody.querySelector('tr[data-key="' + CSS.escape(focusKey) + '"]');
      if (tr) {
        const b = focusAct ? tr.querySelector('button[data-act="' + focusAct + '"]') : null;
        (b || tr).focus({ preventScroll: true });
      }
    }
    // a card whose door closed says so
    if (state.card && !ports.has(state.card.port + '/' + state.card.proto)) {
      $('card-status').textContent = 'This door is closed now.';
    }
  }

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; render(); });
  }

  /* ---- the live stream ---- */

  function setLive(ok, text) {
    state.live = ok;
    const l = $('live');
    l.textContent = text;
    l.classList.toggle('ok', ok);
    l.classList.toggle('bad', !ok);
  }

  function connect() {
    const es = new EventSource('/api/events');
    es.addEventListener('open', () => setLive(true, 'live'));
    es.addEventListener('error', () => {
      setLive(false, es.readyState === EventSource.CLOSED ? 'disconnected: reload the page' : 'reconnecting…');
    });
    es.addEventListener('snapshot', (ev) => {
      const list = JSON.parse(ev.data);
      state.socks.clear();
      for (const s of list) state.socks.set(String(s.inode) === '0' ? sockKey(s) : String(s.inode), s);
      setLive(true, 'live');
      scheduleRender();
    });
    const apply = (ev) => {
      const e = JSON.parse(ev.data);
      const s = e.socket;
      if (!s) return;
      const k = String(s.inode) === '0' ? sockKey(s) : String(s.inode);
      if (e.event === 'close') {
        state.socks.delete(k);
        state.probes.delete(String(s.inode));
      } else {
        state.socks.set(k, s);
      }
      scheduleRender();
    };
    // door watch's events: e.event is "open", "close" or "owner"
    es.addEventListener('change', apply);
  }

  /* ---- the card: door who PORT ---- */

  // door who's card is label/value lines ("  process    node, pid 1..."):
  // shown as a list of terms, the text exactly as the terminal has it.
  function fillCard(text) {
    const dl = $('card-body');
    clear(dl);
    const lines = text.replace(/\n$/, '').split('\n');
    let first = true;
    for (const line of lines) {
      if (first) {
        first = false;
        const m = /^(\S+)\s*(.*)$/.exec(line);
        $('card-h').textContent = m ? m[1] : line;
        $('card-usually').textContent = m && m[2] ? m[2].trim() : '';
        continue;
      }
      if (line === '') {
        dl.appendChild(el('div', 'gap'));
        continue;
      }
      // card.c writes "  " + the label padded to 10 + " " + the value
      const label = line.startsWith('  ') ? line.slice(2, 12).trim() : '';
      const value = line.startsWith('  ') ? line.slice(13) : line;
      if (label) {
        // each holder's block starts with its "process" line
        if (label === 'process' && dl.querySelector('dt')) {
          if (dl.lastChild && dl.lastChild.className !== 'gap') dl.appendChild(el('div', 'gap rule'));
        }
        dl.appendChild(el('dt', null, label));
        dl.appendChild(el('dd', label === 'command' ? 'mono' : null, value));
      } else {
        dl.appendChild(el('dd', 'more', value.trim()));
      }
    }
  }

  async function openCard(port, proto, focus) {
    state.card = { port, proto };
    const c = $('card');
    c.hidden = false;
    document.querySelector('main').classList.add('with-card');
    $('card-h').textContent = port + '/' + proto;
    $('card-usually').textContent = '';
    clear($('card-body'));
    $('card-status').textContent = 'asking door who ' + port + '…';
    $('card-probe').hidden = proto !== 'tcp';
    for (const tr of document.querySelectorAll('#rows tr')) {
      tr.classList.toggle('selected', tr.dataset.port === String(port) && tr.dataset.proto === proto);
    }
    if (focus) $('card-h').focus();
    try {
      const j = await post('/api/card', { port, proto });
      if (!state.card || state.card.port !== port || state.card.proto !== proto) return;
      fillCard(j.card || '');
      $('card-status').textContent = j.status === 0 ? '' : 'Nobody is behind this door now.';
    } catch (e) {
      $('card-status').textContent = e.message;
    }
  }

  function closeCard() {
    const was = state.card;
    state.card = null;
    $('card').hidden = true;
    document.querySelector('main').classList.remove('with-card');
    for (const tr of document.querySelectorAll('#rows tr.selected')) tr.classList.remove('selected');
    if (was) {
      const tr = document.querySelector('#rows tr[data-port="' + was.port + '"][data-proto="' + was.proto + '"]');
      if (tr) tr.focus();
    }
  }

  /* ---- probe ---- */

  async function probe(port, btn) {
    if (btn) { btn.disabled = true; btn.textContent = 'Probing…'; }
    try {
      const j = await post('/api/probe', { port, proto: 'tcp' });
      for (const a of j.answers || []) {
        const s = (j.sockets || []).find((x) => x.inode === a.inode);
        const conf = s && s.probe ? s.probe.confidence : 'none';
        state.probes.set(String(a.inode), { text: visible(a.text), conf });
      }
      if (state.card && state.card.port === port) {
        $('card-status').textContent = (j.answers || []).map((a) => a.address + ': ' + visible(a.text)).join('; ') ||
          'Nothing listens there now.';
      }
      scheduleRender();
    } catch (e) {
      if (state.card && state.card.port === port) $('card-status').textContent = e.message;
    } finally {
      if (btn && btn.isConnected) { btn.disabled = false; btn.textContent = 'Probe'; }
    }
  }

  /* ---- free: the plan, a yes, the result ---- */

  async function plan(port, proto, force) {
    const d = $('kill');
    $('kill-h').textContent = 'Free ' + port + '/' + proto + '?';
    $('kill-cmd').textContent = 'door kill ' + (proto === 'udp' ? '--udp ' : '') + (force ? '--force ' : '') + port;
    $('kill-plan').textContent = 'door kill --dry-run ' + port + '…';
    $('kill-result').hidden = true;
    $('kill-go').hidden = false;
    $('kill-go').disabled = true;
    $('kill-cancel').textContent = 'Cancel';
    if (!d.open) d.showModal();
    try {
      if (state.plan) cancelPlan();
      const j = await post('/api/kill/plan', { port, proto, force: !!force });
      state.plan = { id: j.plan, port, proto, force: !!force };
      $('kill-plan').textContent = j.text || '';
      $('kill-force-row').hidden = !(j.refused_managed || force);
      $('kill-force').checked = !!force;
      if (j.nobody || !j.plan) {
        $('kill-go').hidden = true;
        $('kill-cancel').textContent = 'Close';
      } else {
        $('kill-go').disabled = false;
        $('kill-go').textContent = j.question ? j.question.replace(/^./, (c) => c.toUpperCase()) : 'Free it';
        $('kill-go').focus();
      }
    } catch (e) {
      $('kill-plan').textContent = e.message;
      $('kill-go').hidden = true;
      $('kill-cancel').textContent = 'Close';
    }
  }

  function cancelPlan() {
    const p = state.plan;
    state.plan = null;
    if (p && p.id) post('/api/kill/cancel', { plan: p.id }).catch(() => {});
  }

  async function runPlan() {
    const p = state.plan;
    if (!p) return;
    state.plan = null;
    $('kill-go').disabled = true;
    $('kill-go').textContent = 'Freeing…';
    $('kill-result').hidden = false;
    $('kill-result').textContent = 'signalling, waiting for the door to close…';
    try {
      const j = await post('/api/kill/run', { plan: p.id });
      $('kill-result').textContent = j.text || '';
      $('kill-result').classList.toggle('ok', j.status === 0);
      $('kill-result').classList.toggle('bad', j.status !== 0);
    } catch (e) {
      $('kill-result').textContent = e.message;
      $('kill-result').classList.add('bad');
    }
    $('kill-go').hidden = true;
    $('kill-cancel').textContent = 'Close';
    $('kill-cancel').focus();
  }

  /* ---- door url and door explain ---- */

  function verdict(out, ok, layer, text) {
    const p = el('p', 'verdict ' + (ok ? 'ok' : 'bad'));
    p.appendChild(el('strong', null, ok ? 'ok' : 'FAIL'));
    if (layer) p.appendChild(el('span', 'layer', layer));
    p.appendChild(document.createTextNode(' ' + text));
    out.appendChild(p);
  }

  async function checkUrl(ev) {
    ev.preventDefault();
    const out = $('url-out');
    const url = $('url').value.trim();
    if (!url) return;
    clear(out);
    out.appendChild(el('p', 'dim', 'door url ' + url + ' …'));
    const btn = ev.submitter || $('url-form').querySelector('button');
    btn.disabled = true;
    try {
      const j = await post('/api/url', { url });
      clear(out);
      if (j.error) {
        verdict(out, false, j.status === 2 ? 'url' : null, j.error);
        if (j.status === 2 && typeof j.at === 'number') {
          const pre = el('pre', 'term');
          pre.textContent = url + '\n' + ' '.repeat(j.at) + '^'.repeat(Math.max(1, j.len || 1));
          out.appendChild(pre);
        }
      } else {
        const r = j.report || {};
        verdict(out, !!r.ok, r.failed_layer, r.verdict || '');
        const pre = el('pre', 'term');
        pre.textContent = (j.text || '').split('\n').slice(1).join('\n');
        out.appendChild(pre);
      }
    } catch (e) {
      clear(out);
      verdict(out, false, null, e.message);
    } finally {
      btn.disabled = false;
    }
  }

  async function explain(ev) {
    ev.preventDefault();
    const out = $('explain-out');
    const text = $('explain').value;
    if (!text.trim()) return;
    const body = { text };
    const pv = $('explain-port').value.trim();
    if (pv) body.port = Number(pv);
    clear(out);
    out.appendChild(el('p', 'dim', 'door explain …'));
    const btn = ev.submitter || $('explain-form').querySelector('button');
    btn.disabled = true;
    try {
      const j = await post('/api/explain', body);
      clear(out);
      const r = j.report || {};
      if (!r.recognised) {
        verdict(out, false, null, 'No bind error in this text: door explain reads "address already in use" errors (Node, Python, Go, Java, nginx, PostgreSQL, Redis, Docker, …).');
      } else {
        const pre = el('pre', 'term', j.text || '');
        out.appendChild(pre);
        if (r.in_use && r.port) {
          const b = el('button', 'danger', 'Free ' + r.port + '…');
          b.type = 'button';
          b.addEventListener('click', () => plan(r.port, 'tcp', false));
          out.appendChild(b);
        }
      }
    } catch (e) {
      clear(out);
      verdict(out, false, null, e.message);
    } finally {
      btn.disabled = false;
    }
  }

  /* ---- wiring ---- */

  function rowOf(node) {
    return node && node.closest ? node.closest('#rows tr') : null;
  }

  $('rows').addEventListener('click', (ev) => {
    const tr = rowOf(ev.target);
    if (!tr) return;
    const port = Number(tr.dataset.port), proto = tr.dataset.proto;
    const b = ev.target.closest('button');
    if (b && b.dataset.act === 'probe') { probe(port, b); return; }
    if (b && b.dataset.act === 'free') { plan(port, proto, false); return; }
    openCard(port, proto, false);
  });

  $('rows').addEventListener('keydown', (ev) => {
    const tr = rowOf(ev.target);
    if (!tr) return;
    if ((ev.key === 'Enter' || ev.key === ' ') && ev.target === tr) {
      ev.preventDefault();
      openCard(Number(tr.dataset.port), tr.dataset.proto, true);
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const next = ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
      if (next) next.focus();
    }
  });

  $('filter').addEventListener('input', scheduleRender);
  $('card-close').addEventListener('click', closeCard);
  $('card-probe').addEventListener('click', (ev) => {
    if (state.card) probe(state.card.port, ev.currentTarget);
  });
  $('card-free').addEventListener('click', () => {
    if (state.card) plan(state.card.port, state.card.proto, false);
  });
  $('kill-go').addEventListener('click', runPlan);
  $('kill-cancel').addEventListener('click', () => $('kill').close());
  $('kill').addEventListener('close', () => {
    cancelPlan();
    if (state.card) openCard(state.card.port, state.card.proto, false);
  });
  $('kill-force').addEventListener('change', (ev) => {
    const p = state.plan;
    if (p) plan(p.port, p.proto, ev.currentTarget.checked);
  });
  $('url-form').addEventListener('submit', checkUrl);
  $('explain-form').addEventListener('submit', explain);

  document.addEventListener('keydown', (ev) => {
    const typing = ev.target && (ev.target.tagName === 'INPUT' || ev.target.tagName === 'TEXTAREA');
    if (ev.key === '/' && !typing && !$('kill').open) {
      ev.preventDefault();
      $('filter').focus();
    } else if (ev.key === 'Escape' && !$('kill').open) {
      if (ev.target === $('filter') && $('filter').value) {
        $('filter').value = '';
        scheduleRender();
      } else if (state.card) {
        closeCard();
      }
    }
  });

  connect();
})();
