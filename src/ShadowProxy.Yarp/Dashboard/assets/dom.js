// Small DOM and formatting helpers. Everything from the API goes in as text, never as markup.

/** Creates an element: h('td', { class: 'num', title: 'x' }, 'text', child, ...). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

export const $ = (id) => document.getElementById(id);

/** Replaces the children of `element` (an id or a node). */
export function fill(element, ...children) {
  const target = typeof element === 'string' ? $(element) : element;
  target.replaceChildren();
  append(target, children);
  return target;
}

export function show(id, visible) {
  const element = typeof id === 'string' ? $(id) : id;
  element.hidden = !visible;
}

const number = new Intl.NumberFormat('en-US');

export const fmt = {
  int: (value) => (value === null || value === undefined ? '–' : number.format(value)),
  percent(rate, digits = 2) {
    return rate === null || rate === undefined ? '–' : (rate * 100).toFixed(digits) + '%';
  },
  weight: (value) => (value === null || value === undefined ? '–' : `${Number(value)}%`),
  ms: (value) => (value === null || value === undefined ? '–' : Number(value).toFixed(1)),
  rate: (value) => (value === null || value === undefined ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(0)),
  duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    const s = Math.max(0, Math.round(seconds));
    const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
    if (d > 0) return `${d}d ${hh}h ${mm}m`;
    if (hh > 0) return `${hh}h ${mm}m`;
    if (mm > 0) return `${mm}m ${String(ss).padStart(2, '0')}s`;
    return `${ss}s`;
  },
  time(iso) {
    if (!iso) return '–';
    const date = new Date(iso);
    return date.toLocaleString('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  },
  ago(iso) {
    if (!iso) return '–';
    const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
    return seconds < 5 ? 'just now' : fmt.duration(seconds) + ' ago';
  },
};

/** A status or verdict as a coloured badge; the colour class comes from the value. */
export function badge(element, text, kind = text) {
  element.textContent = text;
  element.className = 'badge badge-' + String(kind).toLowerCase();
}

/** Runs `fn` at most once per `ms` after the last call. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
