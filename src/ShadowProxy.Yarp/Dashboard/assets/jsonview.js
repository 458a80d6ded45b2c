// Pretty-prints a response body into lines that know their difference path ($.items[2].price, line:N),
// so that the differences of a sample can be marked on the exact lines they name.

import { h } from './dom.js';

const PLAIN_NAME = /^[A-Za-z0-9_-]+$/;

/** The path of a property below `parent`, spelled as the diff engine spells it. */
export function childPath(parent, name) {
  return PLAIN_NAME.test(name) ? `${parent}.${name}` : `${parent}['${name.replace(/[\\']/g, (c) => '\\' + c)}']`;
}

/**
 * Lines of pretty JSON, numbers and strings exactly as sent (12.50 stays 12.50), each with its path.
 * Returns null when the text is not JSON.
 */
export function jsonLines(text) {
  try {
    JSON.parse(text);
  } catch {
    return null;
  }
  const lines = [];
  let i = 0;
  const space = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const scalar = () => {
    const start = i;
    if (text[i] === '"') {
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else {
      while (i < text.length && !',]} \t\r\n'.includes(text[i])) i++;
    }
    return text.slice(start, i);
  };
  // Writes the value at `path`; `prefix` is the '"key": ' part, `depth` the indent level.
  const value = (path, prefix, depth) => {
    space();
    const open = text[i];
    if (open !== '{' && open !== '[') {
      lines.push({ path, depth, text: prefix + scalar() });
      return;
    }
    const close = open === '{' ? '}' : ']';
    i++;
    space();
    if (text[i] === close) {
      i++;
      lines.push({ path, depth, text: prefix + open + close });
      return;
    }
    lines.push({ path, depth, text: prefix + open });
    for (let index = 0; ; index++) {
      space();
      if (open === '{') {
        const key = scalar();
        space();
        i++; // ':'
        value(childPath(path, JSON.parse(key)), key + ': ', depth + 1);
      } else {
        value(`${path}[${index}]`, '', depth + 1);
      }
      space();
      if (text[i] === ',') {
        lines.at(-1).text += ',';
        i++;
        continue;
      }
      i++; // the closing bracket
      break;
    }
    lines.push({ path, depth, text: close, closing: true });
  };
  value('$', '', 0);
  return lines;
}

/**
 * How a line at `path` relates to the difference paths: 'exact', 'noise' (exactly, but only noise),
 * 'inside' (a descendant of a difference) or ''.
 */
export function markOf(path, differences) {
  let mark = '';
  for (const difference of differences) {
    if (path === difference.path) {
      if (!difference.isNoise) return 'exact';
      mark = 'noise';
      continue;
    }
    if (difference.isNoise) continue;
    if (mark === '' && difference.kind !== 'ArrayLength' && path.startsWith(difference.path) && '.['.includes(path[difference.path.length])) mark = 'inside';
  }
  return mark;
}

function lineElement(text, path, mark, depth = 0) {
  return h('span', {
    class: 'line' + ({ exact: ' diff-hl', inside: ' diff-hl-inner', noise: ' diff-noise' }[mark] || ''),
    title: path || undefined,
    dataset: path ? { path } : undefined,
  }, '  '.repeat(depth) + text);
}

/** A body as a <pre> of lines, with the lines that differences name marked. */
export function renderBody(body, differences) {
  if (!body) return h('p', { class: 'muted' }, 'No body.');
  const notes = [];
  if (body.truncated) notes.push(h('p', { class: 'note' }, `Truncated: the stored sample keeps the first part of ${body.length} bytes.`));
  if (body.base64) {
    return h('div', {}, notes, h('p', { class: 'muted' }, `Binary body, ${body.length} bytes (shown as base64).`),
      h('pre', { class: 'code' }, body.content.slice(0, 4096)));
  }

  const bodyDiff = differences.some((d) => !d.isNoise && (d.path === 'body' || d.path === '$'));
  const json = body.truncated ? null : jsonLines(body.content);
  let lines;
  if (json) {
    lines = json.map((line) => lineElement(line.text, line.closing ? '' : line.path, bodyDiff ? 'inside' : markOf(line.path, differences), line.depth));
  } else {
    lines = body.content.split('\n').map((text, index) => {
      const path = `line:${index + 1}`;
      return lineElement(text, path, bodyDiff ? 'inside' : markOf(path, differences));
    });
  }
  const pre = h('pre', { class: 'code', tabindex: '0', 'aria-label': 'Body' });
  lines.forEach((line, index) => pre.append(line, index < lines.length - 1 ? '\n' : ''));
  return h('div', {}, notes, pre);
}
