// ShadowProxy dashboard: sign-in, migration overview and controls, live chart, diff explorer, report, endpoint inventory, audit.
// Everything shown comes from the public admin API (/api/v1) with the signed-in key.

import { api, ApiError, probeRole, session } from './api.js';
import { $, badge, debounce, fill, fmt, h, show } from './dom.js';
import { drawChart, RateRing } from './chart.js';
import { EndpointsTab } from './endpoints.js';
import { renderBody } from './jsonview.js';

const POLL_MS = 3000;
const SUMMARY_LIMIT = 50;
const SAMPLE_LIMIT = 20;
const AUDIT_LIMIT = 50;
const ROLES = ['Viewer', 'Sre', 'Operator'];

const state = {
  role: 'Viewer',
  migrations: [],
  selected: null,
  rings: new Map(),
  tab: 'overview',
  pollTimer: null,
  polling: false,
  endpoints: [],
  // The Diffs tab opens grouped by cause (path × kind across endpoints); expanded groups by key.
  summary: { offset: 0, total: 0, row: null, nextBefore: null, group: 'path', expanded: new Set() },
  sample: null,
  noiseMarks: [],
  audit: { cursors: [], next: null },
};

const can = (role) => ROLES.indexOf(state.role) >= ROLES.indexOf(role);
const current = () => state.migrations.find((m) => m.name === state.selected) || null;
const migrationPath = (suffix = '') => `/migrations/${encodeURIComponent(state.selected)}${suffix}`;

// ---------- messages ----------

function toast(text, kind = 'ok') {
  const item = h('div', { class: 'toast toast-' + kind }, text);
  $('toasts').append(item);
  setTimeout(() => item.remove(), 6000);
}

function showAlert(text) {
  const alert = $('alert');
  fill(alert, h('span', {}, text), h('button', { type: 'button', class: 'btn small', onclick: () => show(alert, false) }, 'Dismiss'));
  show(alert, true);
}

/** Runs an API call for the UI: 401 signs out, other errors become a readable alert. */
async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut(error.message);
      return undefined;
    }
    showAlert(error.message);
    return undefined;
  }
}

// ---------- confirmation dialog ----------

/**
 * Asks for confirmation; resolves to { reason } or null when cancelled.
 * reason: 'required' | 'optional' | 'none'.
 */
