// The Endpoints tab: the inventory of one migration (GET /api/v1/migrations/{name}/endpoints), sortable by any
// column, each endpoint's coverage verdict as a badge and the traffic share each verdict covers above the table.
import { api } from './api.js';
import { fill, fmt, h } from './dom.js';

const VERDICT_HELP = {
  matching: 'At least Ramp:Gates:MinSamples comparisons and no difference that is not noise in the last gate window',
  differs: 'Compared, but a recent difference that is not noise, or too few comparisons yet to call it matching',
  unseen: 'No comparison yet: nothing says whether the candidate matches here',
};

const errorsOf = (e) => (e.statusClasses['4xx'] || 0) + (e.statusClasses['5xx'] || 0) + (e.statusClasses.error || 0);
const VERDICT_ORDER = { differs: 0, unseen: 1, matching: 2 };

/** Columns: header, sort value, cell. Text columns sort ascending first, numbers descending. */
const COLUMNS = [
  { key: 'endpoint', label: 'Endpoint', text: true, value: (e) => `${e.template} ${e.method}`,
    cell: (e) => h('th', { scope: 'row', class: 'mono' }, h('span', { class: 'method' }, e.method), ' ', e.template) },
  { key: 'verdict', label: 'Coverage', text: true, value: (e) => VERDICT_ORDER[e.verdict],
    cell: (e) => h('td', {}, h('span', { class: 'badge badge-' + e.verdict, title: VERDICT_HELP[e.verdict] }, e.verdict)) },
  { key: 'requests', label: 'Requests', value: (e) => e.requests, cell: (e) => h('td', { class: 'num' }, fmt.int(e.requests)) },
  { key: 'share', label: 'Share', value: (e) => e.share, cell: (e) => h('td', { class: 'num' }, fmt.percent(e.share, 1)) },
  { key: 'errors', label: 'Errors', value: (e) => (e.requests ? errorsOf(e) / e.requests : 0),
    cell: (e) => h('td', { class: 'num' + (errorsOf(e) > 0 ? ' warn' : '') }, fmt.percent(e.requests ? errorsOf(e) / e.requests : null, 1)) },
  { key: 'statuses', label: 'Statuses', text: true, value: (e) => (e.statuses[0] ? e.statuses[0].status : 0),
    cell: (e) => h('td', { class: 'mono' }, e.statuses.map((s) => `${s.status}×${fmt.int(s.count)}`).join(' ') || '–') },
  { key: 'p50', label: 'p50 ms', value: (e) => e.p50Ms ?? -1, cell: (e) => h('td', { class: 'num' }, fmt.ms(e.p50Ms)) },
  { key: 'p99', label: 'p99 ms', value: (e) => e.p99Ms ?? -1, cell: (e) => h('td', { class: 'num' }, fmt.ms(e.p99Ms)) },
  { key: 'size', label: 'Body bytes', value: (e) => (e.responseBytes ? e.responseBytes.mean : -1),
    cell: (e) => h('td', { class: 'num', title: e.responseBytes ? `largest ${fmt.int(e.responseBytes.max)}` : '' }, e.responseBytes ? fmt.int(e.responseBytes.mean) : '–') },
  { key: 'types', label: 'Content types', text: true, value: (e) => (e.contentTypes[0] ? e.contentTypes[0].name : ''),
    cell: (e) => h('td', { class: 'mono small-text' }, e.contentTypes.map((t) => t.name).join(', ') || '–') },
  { key: 'query', label: 'Query parameters', text: true, value: (e) => e.queryParameters.length,
    cell: (e) => h('td', { class: 'mono small-text' }, e.queryParameters.map((q) => q.name).join(', ') || '–') },
  { key: 'comparisons', label: 'Comparisons', value: (e) => e.comparisons, cell: (e) => h('td', { class: 'num' }, fmt.int(e.comparisons)) },
  { key: 'diffRate', label: 'Diff rate', value: (e) => e.nonNoiseDiffRate ?? -1,
    cell: (e) => h('td', { class: 'num' + (e.nonNoiseDiffRate > 0 ? ' warn' : '') }, fmt.percent(e.nonNoiseDiffRate)) },
  { key: 'lastSeen', label: 'Last seen', value: (e) => e.lastSeen || '', cell: (e) => h('td', { class: 'small-text' }, fmt.ago(e.lastSeen)) },
];

export class EndpointsTab {
  constructor({ meta, summary, head, body }) {
    this.elements = { meta, summary, head, body };
    this.sort = { key: 'requests', descending: true };
    this.view = null;
  }

  async load(migration) {
    this.view = await api(`/migrations/${encodeURIComponent(migration)}/endpoints`);
    this.render();
  }

  sortBy(key) {
    const column = COLUMNS.find((c) => c.key === key);
    this.sort = this.sort.key === key ? { key, descending: !this.sort.descending } : { key, descending: !column.text };
    this.render();
  }

  render() {
    const { meta, summary, head, body } = this.elements;
    fill(head, h('tr', {}, COLUMNS.map((c) => h('th', {
      scope: 'col',
      class: c.text ? '' : 'num',
      'aria-sort': this.sort.key === c.key ? (this.sort.descending ? 'descending' : 'ascending') : 'none',
    }, h('button', { type: 'button', class: 'sort', 'data-sort': c.key, onclick: () => this.sortBy(c.key) }, c.label)))));
    const view = this.view;
    if (!view) return;
    meta.textContent = `${view.migration}: ${fmt.int(view.endpoints.length)} endpoints, ${fmt.int(view.requests)} requests since the first start, all instances. `
      + (view.learning ? 'Templates learned from traffic.' : 'Templates from configuration and id shapes only (Endpoints:Learn is off).');
    const covered = { matching: 0, differs: 0, unseen: 0 };
    const counts = { matching: 0, differs: 0, unseen: 0 };
    for (const e of view.endpoints) {
      covered[e.verdict] += e.share;
      counts[e.verdict] += 1;
    }
    fill(summary, ['matching', 'differs', 'unseen'].map((v) => h('span', { class: 'coverage-item', title: VERDICT_HELP[v] },
      h('span', { class: 'badge badge-' + v }, v), ` ${fmt.int(counts[v])} endpoints, ${fmt.percent(covered[v], 1)} of traffic`)));
    const column = COLUMNS.find((c) => c.key === this.sort.key);
    const sign = this.sort.descending ? -1 : 1;
    const rows = [...view.endpoints].sort((a, b) => {
      const x = column.value(a), y = column.value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * sign || b.requests - a.requests;
    });
    fill(body, rows.length === 0
      ? h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'muted' }, 'No traffic yet.'))
      : rows.map((e) => h('tr', { class: 'verdict-' + e.verdict, 'data-endpoint': `${e.method} ${e.template}` }, COLUMNS.map((c) => c.cell(e)))));
  }
}
