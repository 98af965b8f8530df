// Signing in to edit: the planner's token is kept in sessionStorage (for
// this tab, gone when it closes) and sent only as an Authorization header
// on writes. It is never put in a URL, the page's state or a log.

import { api } from './util.js';

const KEY = 'planmap.editToken';

/** The stored token, or null. */
export function token() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: signing in lasts until the page reloads
  }
}

let memory = null;

/** The token to send: sessionStorage's, or the in-memory one when storage is off. */
function current() {
  return token() ?? memory;
}

export function setToken(secret) {
  memory = secret;
  try {
    sessionStorage.setItem(KEY, secret);
  } catch { /* kept in memory only */ }
}

export function clearToken() {
  memory = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch { /* nothing stored */ }
}

/** Whether a token is held. */
export function signedIn() {
  return Boolean(current());
}

/** Request headers with Authorization added when signed in. */
export function authHeaders(headers = {}) {
  const secret = current();
  return secret ? { ...headers, Authorization: `Bearer ${secret}` } : { ...headers };
}

/**
 * Checks a token without changing anything. It sends the token on a POST
 * to a collection's items whose Content-Type no server accepts for a
 * feature, with an empty body: planmap checks the token before it reads
 * the body, so the answer is 401 (unknown token), 403 (a viewer's token),
 * 405 (the data is read-only), or — the token is an editor's — 415 (or 400
 * from a server that reads the empty body). No feature can be created by an
 * empty body, whatever the server.
 *
 * Returns {ok: true} or {ok: false, reason: 'unknown'|'viewer'|'readonly'|'error', description}.
 */
export async function checkToken(secret, collectionId) {
  let res;
  try {
    res = await fetch(api(`collections/${encodeURIComponent(collectionId)}/items`), {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/x-planmap-sign-in-check', Accept: 'application/json' },
      body: '',
      cache: 'no-store',
    });
  } catch (err) {
    return { ok: false, reason: 'error', description: String(err.message || err) };
  }
  let description = '';
  try {
    description = (await res.json()).description || '';
  } catch { /* no body */ }
  if (res.status === 415 || res.status === 400) return { ok: true };
  const reason = { 401: 'unknown', 403: 'viewer', 405: 'readonly' }[res.status] || 'error';
  return { ok: false, reason, description: description || `${res.status} ${res.statusText}` };
}
