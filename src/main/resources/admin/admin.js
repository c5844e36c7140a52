// The admin page: plain JavaScript over the HTTP API, nothing else. The session token lives only in
// this page's memory (a reload asks for a code again) and travels in the Authorization header,
// never in a URL or a cookie.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { token: null, apiKey: '', expiry: null, following: null, fresh: null };

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body || {};
    }
  }

  async function api(method, path, secret) {
    const headers = {};
    if (secret) headers.Authorization = 'Bearer ' + secret;
    if (state.apiKey) headers['X-API-Key'] = state.apiKey;
    let response;
    try {
      response = await fetch(path, { method, headers, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      throw new ApiError(0, 'The service did not answer. Is it still running?');
    }
    if (response.ok && !(response.headers.get('Content-Type') || '').startsWith('application/json')) {
      return response;
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      throw new ApiError(response.status, explain(response, body), body);
    }
    return body;
  }

  function explain(response, body) {
    const said = body && body.error ? body.error : response.statusText || 'no reason given';
    switch (response.status) {
      case 401: return 'Not accepted: ' + said + '.';
      case 403: return 'Refused: ' + said + '. Ask the operator to allow this address.';
      case 429: {
        const seconds = Number(response.headers.get('Retry-After'));
        return 'Too many failed attempts: the service refuses requests for '
          + (seconds > 0 ? duration(seconds) : 'a while') + '. Wait, then try again with a new code.';
      }
      case 409: return 'A backup is already running.';
      default: return 'The service answered ' + response.status + ': ' + said + '.';
    }
  }

  function codeError(e) {
    return e.status === 401 ? e.message + ' Enter the code your authenticator shows now (each code works once).'
      : e.message;
  }

  function show(id, text) {
    const el = $(id);
    el.textContent = text || '';
    el.hidden = !text;
  }

  function duration(seconds) {
    if (seconds < 90) return seconds + ' s';
    return Math.ceil(seconds / 60) + ' min';
  }

  function bytes(n) {
    if (n === null || n === undefined) return '';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    let v = n;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return (i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[i];
  }

  function when(iso) {
    return iso ? iso.replace('T', ' ').replace(/\.\d+/, '').replace('Z', '') : '';
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  // --- signing in and out ---

  async function signIn(event) {
    event.preventDefault();
    const code = $('sign-in-code').value.trim();
    show('sign-in-error', '');
    state.apiKey = $('api-key').value;
    const button = event.submitter || $('sign-in-form').querySelector('button');
    button.disabled = true;
    try {
      const session = await api('POST', '/api/session', code);
      state.token = session.token;
      clearTimeout(state.expiry);
      state.expiry = setTimeout(() => signOut('Your session expired. Sign in again with a new code.'),
        session.expiresInSeconds * 1000);
      show('sign-in-error', '');
      $('sign-in-code').value = '';
      show('session', 'Signed in until ' + when(session.expiresAt).slice(11, 16) + ' UTC');
      $('sign-out').hidden = false;
      $('sign-in').hidden = true;
      $('admin').hidden = false;
      await refresh();
    } catch (e) {
      show('sign-in-error', codeError(e));
    } finally {
      button.disabled = false;
    }
  }

  function signOut(message) {
    if (state.token && !message) {
      api('DELETE', '/api/session', state.token).catch(() => {});
    }
    state.token = null;
    clearTimeout(state.expiry);
    $('admin').hidden = true;
    $('sign-out').hidden = true;
    show('session', '');
    $('sign-in').hidden = false;
    show('sign-in-error', message || '');
    $('sign-in-code').focus();
  }

  /** A request that needs the session: a 401 means it ended, so back to signing in. */
  async function withSession(method, path) {
    try {
      return await api(method, path, state.token);
    } catch (e) {
      if (e.status === 401) signOut('Your session ended (' + e.body.error + '). Sign in again.');
      throw e;
    }
  }

  // --- the list and the failures ---

  async function refresh() {
    show('list-error', '');
    try {
      const [listing, runs] = await Promise.all([withSession('GET', '/api/backup'), withSession('GET', '/api/backup/runs')]);
      renderBackups(listing.backups);
      // Manifests the service could not read: their backups are not listed until the file is repaired or removed.
      show('list-skipped', listing.skipped.length === 0 ? '' : 'Skipped (unreadable manifests): '
        + listing.skipped.map((s) => s.name + ' (' + s.reason + ')').join(', '));
      renderFailures(runs);
      const going = runs.find((r) => r.state === 'running' || r.state === 'queued');
      if (going && state.following !== going.id) follow(going.id);
    } catch (e) {
      if (e.status !== 401) show('list-error', e.message);
    }
  }

  function renderBackups(backups) {
    const body = $('backups').querySelector('tbody');
    body.replaceChildren();
    for (const m of backups) {
      const row = document.createElement('tr');
      row.dataset.object = m.object;
      if (m.object === state.fresh) row.className = 'new';
      cell(row, when(m.startedAt));
      cell(row, m.database && m.database.name ? m.database.name : '');
      cell(row, m.kind === 'incremental' ? 'incremental of ' + m.parent : 'full');
      cell(row, bytes(m.storedBytes), 'num').title = m.storedBytes + ' bytes stored, ' + m.sqlBytes + ' bytes of SQL';
      cell(row, String(Object.keys(m.tables || {}).length), 'num');
      cell(row, String(m.rows), 'num');
      const v = m.verification;
      cell(row, v ? (v.ok ? 'yes' : 'failed') : 'not checked', v ? (v.ok ? 'yes' : 'no') : 'muted');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Download';
      button.title = m.object;
      button.addEventListener('click', () => download(m.object, button));
      cell(row, '').appendChild(button);
      body.appendChild(row);
    }
    $('backups').hidden = backups.length === 0;
    $('no-backups').hidden = backups.length > 0;
  }

  function renderFailures(runs) {
    const failed = runs.filter((r) => r.state === 'failed').slice(0, 5);
    const list = $('failures');
    list.replaceChildren();
    for (const r of failed) {
      const li = document.createElement('li');
      const time = document.createElement('span');
      time.className = 'when';
      time.textContent = when(r.finishedAt || r.startedAt) + ' (' + r.trigger + ')';
      li.appendChild(time);
      li.appendChild(document.createTextNode((r.errors || []).join('; ') || 'failed'));
      list.appendChild(li);
    }
    $('no-failures').hidden = failed.length > 0;
  }

  async function download(name, button) {
    button.disabled = true;
    const label = button.textContent;
    button.textContent = 'Downloading…';
    try {
      const response = await withSession('GET', '/api/backup/' + encodeURIComponent(name));
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      if (e.status !== 401) show('list-error', 'Download of ' + name + ' failed. ' + e.message);
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }

  // --- starting a backup and following it ---

  async function trigger(event) {
    event.preventDefault();
    const code = $('trigger-code').value.trim();
    show('trigger-error', '');
    const button = event.submitter || $('trigger-form').querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const run = await api('POST', '/api/backup', code);
      show('trigger-error', '');
      $('trigger-form').hidden = true;
      follow(run.id);
    } catch (e) {
      if (e.status === 409 && e.body.running) {
        show('trigger-error', 'A backup is already running; its progress is shown below.');
        follow(e.body.running);
      } else {
        show('trigger-error', codeError(e));
      }
    } finally {
      $('trigger-code').value = '';
      button.disabled = false;
    }
  }

  function follow(id) {
    state.following = id;
    $('run').hidden = false;
    $('run-id').textContent = id.slice(0, 8);
    show('run-result', '');
    poll(id);
  }

  async function poll(id) {
    if (state.following !== id) return;
    let run;
    try {
      run = await api('GET', '/api/backup/runs/' + encodeURIComponent(id));
    } catch (e) {
      show('run-result', e.message);
      if (e.status !== 404) setTimeout(() => poll(id), 2000);
      return;
    }
    const badge = $('run-state');
    badge.textContent = run.state;
    badge.className = 'badge ' + run.state;
    const total = run.tablesTotal || 0;
    const done = run.tablesDone || 0;
    const progress = $('run-progress');
    if (total > 0) {
      progress.max = total;
      progress.value = done;
    } else if (run.state === 'succeeded' || run.state === 'unchanged') {
      progress.max = 1;
      progress.value = 1;
    } else {
      progress.removeAttribute('value'); // indeterminate until the schema is known
    }
    const figures = [];
    if (total > 0) figures.push(done + ' of ' + total + ' tables');
    if (run.rows !== undefined) figures.push(run.rows + ' rows');
    if (run.bytes !== undefined) figures.push(bytes(run.bytes) + ' of SQL');
    if (run.database) figures.push(run.database);
    $('run-figures').textContent = figures.join(' · ') || 'Waiting to start…';
    if (run.state === 'succeeded') {
      const where = (run.locations || []).join(', ');
      show('run-result', 'Backup stored' + (run.storedBytes ? ' (' + bytes(run.storedBytes) + ')' : '') + ': ' + where);
      state.fresh = where ? where.split(/[\\/]/).pop() : null;
      refresh();
    } else if (run.state === 'unchanged') {
      show('run-result', 'Unchanged since ' + run.unchangedSince + ': nothing written');
      refresh();
    } else if (run.state === 'failed') {
      show('run-result', 'Backup failed: ' + (run.errors || []).join('; '));
      refresh();
    } else {
      setTimeout(() => poll(id), 500);
    }
  }

  async function health() {
    try {
      const h = await api('GET', '/health');
      $('service').textContent = 'service ' + (h.status === 'UP' ? 'up' : 'not ready');
    } catch (e) {
      $('service').textContent = e.status === 503 ? 'service not ready' : 'service unreachable';
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', () => signOut());
    $('refresh').addEventListener('click', refresh);
    $('backup-now').addEventListener('click', () => {
      $('trigger-form').hidden = false;
      show('trigger-error', '');
      $('trigger-code').focus();
    });
    $('trigger-cancel').addEventListener('click', () => {
      $('trigger-form').hidden = true;
      show('trigger-error', '');
    });
    $('trigger-form').addEventListener('submit', trigger);
    $('sign-in').hidden = false;
    $('sign-in-code').focus();
    health();
  });
})();
