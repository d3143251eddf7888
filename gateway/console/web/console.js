// remgate console: draws each page from the gateway's /api, which answers
// with remgatectl's own --json. Every text from the store goes in with
// textContent (never as HTML): engineers and devices choose those bytes.
'use strict';
(function () {
  let me = null;
  const main = document.getElementById('main');

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined) continue;
      e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return e;
  }

  class ApiError extends Error {}

  async function getJSON(path) {
    const r = await fetch('/api/' + path, { credentials: 'same-origin' });
    if (r.status === 401) {
      location.reload();
      throw new ApiError('not signed in');
    }
    const text = await r.text();
    let j;
    try {
      j = JSON.parse(text);
    } catch (e) {
      throw new ApiError(text || r.statusText);
    }
    if (!r.ok) throw new ApiError(j.error || r.statusText);
    return j;
  }

  async function post(path, fields) {
    const r = await fetch(path.startsWith('/') ? path : '/api/' + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': me.csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields || {}),
    });
    let j = {};
    try {
      j = await r.json();
    } catch (e) {
      j = { error: r.statusText };
    }
    return { ok: r.ok, ...j };
  }

  function flash(text, bad) {
    const f = el('div', { class: bad ? 'flash bad' : 'flash', role: 'status' }, text);
    main.prepend(f);
    return f;
  }

  // The outcome of a change, then the page drawn again.
  async function change(path, fields, redraw) {
    const r = await post(path, fields);
    const text = [r.out, r.error].filter((s) => s).join('\n').trim() || (r.ok ? 'done' : 'refused');
    await (redraw || route)();
    flash(text, !r.ok);
    return r;
  }

  const t = (s) => (s ? s.replace('T', ' ').replace('Z', ' UTC') : '–');
  const isApprover = () => me && me.role === 'approver';

  function table(cols, rows, opts) {
    opts = opts || {};
    if (!rows.length) return el('p', { class: 'muted' }, opts.empty || 'None.');
    return el('table', { id: opts.id },
      el('thead', {}, el('tr', {}, cols.map((c) => el('th', {}, c[0])))),
      el('tbody', {}, rows.map((r) => {
        const tr = el('tr', opts.rowAttrs ? opts.rowAttrs(r) : {},
          cols.map((c) => {
            const v = c[1](r);
            return el('td', { class: c[2] || null }, v === null || v === undefined || v === '' ? '–' : v);
          }));
        return tr;
      })));
  }

  const METHODS = ['written', 'email', 'fax', 'phone', 'console'];
  const methodSelect = (name) => el('select', { name: name || 'method', 'aria-label': 'method of consent' },
    METHODS.map((m) => el('option', { value: m, selected: m === 'console' }, m)));

  function formFields(form) {
    const o = {};
    for (const [k, v] of new FormData(form).entries()) o[k] = v;
    return o;
  }

  // Approve (method of consent, note) and deny (reason) for a request or a review.
  function decide(kind, id) {
    if (!isApprover()) return el('span', { class: 'muted' }, 'approvers decide');
    const ok = el('form', { class: 'inline', 'data-decide': kind + '-' + id },
      methodSelect(), el('input', { name: 'note', placeholder: 'note', size: 12 }),
      el('button', { type: 'submit', class: 'primary', name: 'approve' }, 'Approve'));
    ok.addEventListener('submit', (e) => {
      e.preventDefault();
      change(`${kind}/${id}/approve`, formFields(ok));
    });
    const no = el('form', { class: 'inline' },
      el('input', { name: 'reason', placeholder: 'reason to deny', required: true, size: 14 }),
      el('button', { type: 'submit', class: 'danger' }, 'Deny'));
    no.addEventListener('submit', (e) => {
      e.preventDefault();
      change(`${kind}/${id}/deny`, formFields(no));
    });
    return el('div', {}, ok, no);
  }

  const sessionLink = (id) => (id ? el('a', { href: '/sessions/' + id, class: 'mono' }, id) : '–');

  // ---- pages ---------------------------------------------------------------

  async function pageWaiting() {
    const [reqs, revs, sess] = await Promise.all([getJSON('requests'), getJSON('reviews'), getJSON('sessions')]);
    main.replaceChildren(
      el('h1', {}, 'Waiting for a decision'),
      el('h2', {}, 'Access requests'),
      table([
        ['ID', (r) => r.id], ['Engineer', (r) => r.engineer], ['Target', (r) => r.target],
        ['Ticket', (r) => r.ticket], ['Level', (r) => r.level], ['Phase', (r) => r.phase],
        ['Reason', (r) => r.reason], ['Asked', (r) => t(r.requested_at)], ['Expires', (r) => t(r.expires_at)],
        ['Decision', (r) => decide('requests', r.id)],
      ], reqs.filter((r) => r.status === 'pending'), { id: 'requests', empty: 'No access request waits.' }),
      el('h2', {}, 'Commands held for review'),
      table([
        ['ID', (r) => r.id], ['Session', (r) => sessionLink(r.session_id)], ['Engineer', (r) => r.engineer],
        ['Target', (r) => r.target], ['Rule', (r) => r.rule], ['Command', (r) => r.command, 'mono'],
        ['Expires', (r) => t(r.expires_at)], ['Decision', (r) => decide('reviews', r.id)],
      ], revs.filter((r) => r.status === 'pending'), { id: 'reviews', empty: 'No command waits for a review.' }),
      el('h2', {}, 'Running sessions'),
      runningTable(sess));
  }

  function runningTable(sess) {
    return table([
      ['Session', (s) => sessionLink(s.id)], ['Engineer', (s) => s.engineer], ['Target', (s) => s.target],
      ['Kind', (s) => s.kind], ['Started', (s) => t(s.started_at)], ['Client', (s) => s.client_addr],
    ], sess.filter((s) => !s.ended_at), { id: 'running', empty: 'No session is running.' });
  }

  async function pageApprovals() {
    const [aps, targets] = await Promise.all([getJSON('approvals'), getJSON('targets')]);
    const parts = [el('h1', {}, 'Approvals')];
    if (isApprover()) {
      const f = el('form', { class: 'grid', id: 'new-approval' },
        el('label', { for: 'a-eng' }, 'Engineer'), el('input', { id: 'a-eng', name: 'engineer', required: true }),
        el('label', { for: 'a-tgt' }, 'Target'),
        el('select', { id: 'a-tgt', name: 'target' }, targets.map((x) => el('option', { value: x.name }, x.name))),
        el('label', { for: 'a-tkt' }, 'Ticket'), el('input', { id: 'a-tkt', name: 'ticket', required: true }),
        el('label', { for: 'a-lvl' }, 'Fault level'),
        el('select', { id: 'a-lvl', name: 'level' }, ['1', '2', '3'].map((l) => el('option', { value: l }, l))),
        el('label', { for: 'a-phase' }, 'Phase'),
        el('select', { id: 'a-phase', name: 'phase' }, ['diagnose', 'implement'].map((p) => el('option', { value: p }, p))),
        el('label', {}, 'Method of consent'), methodSelect(),
        el('label', { for: 'a-valid' }, 'Valid for'), el('input', { id: 'a-valid', name: 'valid', value: '4h', required: true }),
        el('label', { for: 'a-max' }, 'Sessions'), el('input', { id: 'a-max', name: 'max_sessions', value: '1' }),
        el('label', { for: 'a-note' }, 'Note'), el('input', { id: 'a-note', name: 'note' }),
        el('span'), el('button', { type: 'submit', class: 'primary' }, 'Approve access'));
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        change('approvals', formFields(f));
      });
      parts.push(el('h2', {}, 'Record an approval (the token is shown once: hand it to the engineer)'), f);
    }
    parts.push(el('h2', {}, 'All approvals'), table([
      ['ID', (a) => a.id], ['Engineer', (a) => a.engineer], ['Target', (a) => a.target], ['Ticket', (a) => a.ticket],
      ['Level', (a) => a.level], ['Phase', (a) => a.phase], ['Approver', (a) => a.approver],
      ['Method', (a) => a.method], ['From', (a) => t(a.valid_from)], ['Until', (a) => t(a.valid_until)],
      ['Uses', (a) => `${a.uses}/${a.max_sessions}`], ['Status', (a) => a.status],
      ['', (a) => (isApprover() && a.status === 'active' ? el('button', {
        type: 'button', class: 'danger', onclick: () => change(`approvals/${a.id}/revoke`, {}),
      }, 'Revoke') : null)],
    ], aps, { id: 'approvals' }));
    main.replaceChildren(...parts);
  }

  async function pageSessions() {
    const sess = await getJSON('sessions');
    main.replaceChildren(
      el('h1', {}, 'Sessions'),
      el('h2', {}, 'Running'), runningTable(sess),
      el('h2', {}, 'Ended'),
      table([
        ['Session', (s) => sessionLink(s.id)], ['Engineer', (s) => s.engineer], ['Target', (s) => s.target],
        ['Kind', (s) => s.kind], ['Started', (s) => t(s.started_at)], ['Ended', (s) => t(s.ended_at)],
        ['Exit', (s) => (s.exit_signal ? 'signal ' + s.exit_signal : s.exit_status)], ['End', (s) => s.end_reason],
      ], sess.filter((s) => s.ended_at), { id: 'ended' }));	// newest first, as the CLI lists them
  }

  function verdictBadge(v) {
    if (v.verdict === 'sealed')
      return el('span', { class: 'badge ok', id: 'verdict' }, `Intact and sealed: ${v.records} records, signed by ${v.signed_by}`);
    if (v.verdict === 'unsealed')
      return el('span', { class: 'badge warn', id: 'verdict' }, `Unsealed: ${v.records} records intact, no seal (cut off before the gateway sealed it)`);
    return el('span', { class: 'badge bad', id: 'verdict' },
      `Tampered at record ${v.bad_record} (byte offset ${v.bad_offset}): ${v.reason}`);
  }

  function facts(pairs) {
    return el('dl', { class: 'facts' }, pairs.filter((p) => p[1] !== null && p[1] !== undefined && p[1] !== '')
      .map((p) => [el('dt', {}, p[0]), el('dd', {}, p[1])]));
  }

  let livePoll = null;

  async function pageSession(sid) {
    const [sess, aps] = await Promise.all([getJSON('sessions'), getJSON('approvals')]);
    const s = sess.find((x) => x.id === sid);
    if (!s) throw new ApiError('no session ' + sid);
    const ap = aps.find((a) => a.id === s.approval_id);
    const running = !s.ended_at;
    const left = el('div', {}), right = el('div', {});
    main.replaceChildren(el('h1', {}, `Session ${sid}`), el('div', { class: 'cols' }, left, right));
    right.append(el('h2', {}, 'Session'), facts([
      ['Engineer', s.engineer], ['Target', s.target], ['Client', s.client_addr], ['Kind', s.kind],
      ['Command', s.command], ['Started', t(s.started_at)], ['Ended', running ? 'running' : t(s.ended_at)],
      ['End', s.end_reason], ['Exit status', s.exit_signal ? 'signal ' + s.exit_signal : s.exit_status],
      ['Bytes in / out', `${s.bytes_in} / ${s.bytes_out}`],
    ]), el('h2', {}, 'Approval'), ap ? facts([
      ['Approval', ap.id], ['Ticket', ap.ticket], ['Level', ap.level], ['Phase', ap.phase],
      ['Approved by', ap.approver], ['Method', ap.method], ['Valid', `${t(ap.valid_from)} to ${t(ap.valid_until)}`],
      ['Note', ap.note], ['Status', ap.status],
    ]) : el('p', { class: 'muted' }, 'No approval row (an administrator session).'));

    const verify = el('p', { id: 'verification' }, 'Checking the recording…');
    left.append(el('h2', {}, 'Recording'), verify);
    let firstUs = 0;
    try {
      const v = await getJSON(`sessions/${sid}/verify`);
      firstUs = v.first_us || 0;
      verify.replaceChildren(verdictBadge(v));
    } catch (e) {
      verify.replaceChildren(el('span', { class: 'badge bad', id: 'verdict' }, 'Cannot verify: ' + e.message));
    }

    let player = null;
    if (running) {
      const pre = el('pre', { class: 'live', id: 'live' });
      left.append(el('p', {}, 'Live: the output as the gateway records it.'), pre);
      if (isApprover()) {
        const k = el('form', { class: 'inline', id: 'kill' },
          el('input', { name: 'reason', placeholder: 'reason to end it', required: true, size: 24 }),
          el('button', { type: 'submit', class: 'danger' }, 'Kill session'));
        k.addEventListener('submit', (e) => {
          e.preventDefault();
          change(`sessions/${sid}/kill`, formFields(k), () => Promise.resolve()).then(() => {});
        });
        left.append(k);
      }
      watch(sid, pre);
    } else {
      const box = el('div', { id: 'player' });
      left.append(box);
      player = AsciinemaPlayer.create('/api/sessions/' + sid + '/cast', box, { fit: 'width', idleTimeLimit: 2, preload: true });
    }

    const [cmds, xfers] = await Promise.all([getJSON(`sessions/${sid}/commands`), getJSON(`sessions/${sid}/transfers`)]);
    const rel = (us) => Math.max(0, (us - firstUs) / 1e6);
    left.append(el('h2', {}, 'Commands' + (player ? ' (click one to jump to its moment)' : '')), table([
      ['At', (c) => (firstUs ? rel(c.time_us).toFixed(1) + ' s' : t(c.time))], ['Kind', (c) => c.kind],
      ['Command', (c) => c.text, 'mono'], ['Guard', (c) => c.guard],
    ], cmds, {
      id: 'commands', empty: 'No command recorded.',
      rowAttrs: (c) => (player ? { class: 'cmd', 'data-at': rel(c.time_us), onclick: () => player.seek(rel(c.time_us)) } : {}),
    }));
    right.append(el('h2', {}, 'Transfers'), table([
      ['Time', (x) => t(x.time)], ['Op', (x) => `${x.protocol} ${x.op}`], ['Path', (x) => x.path, 'mono'],
      ['Bytes', (x) => x.bytes_written || x.bytes_read], ['SHA-256', (x) => x.sha256, 'mono'], ['Status', (x) => x.status],
    ], xfers, { id: 'transfers', empty: 'No file moved.' }));
  }

  // Poll the live output; when the session ends, draw the page again (with the replay).
  function watch(sid, pre) {
    let from = 0;
    const dec = new TextDecoder();
    const tick = async () => {
      livePoll = null;
      let j;
      try {
        j = await getJSON(`sessions/${sid}/live?from=${from}`);
      } catch (e) {
        pre.append('\n[' + e.message + ']');
        return;
      }
      if (j.data) {
        const bytes = Uint8Array.from(atob(j.data), (ch) => ch.charCodeAt(0));
        // Terminal control sequences are dropped: this is a plain view of what the device printed.
        pre.append(dec.decode(bytes, { stream: true }).replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]P^_][^\x07\x1b]*(\x07|\x1b\\)?|\x1b.|\r/g, ''));
        pre.scrollTop = pre.scrollHeight;
      }
      from = j.next;
      if (j.damaged) pre.append('\n[the recording is damaged here: nothing after it is shown]');
      if (j.sealed || (j.ended && !j.data)) {
        setTimeout(route, 500);
        return;
      }
      livePoll = setTimeout(tick, 1000);
    };
    tick();
  }

  async function pageTickets() {
    const tk = await getJSON('tickets');
    main.replaceChildren(el('h1', {}, 'Tickets'), table([
      ['Ticket', (x) => x.ticket], ['Level', (x) => x.level], ['Status', (x) => x.status],
      ['Reported', (x) => t(x.reported_at)], ['Response due', (x) => t(x.response_due)],
      ['Responded', (x) => t(x.response_done)], ['Repair due', (x) => t(x.repair_due)], ['Closed', (x) => t(x.closed_at)],
      ['Report', (x) => (x.closed_by_report ? el('a', { href: '/reports/' + x.closed_by_report }, x.closed_by_report) : null)],
      ['Escalations', (x) => (Array.isArray(x.escalations) ? x.escalations.map((e) => (typeof e === 'object' ? Object.values(e).join(' ') : e)).join('; ') : x.escalations)],
    ], tk, { id: 'tickets', empty: 'No ticket yet.' }));
  }

  async function pageReports() {
    const q = new URLSearchParams(location.search).get('q') || '';
    const rows = await getJSON('reports' + (q ? '?q=' + encodeURIComponent(q) : ''));
    const f = el('form', { class: 'inline', method: 'get', action: '/reports' },
      el('input', { name: 'q', value: q, placeholder: 'search the fault database', size: 40 }),
      el('button', { type: 'submit' }, 'Search'));
    main.replaceChildren(el('h1', {}, 'Reports'), f, table([
      ['ID', (r) => el('a', { href: '/reports/' + r.id }, r.id)], ['Created', (r) => t(r.created_at)],
      ['Ticket', (r) => r.ticket], ['Level', (r) => r.level], ['Targets', (r) => r.targets],
      ['Engineers', (r) => r.engineers], ['Fault', (r) => r.fault], ['Result', (r) => r.result],
      ['Match', (r) => r.match],
    ], rows, { id: 'reports', empty: q ? 'No report matches.' : 'No report yet.' }));
  }

  async function pageReport(id) {
    const r = await getJSON('reports/' + id);
    main.replaceChildren(el('h1', {}, `Report ${id}`),
      el('p', {}, el('a', { href: `/api/reports/${id}/bundle`, id: 'bundle', download: `report-${id}.tar` },
        'Download the signed bundle'), ' — check it with ', el('code', {}, 'remgatectl verify DIR'),
        ' or ssh-keygen -Y verify (VERIFY.md inside).'),
      facts([
        ['Ticket', r.ticket], ['Level', r.level && (r.level.level || r.level)], ['Fault', r.fault || (r.narrative && r.narrative.fault)],
        ['Result', r.result || (r.narrative && r.narrative.result)],
      ]),
      el('h2', {}, 'The signed report (report.json)'),
      el('pre', { class: 'flash mono' }, JSON.stringify(r, null, 2)));
  }

  async function pageEvents() {
    const evs = await getJSON('events');
    const kinds = [...new Set(evs.map((e) => e.kind))].sort();
    const p = new URLSearchParams(location.search);
    const f = el('form', { class: 'filters', method: 'get', action: '/events', id: 'event-filters' },
      el('select', { name: 'kind' }, el('option', { value: '' }, 'any kind'),
        kinds.map((k) => el('option', { value: k, selected: p.get('kind') === k }, k))),
      el('input', { name: 'session', value: p.get('session') || '', placeholder: 'session id' }),
      el('input', { name: 'who', value: p.get('who') || '', placeholder: 'engineer, admin or target' }),
      el('input', { name: 'text', value: p.get('text') || '', placeholder: 'text in reason or detail' }),
      el('button', { type: 'submit' }, 'Filter'));
    const has = (v, s) => String(v || '').toLowerCase().includes(s.toLowerCase());
    const rows = evs.filter((e) => (!p.get('kind') || e.kind === p.get('kind')) &&
      (!p.get('session') || e.session_id === p.get('session')) &&
      (!p.get('who') || has(e.engineer, p.get('who')) || has(e.actor, p.get('who')) || has(e.target, p.get('who'))) &&
      (!p.get('text') || has(e.reason, p.get('text')) || has(e.detail, p.get('text')))).reverse();
    main.replaceChildren(el('h1', {}, 'Events'), f,
      el('p', { class: 'muted' }, `${rows.length} of ${evs.length} events, newest first; the chain is checked with remgatectl events verify.`),
      table([
        ['Seq', (e) => e.seq], ['Time', (e) => t(e.ts)], ['Kind', (e) => e.kind], ['Who', (e) => e.actor || e.engineer],
        ['Target', (e) => e.target], ['Session', (e) => sessionLink(e.session_id)], ['Reason', (e) => e.reason],
        ['Detail', (e) => e.detail],
      ], rows.slice(0, 1000), { id: 'events' }));
  }

  async function route() {
    if (livePoll) clearTimeout(livePoll);
    livePoll = null;
    const path = location.pathname;
    for (const a of document.querySelectorAll('header nav a'))
      a.classList.toggle('here', a.getAttribute('href') === path ||
        (a.getAttribute('href') !== '/' && path.startsWith(a.getAttribute('href') + '/')));
    let m;
    try {
      if (path === '/') {
        await pageWaiting();
        // What waits changes without this browser doing anything: look again, unless someone is typing.
        livePoll = setTimeout(() => {
          const a = document.activeElement;
          if (!a || !['INPUT', 'SELECT', 'TEXTAREA'].includes(a.tagName)) route();
          else livePoll = setTimeout(route, 10000);
        }, 10000);
      }
      else if (path === '/approvals') await pageApprovals();
      else if (path === '/sessions') await pageSessions();
      else if ((m = path.match(/^\/sessions\/([0-9a-f]{16})$/))) await pageSession(m[1]);
      else if (path === '/tickets') await pageTickets();
      else if (path === '/reports') await pageReports();
      else if ((m = path.match(/^\/reports\/([0-9]+)$/))) await pageReport(m[1]);
      else if (path === '/events') await pageEvents();
      else main.replaceChildren(el('p', {}, 'No such page.'));
    } catch (e) {
      main.replaceChildren(el('div', { class: 'flash bad' }, e.message));
    }
  }

  async function start() {
    me = await getJSON('me');
    document.getElementById('who').textContent = `${me.admin} (${me.role}) on ${me.gateway}`;
    document.getElementById('logout').addEventListener('click', async () => {
      await post('/logout', {});
      location.href = '/logged-out';
    });
    await route();
    document.body.dataset.ready = '1';
  }

  document.addEventListener('DOMContentLoaded', () => {
    start().catch((e) => main.replaceChildren(el('div', { class: 'flash bad' }, e.message)));
  });
})();
