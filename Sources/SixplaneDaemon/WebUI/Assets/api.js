// The local API as the UI calls it: paths come from the daemon's route table (/app/routes.json), the token from
// this browser session only.
let routes = null;

export class APIError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export const session = {
  get token() { return sessionStorage.getItem('sixplane.token'); },
  set token(value) { sessionStorage.setItem('sixplane.token', value); },
  clear() { sessionStorage.removeItem('sixplane.token'); },
};

export async function loadRoutes() {
  const r = await fetch('/app/routes.json');
  if (!r.ok) throw new APIError(r.status, 'the route table could not be loaded');
  routes = await r.json();
}

export function path(name, params = {}) {
  const template = routes?.[name];
  if (!template) throw new Error(`no route named ${name}`);
  return template.replace(/\{(\w+)\}/g, (_, key) => {
    if (params[key] === undefined) throw new Error(`route ${name} needs ${key}`);
    return encodeURIComponent(params[key]);
  });
}

export async function call(method, name, params = {}, { body, query } = {}) {
  const q = query ? Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '') : [];
  const url = path(name, params) + (q.length ? '?' + new URLSearchParams(q) : '');
  const headers = { 'X-ZT1-Auth': session.token ?? '' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new APIError(0, `the daemon did not answer (${e.message})`);
  }
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!r.ok) {
    const message = json?.error ?? (r.status === 401 ? 'the token was refused' : `${method} ${url} answered ${r.status}`);
    throw new APIError(r.status, message, json?.field);
  }
  return json;
}

export const get = (name, params, query) => call('GET', name, params, { query });
export const post = (name, params, body) => call('POST', name, params, { body: body ?? {} });
export const del = (name, params) => call('DELETE', name, params);
