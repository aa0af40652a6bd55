// Tiny DOM helpers. Everything goes through createElement / textContent /
// setAttribute: server-provided strings are never parsed as HTML.

/**
 * h('div', { class: 'x', dataset: { testid: 'y' }, onclick: fn, 'aria-label': 'z' }, child, ...)
 * Children may be strings (become text nodes), Nodes, arrays, or null/undefined/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(parent, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.append(child);
    else parent.append(document.createTextNode(String(child)));
  }
}

/** Removes all children of el. */
export function clear(el) {
  el.replaceChildren();
}

/** Visually hidden text, still read by screen readers. */
export function srOnly(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

let idCounter = 0;
/** Unique DOM id (never derived from server data). */
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * Returns the URL string only if it is an http(s) URL, else ''. Relative URLs
 * are accepted (resolved against the page) only when allowRelative is true.
 */
export function safeHttpUrl(value, { allowRelative = false } = {}) {
  if (typeof value !== 'string' || value.trim() === '') return '';
  try {
    const url = allowRelative ? new URL(value.trim(), document.baseURI) : new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
  } catch {
    return '';
  }
}
