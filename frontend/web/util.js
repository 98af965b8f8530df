// Small DOM and fetch helpers.

/** The service root the page was served from (ends with '/'). */
export const base = new URL('./', document.baseURI);

/** An absolute URL of a service path (given without a leading '/'). */
export function api(path, params) {
  const url = new URL(path, base);
  if (params) for (const [k, v] of params) url.searchParams.set(k, v);
  return url;
}

/** Fetches JSON, throwing an Error with the server's description on failure. */
export async function getJSON(url, options) {
  const res = await fetch(url, { headers: { Accept: 'application/json, application/geo+json' }, ...options });
  if (!res.ok) {
    let detail = res.statusText;
    try {
      detail = (await res.json()).description || detail;
    } catch { /* not JSON */ }
    throw new Error(`${res.status} ${detail}`);
  }
  return res.json();
}

/** Creates an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Returns fn delayed until `ms` after the last call. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Offers text as a file download. */
export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Formats a share 0..1 as a percentage. */
export function percent(share) {
  return share == null ? '—' : `${(share * 100).toFixed(share < 0.1 && share > 0 ? 1 : 0)}%`;
}
