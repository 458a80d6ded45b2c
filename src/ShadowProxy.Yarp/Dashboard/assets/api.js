// The admin API client: Bearer key from session storage, problem+json errors as readable messages.

const KEY_STORAGE = 'shadowproxy.apiKey';
const OPEN_STORAGE = 'shadowproxy.open';
// Relative to this module (PREFIX/assets/api.js), so the dashboard works below any prefix.
const BASE = new URL('../api/v1', import.meta.url).pathname;

/** An API answer that was not 2xx; `message` is the problem+json `detail` when there is one. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(KEY_STORAGE); },
  get open() { return sessionStorage.getItem(OPEN_STORAGE) === '1'; },
  signIn(key) {
    sessionStorage.removeItem(OPEN_STORAGE);
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  signInOpen() {
    sessionStorage.removeItem(KEY_STORAGE);
    sessionStorage.setItem(OPEN_STORAGE, '1');
  },
  signOut() {
    sessionStorage.removeItem(KEY_STORAGE);
    sessionStorage.removeItem(OPEN_STORAGE);
  },
  get signedIn() { return this.key !== null || this.open; },
};

/** Calls `/api/v1` + path; returns the parsed JSON (or text); throws ApiError with the API's detail. */
export async function api(path, { method = 'GET', body, key = session.key, query } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let url = BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
    }
    const text = params.toString();
    if (text) url += '?' + text;
  }

  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch (error) {
    throw new ApiError(0, 'The admin API cannot be reached (' + error.message + '). Is the proxy running?');
  }

  const type = response.headers.get('Content-Type') || '';
  const payload = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const detail = payload && typeof payload === 'object' ? (payload.detail || payload.title) : payload;
    throw new ApiError(response.status, describe(response.status, detail));
  }
  return payload;
}

function describe(status, detail) {
  const prefix = {
    400: 'Invalid request',
    401: 'Not signed in',
    403: 'Not allowed',
    404: 'Not found',
    409: 'Not possible now',
    503: 'Unavailable',
  }[status] || 'Error ' + status;
  return detail ? `${prefix}: ${detail}` : prefix;
}

/** The caller's role, from GET /api/v1/whoami. */
export async function probeRole(key = session.key) {
  const me = await api('/whoami', { key });
  return me.role;
}
