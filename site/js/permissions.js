// OAuth scopes in plain language, and the scope grammar the API uses:
//   `location[orders.read,orders.write]`, `account[customers.read]`, `profile`
// (items separated by commas, spaces or '+'; one level at most).

export const RESOURCES = [
  { value: 'orders', label: 'Orders' },
  { value: 'customers', label: 'Customers' },
  { value: 'catalog', label: 'Catalog' },
];

const WORDING = {
  'orders.read': 'See orders and their details',
  'orders.write': 'Create and update orders',
  'customers.read': 'See customers and their contact details',
  'customers.write': 'Create and update customers',
  'catalog.read': 'See your catalog: products, prices and options',
  'catalog.write': 'Create and update your catalog: products, prices and options',
};

export const PROFILE_WORDING = 'See your name and email address';

export function isPermission(value) {
  return Object.prototype.hasOwnProperty.call(WORDING, value);
}

/** Plain words for one permission ('orders.write' → 'Create and update orders'). */
export function describePermission(permission) {
  return WORDING[permission] || permission;
}

/**
 * Parses a scope string. Never throws: returns
 * { level: 'account'|'location'|'', permissions: [...], profile: bool, valid: bool }.
 */
export function parseScope(raw) {
  const result = { level: '', permissions: [], profile: false, valid: true };
  if (typeof raw !== 'string' || !raw.trim()) return { ...result, valid: false };
  const items = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i];
    if (ch === '[') depth += 1;
    else if (ch === ']') depth -= 1;
    else if ((ch === ',' || ch === ' ' || ch === '+') && depth === 0) {
      items.push(raw.slice(start, i));
      start = i + 1;
    }
    if (depth < 0 || depth > 1) result.valid = false;
  }
  if (depth !== 0) result.valid = false;
  items.push(raw.slice(start));
  for (const item of items.map((s) => s.trim()).filter(Boolean)) {
    if (item === 'profile') {
      result.profile = true;
      continue;
    }
    const match = /^(account|location)\[(.*)\]$/.exec(item);
    if (!match || result.level) {
      result.valid = false;
      continue;
    }
    result.level = match[1];
    for (const p of match[2].split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!isPermission(p)) result.valid = false;
      if (!result.permissions.includes(p)) result.permissions.push(p);
    }
  }
  return result;
}

/** Builds `level[p1,p2]` from a level and permissions. */
export function formatScope(level, permissions) {
  return `${level}[${permissions.join(',')}]`;
}