function confirmAction({ title, text, ok, danger = false, reason = 'optional', reasonLabel = 'Reason (recorded in the audit log)', extra }) {
  const dialog = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  fill('confirm-extra', extra || []);
  const okButton = $('confirm-ok');
  okButton.textContent = ok;
  okButton.className = 'btn ' + (danger ? 'rollback' : 'primary');
  const input = $('confirm-reason');
  input.value = '';
  input.setAttribute('aria-required', String(reason === 'required'));
  $('confirm-reason-label').textContent = reasonLabel + (reason === 'required' ? ' (required)' : reason === 'optional' ? ' (optional)' : '');
  show(input, reason !== 'none');
  show('confirm-reason-label', reason !== 'none');
  show('confirm-error', false);

  return new Promise((resolve) => {
    const finish = (result) => {
      form.removeEventListener('submit', onSubmit);
      $('confirm-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      resolve(result);
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (reason === 'required' && !text) {
        fill('confirm-error', 'A reason is required.');
        show('confirm-error', true);
        input.focus();
        return;
      }
      finish({ reason: text || undefined, form });
    };
    const onCancel = (event) => {
      event.preventDefault();
      finish(null);
    };
    const form = $('confirm-form');
    form.addEventListener('submit', onSubmit);
    $('confirm-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    (reason !== 'none' ? input : $('confirm-cancel')).focus();
  });
}

// ---------- sign-in ----------

async function showSignIn(message) {
  stopPolling();
  show('app', false);
  show('identity', false);
  show('migration-picker', false);
  show('signin', true);
  show('signin-error', !!message);
  $('signin-error').textContent = message || '';
  show('open-access', false);
  $('api-key').focus();
  try {
    await api('/migrations', { key: null });
    show('open-access', true);
  } catch {
    // A key is needed: the usual case.
  }
}

async function signIn(key) {
  try {
    await api('/migrations', { key });
    const role = await probeRole(key);
    if (key) session.signIn(key);
    else session.signInOpen();
    await enter(role);
  } catch (error) {
    $('signin-error').textContent = error.message;
    show('signin-error', true);
  }
}

function signOut(message) {
  session.signOut();
  state.migrations = [];
  state.rings.clear();
  showSignIn(message);
}

async function enter(role) {
  state.role = role || (await probeRole());
  show('signin', false);
  show('app', true);
  show('identity', true);
  $('identity-text').textContent = session.open ? `Open access (no key) · ${state.role}` : `Signed in · role ${state.role}`;
  $('identity-text').title = session.open ? 'The admin API has no keys configured: it is open on loopback.' : '';
  show('rollback-all', can('Sre'));
  show('readonly-note', !can('Sre'));
  show('sre-controls', can('Sre'));
  show('operator-controls', can('Operator'));
  await poll();
  selectTab(state.tab);
}

// ---------- polling and overview ----------

function stopPolling() {
  clearTimeout(state.pollTimer);
  state.pollTimer = null;
}

/** The last hour from the server, so the chart is not empty when the page opens mid-incident. */
async function seedRing(ring, name) {
  try {
    const history = await api(`/migrations/${encodeURIComponent(name)}/history`);
    for (const point of history.points) ring.add(Date.parse(point.time), point);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    // Without history the chart simply starts now.
  }
}

async function poll() {
  stopPolling();
  if (state.polling) return;
  state.polling = true;
  try {
    const migrations = await api('/migrations');
    const now = Date.now();
    for (const migration of migrations) {
      if (!state.rings.has(migration.name)) {
        const ring = new RateRing();
        state.rings.set(migration.name, ring);
        await seedRing(ring, migration.name);
      }
      state.rings.get(migration.name).add(now, migration.counters);
    }
    updateMigrations(migrations);
    // The inventory fills from live traffic while its tab is open.
    if (state.tab === 'endpoints') await endpointsTab.load(state.selected);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      state.polling = false;
      signOut(error.message);
      return;
    }
    showAlert(error.message);
  }
  state.polling = false;
  if (session.signedIn) state.pollTimer = setTimeout(poll, POLL_MS);
}

function updateMigrations(migrations) {
  state.migrations = migrations;
  const select = $('migration-select');
  const names = migrations.map((m) => m.name);
  if (!names.includes(state.selected)) state.selected = names[0] || null;
  if ([...select.options].map((o) => o.value).join('\n') !== names.join('\n')) {
    fill(select, names.map((name) => h('option', { value: name }, name)));
  }
  select.value = state.selected || '';
  show('migration-picker', names.length > 1);
  renderOverview();
}

function renderOverview() {
  const view = current();
  if (!view) {
    $('mig-name').textContent = 'No migrations configured';
    return;
  }
  $('mig-name').textContent = view.name;
  badge($('mig-status'), view.status);
  $('mig-weight').textContent = fmt.weight(view.weight);
  const stage = view.stages[view.stageIndex];
  $('mig-stage').textContent = `Stage ${view.stageIndex + 1} of ${view.stageCount}: ${view.stage}` + (view.weightOverridden ? ' (weight set explicitly)' : '');
  const min = stage ? stage.minDurationSeconds : 0;
  $('mig-time').textContent = min > 0
    ? `In stage ${fmt.duration(view.secondsInStage)} of at least ${fmt.duration(min)}`
    : `In stage ${fmt.duration(view.secondsInStage)} (no minimum duration)`;
  $('stage-progress').style.width = (min > 0 ? Math.min(100, (view.secondsInStage / min) * 100) : 100) + '%';
  show('mig-reason', !!view.statusReason);
  $('mig-reason').textContent = view.statusReason ? 'Reason: ' + view.statusReason : '';
  $('mig-flags').textContent = [
    view.autoAdvance ? 'auto-advance on' : 'auto-advance off',
    view.shadowEnabled ? 'shadowing on' : 'shadowing off',
  ].join(' · ');

  // Controls: enabled only where the command applies now.
  const last = view.stageIndex >= view.stageCount - 1;
  $('promote').disabled = last || view.status === 'RolledBack';
  $('promote').textContent = last ? 'Last stage reached' : `Promote to “${view.stages[view.stageIndex + 1].name}” (${fmt.weight(view.stages[view.stageIndex + 1].weight)})`;
  $('pause').disabled = view.status === 'Paused' || view.status === 'RolledBack' || view.status === 'Completed';
  $('resume').disabled = !(view.status === 'Paused' || view.status === 'RolledBack');
  $('resume').textContent = view.status === 'RolledBack' ? 'Resume (restart at first stage)…' : 'Resume auto-advance';
  $('rollback').disabled = false;

  $('weight-input').placeholder = `now ${fmt.weight(view.weight)}`;

  renderTimeline(view);
  renderGates(view.gates);
  renderChart(view);
}

function renderTimeline(view) {
  const items = view.stages.map((stage, index) => {
    const isCurrent = index === view.stageIndex;
    const status = isCurrent ? 'current' : index < view.stageIndex ? 'done' : 'next';
    const canSet = can('Operator') && !isCurrent && Number(stage.weight) !== Number(view.weight);
    return h('li', { class: 'stage stage-' + status, 'aria-current': isCurrent ? 'step' : undefined },
      h('span', { class: 'stage-name' }, stage.name),
      h('span', { class: 'stage-weight' }, fmt.weight(stage.weight)),
      h('span', { class: 'stage-min' }, stage.minDurationSeconds > 0 ? 'min ' + fmt.duration(stage.minDurationSeconds) : 'no minimum'),
      !stage.shadow ? h('span', { class: 'stage-min' }, 'no shadow') : null,
      canSet ? h('button', { type: 'button', class: 'btn small', onclick: () => setWeight(stage.weight, `stage “${stage.name}”`) }, `Set ${fmt.weight(stage.weight)}…`) : null);
  });
  fill('timeline', items);
}

const GATE_FORMAT = {
  'diff rate': (v) => fmt.percent(v),
  'error rate increase': (v) => fmt.percent(v),
  'p99 latency ratio': (v) => (v === null || v === undefined ? '–' : v.toFixed(2) + '×'),
};

function renderGates(gates) {
  if (!gates) {
    badge($('gates-verdict'), 'not evaluated', 'inconclusive');
    $('gates-window').textContent = 'No gate evaluation yet.';
    show('gates-failure', false);
    fill('gates-body');
    return;
  }
  badge($('gates-verdict'), gates.verdict);
  $('gates-window').textContent = `Window ${fmt.duration(gates.windowSeconds)}, at least ${fmt.int(gates.minSamples)} samples.`;
  show('gates-failure', !!gates.failureReason);
  $('gates-failure').textContent = gates.failureReason || '';
  fill('gates-body', gates.gates.map((gate) => {
    const format = GATE_FORMAT[gate.name] || ((v) => (v === null || v === undefined ? '–' : String(v)));
    const verdict = h('span', {});
    badge(verdict, gate.verdict);
    return h('tr', { title: gate.detail },
      h('th', { scope: 'row' }, gate.name),
      h('td', { class: 'num' }, format(gate.value)),
      h('td', { class: 'num' }, '≤ ' + format(gate.threshold)),
      h('td', { class: 'num' }, `${fmt.int(gate.samples)} / ${fmt.int(gate.requiredSamples)}`),
      h('td', {}, verdict));
  }));
}

function renderChart(view) {
  const ring = state.rings.get(view.name);
  if (!ring) return;
  const { summary, series, minutes } = drawChart($('chart'), ring);
  $('chart-title').textContent = minutes >= 60 ? 'Traffic, last hour' : minutes === 1 ? 'Traffic, last minute' : `Traffic, last ${minutes} minutes`;
  fill('chart-legend', series.map((s) => h('span', { class: 'key ' + s.className }, s.label)), h('span', { class: 'muted' }, summary));
  const c = view.counters;
  const comparisons = c.match + c.diff + c.noise;
  const stat = (label, value, title) => h('div', { title }, h('dt', {}, label), h('dd', {}, value));
  fill('stats',
    stat('Served by legacy', fmt.int(c.legacyRequests)),
    stat('Served by candidate', fmt.int(c.candidateRequests)),
    stat('Comparisons', fmt.int(comparisons), `${fmt.int(c.match)} match, ${fmt.int(c.diff)} diff, ${fmt.int(c.noise)} noise only`),
    stat('Diff rate', fmt.percent(comparisons ? c.diff / comparisons : null), 'Comparisons with at least one difference that is not noise'),
    stat('Failovers', fmt.int(c.failovers)),
    stat('Shadow in flight', fmt.int(c.shadowInFlight)),
    stat('Shadow limit', fmt.int(c.shadowLimit), 'Shadows allowed in flight now: lowered while live traffic would pay for them (Shadow:Adaptive), between Shadow:MinInFlight and Shadow:MaxInFlight'));
}

// ---------- commands ----------

async function command(action, body, done) {
  const name = state.selected;
  const view = await guarded(() => api(migrationPath('/' + action), { method: 'POST', body }));
  if (!view) return;
  state.migrations = state.migrations.map((m) => (m.name === view.name ? view : m));
  renderOverview();
  toast(done(view));
  if (state.tab === 'audit') loadAudit();
  return name;
}

async function rollback() {
  const view = current();
  const answer = await confirmAction({
    title: `Roll back ${view.name}?`,
    text: `All traffic goes back to the legacy backend at once (weight ${fmt.weight(view.weight)} → 0%). Shadowing continues.`,
    ok: 'Roll back now',
    danger: true,
    reason: 'required',
  });
  if (answer) await command('rollback', { reason: answer.reason }, (v) => `Rolled back: ${v.name} is ${v.status}, weight ${fmt.weight(v.weight)}.`);
}

async function rollbackAll() {
  const answer = await confirmAction({
    title: 'Roll back every migration?',
    text: `Every migration (${state.migrations.map((m) => m.name).join(', ')}) goes back to weight 0% at once.`,
    ok: 'Roll back all now',
    danger: true,
    reason: 'required',
  });
  if (!answer) return;
  const views = await guarded(() => api('/rollback', { method: 'POST', body: { reason: answer.reason } }));
  if (views) {
    updateMigrations(views);
    toast(`Rolled back ${views.length} migration(s).`);
  }
}

async function setWeight(weight, what) {
  const view = current();
  const answer = await confirmAction({
    title: `Set ${view.name} to ${fmt.weight(weight)}?`,
    text: `The candidate's share goes from ${fmt.weight(view.weight)} to ${fmt.weight(weight)}` + (what ? ` (${what})` : '') + '. Auto-advance pauses.',
    ok: `Set ${fmt.weight(weight)}`,
  });
  if (answer) await command('weight', { weight: Number(weight), reason: answer.reason }, (v) => `${v.name}: weight ${fmt.weight(v.weight)}, ${v.status}.`);
}

async function promote() {
  const view = current();
  const next = view.stages[view.stageIndex + 1];
  const answer = await confirmAction({
    title: `Promote ${view.name}?`,
    text: `From “${view.stage}” (${fmt.weight(view.weight)}) to “${next.name}” (${fmt.weight(next.weight)}).`,
    ok: 'Promote',
  });
  if (answer) await command('promote', { reason: answer.reason }, (v) => `${v.name}: stage ${v.stage}, weight ${fmt.weight(v.weight)}.`);
}

async function resume() {
  const view = current();
  const answer = await confirmAction({
    title: `Resume ${view.name}?`,
    text: view.status === 'RolledBack' ? 'The ramp restarts at the first stage and auto-advance runs again.' : 'Auto-advance runs again.',
    ok: 'Resume',
  });
  if (answer) await command('resume', { reason: answer.reason }, (v) => `${v.name} resumed: ${v.status}.`);
}

// ---------- tabs ----------

const TABS = ['overview', 'diffs', 'report', 'endpoints', 'audit'];
const endpointsTab = new EndpointsTab({ meta: $('inventory-meta'), summary: $('inventory-summary'), head: $('inventory-head'), body: $('inventory-body') });
const loadInventory = () => guarded(() => endpointsTab.load(state.selected));

function selectTab(tab) {
  state.tab = tab;
  for (const name of TABS) {
    const button = $('tab-' + name);
    const selected = name === tab;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    show('view-' + name, selected);
  }
  if (tab === 'diffs') {
    loadEndpoints();
    loadVersions();
    loadSummary();
    loadNoise();
  } else if (tab === 'report') loadReport();
  else if (tab === 'endpoints') loadInventory();
  else if (tab === 'audit') loadAudit(true);
}

// ---------- diff explorer ----------

function summaryQuery() {
  return {
    endpoint: $('f-endpoint').value.trim(),
    path: $('f-path').value.trim(),
    noise: $('f-noise').value,
    severity: $('f-severity').value,
    version: $('f-version').value,
    sort: $('f-sort').value,
    groupBy: state.summary.group === 'path' ? 'path' : undefined,
    offset: state.summary.offset,
    limit: SUMMARY_LIMIT,
  };
}

const SEVERITY_HELP = {
  breaking: 'Breaks clients written for legacy: a status class, a type, a missing field or the body format changed',
  risky: 'Some clients notice: a changed value, an added field, an array order or length, a renamed key, a semantic header',
  cosmetic: 'No client is expected to notice: a header such as ETag or X-Powered-By',
};

function severityBadge(severity) {
  return h('span', { class: 'badge badge-' + severity, title: SEVERITY_HELP[severity] || '' }, severity);
}

function setGrouping(group) {
  state.summary.group = group;
  state.summary.offset = 0;
  for (const [id, value] of [['view-grouped', 'path'], ['view-per-endpoint', 'endpoint']]) $(id).setAttribute('aria-pressed', String(value === group));
  loadSummary();
}

async function loadEndpoints() {
  // The report lists every endpoint seen: used as suggestions for the exact endpoint filter.
  const report = await guarded(() => api(migrationPath('/report')));
  if (!report) return;
  state.endpoints = report.endpoints.map((e) => e.endpoint);
  fill('endpoint-list', state.endpoints.map((e) => h('option', { value: e })));
}

const SUMMARY_HEADS = {
  path: [['Severity'], ['Path'], ['Kind'], ['Count', 'num'], ['Rate', 'num'], ['Endpoints', 'num'], ['Noise'], ['Last seen'], ['Actions', 'sr-only']],
  endpoint: [['Severity'], ['Endpoint'], ['Path'], ['Kind'], ['Count', 'num'], ['Rate', 'num'], ['Noise'], ['Version'], ['Last seen'], ['Actions', 'sr-only']],
};

// The candidate versions seen (docs/comparison.md#candidate-versions), newest first, as choices of the version filter.
async function loadVersions() {
  const list = await guarded(() => api(migrationPath('/versions')));
  if (!list) return;
  const select = $('f-version');
  const chosen = select.value;
  fill('f-version', [h('option', { value: '' }, 'All versions'),
    ...list.versions.map((v) => h('option', { value: v.version },
      `${v.version}${v.version === list.newest ? ' (newest)' : ''} · ${fmt.int(v.comparisons)} comparisons, ${fmt.percent(v.diffRate)} differ`))]);
  select.value = list.versions.some((v) => v.version === chosen) ? chosen : '';
}

async function loadSummary() {
  const query = summaryQuery();
  const grouped = query.groupBy === 'path';
  // The breaking ones are counted apart, so that a filter or a page never hides that they exist.
  const [page, breaking] = await Promise.all([
    guarded(() => api(migrationPath('/diffs/summary'), { query })),
    guarded(() => api(migrationPath('/diffs/summary'), { query: { groupBy: 'path', severity: 'breaking', noise: 'false', limit: 1 } })),
  ]);
  if (!page) return;
  state.summary.total = page.total;
  const heads = SUMMARY_HEADS[grouped ? 'path' : 'endpoint'];
  fill('summary-head', h('tr', {}, heads.map(([name, cls]) => h('th', { scope: 'col', class: cls === 'num' ? 'num' : undefined },
    cls === 'sr-only' ? h('span', { class: 'sr-only' }, name) : name))));
  fill('summary-body', page.rows.length === 0
    ? h('tr', {}, h('td', { colspan: heads.length, class: 'muted' }, 'No differences match these filters.'))
    : page.rows.map(grouped ? groupRows : summaryRow));
  const banner = $('breaking-banner');
  if (breaking && breaking.total > 0) {
    banner.textContent = `${fmt.int(breaking.total)} breaking difference${breaking.total === 1 ? '' : 's'}: ${SEVERITY_HELP.breaking.toLowerCase()}.`;
    show(banner, true);
  } else show(banner, false);
  const first = page.total === 0 ? 0 : page.offset + 1;
  $('summary-range').textContent = `${fmt.int(first)}–${fmt.int(page.offset + page.rows.length)} of ${fmt.int(page.total)}`;
  $('summary-caption').textContent = grouped
    ? `${fmt.int(page.total)} causes (path × kind across endpoints), most severe first; open one for its endpoints`
    : `${fmt.int(page.total)} endpoint × path rows`;
  $('summary-prev').disabled = page.offset === 0;
  $('summary-next').disabled = page.offset + page.rows.length >= page.total;
}

function markFor(row) {
  return state.noiseMarks.find((m) => m.path === row.path && (m.endpoint === null || m.endpoint === row.endpoint)) || null;
}

function summaryRow(row) {
  const mark = markFor(row);
  const selected = state.summary.row && state.summary.row.endpoint === row.endpoint && state.summary.row.path === row.path;
  const open = () => openSamples(row);
  let action = null;
  if (can('Operator')) {
    action = mark
      ? h('button', { type: 'button', class: 'btn small', onclick: (e) => { e.stopPropagation(); unmarkNoise(mark); } }, 'Unmark noise')
      : h('button', { type: 'button', class: 'btn small', onclick: (e) => { e.stopPropagation(); markNoise(row); } }, 'Mark as noise…');
  }
  return h('tr', { class: 'clickable' + (selected ? ' selected' : '') + (row.isNoise ? ' is-noise' : '') + severityClass(row), onclick: open, dataset: { key: rowKey(row) } },
    h('td', {}, severityBadge(row.severity)),
    h('td', { class: 'mono' }, row.endpoint),
    h('td', { class: 'mono' }, h('button', { type: 'button', class: 'link', onclick: (e) => { e.stopPropagation(); open(); }, 'aria-label': `Samples of ${row.path} at ${row.endpoint}` }, row.path),
      row.candidatePath ? h('span', { class: 'muted' }, ` → ${row.candidatePath}`) : null),
    h('td', {}, row.kind),
    h('td', { class: 'num' }, fmt.int(row.count)),
    h('td', { class: 'num' }, fmt.percent(row.rate)),
    h('td', {}, row.isNoise ? noiseBadge(row.noiseSource, mark) : ''),
    h('td', {}, row.fixed
      ? h('span', { class: 'badge badge-fixed', title: `differed up to ${row.lastVersion}; not once in ${row.fixedIn}` }, `fixed in ${row.fixedIn}`)
      : row.lastVersion ? h('span', { class: 'mono', title: 'newest candidate version in which it differed' }, row.lastVersion) : ''),
    h('td', { title: fmt.time(row.lastSeen) }, fmt.ago(row.lastSeen)),
    h('td', {}, action));
}

function severityClass(row) {
  return row.isNoise ? '' : ' sev-' + row.severity;
}

function groupKey(group) {
  return group.path + '\n' + group.kind;
}

/** A cause and, when expanded, one row per endpoint where it occurs (most affected first). */
function groupRows(group) {
  const key = groupKey(group);
  const expanded = state.summary.expanded.has(key);
  const toggle = () => {
    if (expanded) state.summary.expanded.delete(key);
    else state.summary.expanded.add(key);
    loadSummary();
  };
  const open = () => {
    state.summary.expanded.add(key);
    openSamples({ endpoint: group.endpoints[0].endpoint, path: group.endpoints[0].path }).then(loadSummary);
  };
  const everywhere = state.noiseMarks.find((m) => m.path === group.path && m.endpoint === null);
  let action = null;
  if (can('Operator')) {
    action = everywhere
      ? h('button', { type: 'button', class: 'btn small', onclick: (e) => { e.stopPropagation(); unmarkNoise(everywhere); } }, 'Unmark noise')
      : h('button', { type: 'button', class: 'btn small', onclick: (e) => { e.stopPropagation(); markNoise({ path: group.path, endpoint: null }); } }, 'Mark as noise everywhere…');
  }
  const count = group.endpoints.length;
  const rows = [h('tr', { class: 'clickable group-row' + (group.isNoise ? ' is-noise' : '') + severityClass(group), onclick: toggle, dataset: { key } },
    h('td', {}, severityBadge(group.severity)),
    h('td', { class: 'mono' },
      h('button', { type: 'button', class: 'toggle', 'aria-expanded': String(expanded), 'aria-label': `${expanded ? 'Hide' : 'Show'} the ${count} endpoint(s) of ${group.path}`, onclick: (e) => { e.stopPropagation(); toggle(); } }, expanded ? '▾' : '▸'),
      ' ',
      h('button', { type: 'button', class: 'link', onclick: (e) => { e.stopPropagation(); open(); }, 'aria-label': `Samples of ${group.path} (${count} endpoint${count === 1 ? '' : 's'})` }, group.path),
      group.paths > 1 ? h('span', { class: 'muted', title: 'Array positions folded into [*]' }, ` · ${fmt.int(group.paths)} positions`) : null),
    h('td', {}, group.kind),
    h('td', { class: 'num' }, fmt.int(group.count)),
    h('td', { class: 'num' }, fmt.percent(group.rate)),
    h('td', { class: 'num' }, fmt.int(count)),
    h('td', {}, group.isNoise ? h('span', { class: 'badge badge-noise' }, 'noise') : ''),
    h('td', { title: fmt.time(group.lastSeen) }, fmt.ago(group.lastSeen)),
    h('td', {}, action))];
  if (expanded) {
    for (const e of group.endpoints) {
      // Marks name the cause (a folded path covers every position); samples are those of the endpoint's most frequent path.
      const row = { endpoint: e.endpoint, path: group.path, isNoise: e.isNoise };
      const sampled = { endpoint: e.endpoint, path: e.path };
      const mark = markFor(row);
      const selected = state.summary.row && state.summary.row.endpoint === sampled.endpoint && state.summary.row.path === sampled.path;
      const samples = () => openSamples(sampled);
      let endpointAction = null;
      if (can('Operator')) {
        endpointAction = mark
          ? h('button', { type: 'button', class: 'btn small', onclick: (ev) => { ev.stopPropagation(); unmarkNoise(mark); } }, 'Unmark noise')
          : h('button', { type: 'button', class: 'btn small', onclick: (ev) => { ev.stopPropagation(); markNoise(row); } }, 'Mark as noise…');
      }
      rows.push(h('tr', { class: 'clickable endpoint-row' + (selected ? ' selected' : '') + (e.isNoise ? ' is-noise' : ''), onclick: samples, dataset: { key: rowKey(sampled) } },
        h('td', {}),
        h('td', { class: 'mono', colspan: 2 },
          h('button', { type: 'button', class: 'link', onclick: (ev) => { ev.stopPropagation(); samples(); }, 'aria-label': `Samples of ${e.path} at ${e.endpoint}` }, e.endpoint)),
        h('td', { class: 'num' }, fmt.int(e.count)),
        h('td', { class: 'num' }, fmt.percent(e.rate)),
        h('td', {}),
        h('td', {}, e.isNoise ? h('span', { class: 'badge badge-noise' }, mark ? 'marked' : 'ignored') : ''),
        h('td', {}),
        h('td', {}, endpointAction)));
    }
  }
  return rows;
}

// Why a row or a difference is noise now: configuration, a mark, or the noise probe (legacy disagrees with itself).
function noiseBadge(source, mark) {
  const titles = {
    config: 'ignored by configuration',
    mark: mark ? `marked by ${mark.actor}` : 'marked as noise',
    probe: 'the noise probe saw legacy disagree with itself here',
  };
  const labels = { config: 'ignored', mark: 'marked', probe: 'probe' };
  return h('span', { class: 'badge badge-noise', title: titles[source] || 'noise' }, labels[source] || 'noise');
}

async function openSamples(row, before) {
  state.summary.row = row;
  const page = await guarded(() => api(migrationPath('/diffs'), { query: { endpoint: row.endpoint, path: row.path, limit: SAMPLE_LIMIT, before } }));
  if (!page) return;
  show('samples-card', true);
  $('samples-title').textContent = `Samples of ${row.path} at ${row.endpoint}`;
  const items = page.samples.map((s) => h('li', {},
    h('button', { type: 'button', class: 'sample-link', dataset: { id: s.id }, onclick: () => openSample(s.id) },
      h('span', { class: 'mono' }, `${s.method} ${s.pathAndQuery}`),
      h('span', { class: 'muted' }, ` · legacy ${s.legacyStatus}, candidate ${s.candidateStatus} · ${s.differenceCount} difference(s) · ${fmt.time(s.time)}`))));
  if (before) $('samples').append(...items);
  else fill('samples', items.length ? items : h('li', { class: 'muted' }, 'No stored samples (samples are bounded; the counters go on).'));
  state.summary.nextBefore = page.nextBefore;
  show('samples-more', !!page.nextBefore);
  for (const tr of $('summary-body').children) tr.classList.toggle('selected', tr.dataset.key === rowKey(row));
}

function rowKey(row) {
  return row.endpoint + '\n' + row.path;
}

async function openSample(id) {
  const sample = await guarded(() => api(migrationPath('/diffs/' + id)));
  if (!sample) return;
  state.sample = sample;
  const request = sample.sample.request;
  $('sample-title').textContent = `Sample ${sample.id}: ${request.method} ${request.path}${request.query || ''}`;
  $('sample-meta').textContent = `${sample.endpoint} · ${fmt.time(sample.time)}` + (sample.differencesTruncated ? ' · not every difference is listed' : '');
  const differences = sample.differences;
  fill('sample-diffs', differences.map((d) => h('tr', { class: d.isNoise ? 'is-noise' : 'sev-' + d.severity },
    h('td', {}, d.severity ? severityBadge(d.severity) : ''),
    h('td', { class: 'mono' }, d.candidatePath ? `${d.path} → ${d.candidatePath}` : d.path), h('td', {}, d.kind),
    h('td', { class: 'mono value' }, d.legacy ?? '—'), h('td', { class: 'mono value' }, d.candidate ?? '—'),
    h('td', {}, d.isNoise ? noiseBadge(d.noiseSource, null) : ''))));
  fill('sample-legacy', responseView(sample.sample.legacy, differences));
  // A renamed key sits at its own path in the candidate's body.
  fill('sample-candidate', responseView(sample.sample.candidate, differences.map((d) => (d.candidatePath ? { ...d, path: d.candidatePath } : d))));
  for (const button of $('samples').querySelectorAll('.sample-link')) {
    if (Number(button.dataset.id) === sample.id) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
  show('sample-card', true);
  $('sample-title').focus();
  $('sample-card').scrollIntoView({ block: 'start' });
}

function responseView(response, differences) {
  const real = differences.filter((d) => !d.isNoise);
  const headerNames = (list) => new Set(list.filter((d) => d.path.startsWith('header:')).map((d) => d.path.slice(7).toLowerCase()));
  const headerDiffs = headerNames(real);
  const headerNoise = headerNames(differences.filter((d) => d.isNoise));
  const headerClass = (name) => (headerDiffs.has(name) ? 'diff-hl' : headerNoise.has(name) ? 'diff-noise' : '');
  return [
    h('p', { class: 'status-row' + (real.some((d) => d.path === 'status') ? ' diff-hl' : '') },
      h('strong', {}, 'Status '), response.status === 0 ? 'no response' : String(response.status),
      h('span', { class: 'muted' }, ` · ${fmt.ms(response.durationMs)} ms`),
      response.failure ? h('span', { class: 'error' }, ' · ' + response.failure) : null),
    h('details', { open: headerDiffs.size > 0 ? true : undefined },
      h('summary', {}, `Headers (${response.headers.length})` + (headerDiffs.size ? ` · ${headerDiffs.size} differ` : '')),
      h('table', { class: 'table headers' }, h('tbody', {}, response.headers.map((header) =>
        h('tr', { class: headerClass(header.key.toLowerCase()) },
          h('th', { scope: 'row', class: 'mono' }, header.key), h('td', { class: 'mono' }, header.value)))))),
    renderBody(response.body, differences.filter((d) => d.path === 'body' || d.path.startsWith('$') || d.path.startsWith('line:'))),
  ];
}

async function markNoise(row) {
  // Without an endpoint (a cause across endpoints) the mark applies everywhere.
  const scope = h('input', { type: 'checkbox', id: 'noise-scope', checked: row.endpoint !== null });
  const answer = await confirmAction({
    title: 'Mark as noise?',
    text: `Differences at ${row.path} stop counting as differences${row.endpoint === null ? ' at every endpoint' : ''} (they are still counted as noise).`,
    ok: 'Mark as noise',
    extra: row.endpoint === null ? undefined : h('p', { class: 'field-inline' }, scope, h('label', { for: 'noise-scope' }, `Only at ${row.endpoint}`)),
  });
  if (!answer) return;
  const body = { path: row.path, endpoint: scope.checked && row.endpoint !== null ? row.endpoint : undefined, reason: answer.reason };
  const result = await guarded(() => api(migrationPath('/noise'), { method: 'POST', body }));
  if (!result) return;
  state.noiseMarks = result.marks;
  renderNoise();
  toast(result.changed ? `Marked ${row.path} as noise.` : `${row.path} was already marked as noise.`);
  loadSummary();
}

async function unmarkNoise(mark) {
  const answer = await confirmAction({
    title: 'Unmark noise?',
    text: `Differences at ${mark.path}${mark.endpoint ? ' (' + mark.endpoint + ')' : ''} count as differences again.`,
    ok: 'Unmark',
  });
  if (!answer) return;
  const body = { path: mark.path, endpoint: mark.endpoint || undefined, reason: answer.reason };
  const result = await guarded(() => api(migrationPath('/noise'), { method: 'DELETE', body }));
  if (!result) return;
  state.noiseMarks = result.marks;
  renderNoise();
  toast(`Unmarked ${mark.path}.`);
  loadSummary();
}

async function loadNoise() {
  const result = await guarded(() => api(migrationPath('/noise')));
  if (!result) return;
  state.noiseMarks = result.marks;
  renderNoise();
}

function renderNoise() {
  const marks = state.noiseMarks;
  fill('noise-body', marks.length === 0
    ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No paths are marked as noise.'))
    : marks.map((mark) => h('tr', {},
      h('td', { class: 'mono' }, mark.path),
      h('td', { class: 'mono' }, mark.endpoint || 'all endpoints'),
      h('td', {}, mark.actor),
      h('td', {}, fmt.time(mark.createdAt)),
      h('td', {}, can('Operator') ? h('button', { type: 'button', class: 'btn small', onclick: () => unmarkNoise(mark) }, 'Unmark') : null))));
}

// ---------- report ----------

function latencies(side) {
  return side.p50Ms === null ? '–' : `${fmt.ms(side.p50Ms)} / ${fmt.ms(side.p95Ms)} / ${fmt.ms(side.p99Ms)}`;
}

function errorCell(side) {
  return h('td', { class: 'num' + (side.errors > 0 ? ' warn' : '') }, `${fmt.int(side.errors)} (${fmt.percent(side.errorRate)})`);
}

async function loadReport() {
  const report = await guarded(() => api(migrationPath('/report')));
  if (!report) return;
  $('report-meta').textContent = `${report.migration}, generated ${fmt.time(report.generatedAt)}. Mirrored traffic since start.`;
  fill('report-body', report.endpoints.length === 0
    ? h('tr', {}, h('td', { colspan: 10, class: 'muted' }, 'No traffic yet.'))
    : report.endpoints.map((row) => h('tr', {},
      h('th', { scope: 'row', class: 'mono' }, row.endpoint),
      h('td', { class: 'num' }, fmt.int(row.legacy.requests)), errorCell(row.legacy), h('td', { class: 'num' }, latencies(row.legacy)),
      h('td', { class: 'num' }, fmt.int(row.candidate.requests)), errorCell(row.candidate), h('td', { class: 'num' }, latencies(row.candidate)),
      h('td', { class: 'num' }, fmt.int(row.comparisons)),
      h('td', { class: 'num' + (row.diffs > 0 ? ' warn' : '') }, fmt.percent(row.diffRate)),
      h('td', { class: 'num' }, h('span', { class: row.breaking > 0 ? 'sev-text-breaking' : '' }, fmt.int(row.breaking)), ` / ${fmt.int(row.risky)} / ${fmt.int(row.cosmetic)}`))));
  const t = report.totals;
  const errorRate = (errors, requests) => (requests ? errors / requests : null);
  fill('report-foot', h('tr', {},
    h('th', { scope: 'row' }, 'Total'),
    h('td', { class: 'num' }, fmt.int(t.legacyRequests)), h('td', { class: 'num' }, `${fmt.int(t.legacyErrors)} (${fmt.percent(errorRate(t.legacyErrors, t.legacyRequests))})`), h('td', {}),
    h('td', { class: 'num' }, fmt.int(t.candidateRequests)), h('td', { class: 'num' }, `${fmt.int(t.candidateErrors)} (${fmt.percent(errorRate(t.candidateErrors, t.candidateRequests))})`), h('td', {}),
    h('td', { class: 'num' }, fmt.int(t.comparisons)), h('td', { class: 'num' }, fmt.percent(t.diffRate)),
    h('td', { class: 'num' }, ['breaking', 'risky', 'cosmetic'].map((s) => fmt.int(report.endpoints.reduce((sum, e) => sum + e[s], 0))).join(' / '))));
}

// ---------- audit ----------

async function loadAudit(reset = false) {
  if (reset) state.audit.cursors = [];
  const before = state.audit.cursors.at(-1);
  const migration = $('audit-all').checked ? undefined : state.selected;
  const entries = await guarded(() => api('/audit', { query: { migration, limit: AUDIT_LIMIT, before } }));
  if (!entries) return;
  fill('audit-body', entries.length === 0
    ? h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No entries.'))
    : entries.map((e) => h('tr', { class: 'audit-' + e.action.toLowerCase() },
      h('td', { class: 'nowrap' }, fmt.time(e.time)),
      h('td', {}, e.migration),
      h('td', {}, e.actor),
      h('td', {}, h('strong', {}, e.action)),
      h('td', {}, `${e.from} → ${e.to}`),
      h('td', {}, e.trigger),
      h('td', { class: 'reason-cell' }, e.reason || ''))));
  state.audit.next = entries.length === AUDIT_LIMIT ? entries.at(-1).id : null;
  $('audit-older').disabled = state.audit.next === null;
  $('audit-newest').disabled = state.audit.cursors.length === 0;
}

// ---------- wiring ----------

function wire() {
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn($('api-key').value.trim());
  });
  $('continue-open').addEventListener('click', () => signIn(null));
  $('sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('migration-select').addEventListener('change', (event) => {
    state.selected = event.target.value;
    state.summary = { offset: 0, total: 0, row: null, nextBefore: null };
    show('samples-card', false);
    show('sample-card', false);
    renderOverview();
    selectTab(state.tab);
  });

  const tablist = document.querySelector('[role=tablist]');
  tablist.addEventListener('click', (event) => {
    const tab = event.target.closest('[role=tab]');
    if (tab) selectTab(tab.id.slice(4));
  });
  tablist.addEventListener('keydown', (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = TABS[(TABS.indexOf(state.tab) + step + TABS.length) % TABS.length];
    selectTab(next);
    $('tab-' + next).focus();
  });

  $('rollback').addEventListener('click', rollback);
  $('rollback-all').addEventListener('click', rollbackAll);
  $('promote').addEventListener('click', promote);
  $('pause').addEventListener('click', () => command('pause', {}, (v) => `${v.name} paused: auto-advance stopped.`));
  $('resume').addEventListener('click', resume);
  $('weight-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('weight-input');
    if (!input.reportValidity()) return;
    setWeight(Number(input.value));
  });

  const refilter = debounce(() => {
    state.summary.offset = 0;
    loadSummary();
  }, 300);
  for (const id of ['f-endpoint', 'f-path']) $(id).addEventListener('input', refilter);
  for (const id of ['f-noise', 'f-sort', 'f-severity', 'f-version']) $(id).addEventListener('change', refilter);
  $('view-grouped').addEventListener('click', () => setGrouping('path'));
  $('view-per-endpoint').addEventListener('click', () => setGrouping('endpoint'));
  $('diff-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadVersions();
    loadSummary();
    loadNoise();
  });
  $('summary-prev').addEventListener('click', () => {
    state.summary.offset = Math.max(0, state.summary.offset - SUMMARY_LIMIT);
    loadSummary();
  });
  $('summary-next').addEventListener('click', () => {
    state.summary.offset += SUMMARY_LIMIT;
    loadSummary();
  });
  $('samples-more').addEventListener('click', () => openSamples(state.summary.row, state.summary.nextBefore));
  $('sample-close').addEventListener('click', () => show('sample-card', false));

  $('audit-all').addEventListener('change', () => loadAudit(true));
  $('audit-older').addEventListener('click', () => {
    state.audit.cursors.push(state.audit.next);
    loadAudit();
  });
  $('audit-newest').addEventListener('click', () => loadAudit(true));
}

wire();
if (session.signedIn) {
  enter().catch((error) => signOut(error.message));
} else {
  showSignIn();
}
