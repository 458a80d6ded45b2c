// Request and diff rates over the last hour, from polled cumulative counters; plain SVG, bounded memory.

const SVG = 'http://www.w3.org/2000/svg';
const WINDOW_MS = 60 * 60 * 1000;
// Window (seconds) → tick step (seconds).
const WINDOWS = [[60, 15], [300, 60], [900, 300], [1800, 600], [3600, 900]];

/** A fixed-capacity ring of { t, requests, diffs, comparisons } rates (per second). */
export class RateRing {
  constructor(capacity = 1800) {
    this.capacity = capacity;
    this.items = new Array(capacity);
    this.start = 0;
    this.length = 0;
    this.last = null;
  }

  /** Adds one poll of the migration's cumulative counters; the first poll only sets the baseline. */
  add(t, counters) {
    const totals = {
      requests: counters.legacyRequests + counters.candidateRequests,
      diffs: counters.diff,
      comparisons: counters.match + counters.diff + counters.noise,
    };
    const previous = this.last;
    this.last = { t, ...totals };
    if (!previous || t <= previous.t) return;
    const seconds = (t - previous.t) / 1000;
    // A counter that went down means the proxy restarted: count from zero again.
    const delta = (name) => Math.max(0, totals[name] >= previous[name] ? totals[name] - previous[name] : totals[name]) / seconds;
    this.push({ t, requests: delta('requests'), diffs: delta('diffs'), comparisons: delta('comparisons') });
  }

  push(point) {
    const index = (this.start + this.length) % this.capacity;
    this.items[index] = point;
    if (this.length < this.capacity) this.length++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The points of the last hour, oldest first. */
  points(now) {
    const result = [];
    for (let i = 0; i < this.length; i++) {
      const point = this.items[(this.start + i) % this.capacity];
      if (point.t >= now - WINDOW_MS) result.push(point);
    }
    return result;
  }
}

function el(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

const SERIES = [
  { name: 'requests', label: 'Requests/s', className: 'series-requests' },
  { name: 'comparisons', label: 'Comparisons/s', className: 'series-comparisons' },
  { name: 'diffs', label: 'Diffs/s', className: 'series-diffs' },
];

/** Draws the ring into `container` (replacing its content) and returns a one-line text summary. */
export function drawChart(container, ring, now = Date.now()) {
  const width = 560, height = 200, left = 44, right = 8, top = 10, bottom = 22;
  const points = ring.points(now);
  // Zoom to the data: the smallest of 1, 5, 15, 30 or 60 minutes that holds every point.
  const span = points.length ? now - points[0].t : 0;
  const [seconds, step] = WINDOWS.find(([w]) => w * 1000 >= span) || WINDOWS.at(-1);
  const windowMs = seconds * 1000;
  const minutes = seconds / 60;
  const max = niceMax(Math.max(0, ...points.flatMap((p) => SERIES.map((s) => p[s.name]))));
  const x = (t) => left + ((t - (now - windowMs)) / windowMs) * (width - left - right);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);

  const latest = points.at(-1);
  const summary = latest
    ? `Now: ${latest.requests.toFixed(1)} requests/s, ${latest.comparisons.toFixed(1)} comparisons/s, ${latest.diffs.toFixed(1)} diffs/s`
    : 'Collecting data: the chart fills while this page is open.';

  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Rates over the last ${minutes} minutes. ${summary}`, class: 'chart-svg' });
  for (let i = 0; i <= 4; i++) {
    const value = (max / 4) * i;
    svg.append(el('line', { x1: left, x2: width - right, y1: y(value), y2: y(value), class: 'grid' }));
    const label = el('text', { x: left - 6, y: y(value) + 4, class: 'axis', 'text-anchor': 'end' });
    label.textContent = Number.isInteger(value) ? String(value) : value.toFixed(1);
    svg.append(label);
  }
  for (let ago = seconds; ago >= 0; ago -= step) {
    const label = el('text', { x: x(now - ago * 1000), y: height - 6, class: 'axis', 'text-anchor': ago === seconds ? 'start' : ago === 0 ? 'end' : 'middle' });
    label.textContent = ago === 0 ? 'now' : seconds <= 60 ? `−${ago} s` : `−${ago / 60} min`;
    svg.append(label);
  }
  for (const series of SERIES) {
    if (points.length === 0) break;
    const path = points.map((p) => `${x(p.t).toFixed(1)},${y(p[series.name]).toFixed(1)}`).join(' ');
    svg.append(el('polyline', { points: path, class: 'series ' + series.className }));
    if (latest) svg.append(el('circle', { cx: x(latest.t), cy: y(latest[series.name]), r: 3, class: 'dot ' + series.className }));
  }
  container.replaceChildren(svg);
  return { summary, series: SERIES, latest, minutes };
}
