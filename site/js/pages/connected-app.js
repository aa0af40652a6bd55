// A connected app's page (#/connected/:appId): what one app does in this
// account. Status and alerts (blocked connections, scopes the app now asks
// for that a connection was not granted, and the overview's erroring and
// silent states of its connections, with their reasons), its connections per
// location with their instance labels, the scopes of each connection
// (granted, requested by the app now, actually used in the last 30 days,
// missing), a "Re-authorise" action per connection that lacks scopes, and the
// app's recent app-log events.
//
// Data: GET /admin/v1/connections?appId= (this account's connections of the
// app), GET /admin/v1/apps/{id} (what a published app requests now), the
// account's own apps (../connect.js loadOwnApps: what an app this account
// registered requests, and its redirect URIs), GET /admin/v1/app-log?app=,
// GET /admin/v1/overview (the needs-attention entries of this app's
// connections: erroring, refused after a token change, callbacks failing,
// silent) and, per connection, GET /admin/v1/connections/{id}/activity
// (usedScopes: the permissions of its calls answered 2xx in the last 30
// days, and refusedScopes: those its calls were refused 403
// insufficient_scope for lacking, from the call-log roll-ups; a few
// requests at a time). A failed activity request
// shows "Unknown" in that connection's "Used" column; a failed overview
// leaves out those alerts with a note, the page still shows.
//
// Re-authorise (how the flow starts merchant-side, as Connect does in
// ../connect.js): for an app this account registered, the browser goes to
// GET /oauth2/v1/authorize with the app's first redirect URI, a random state
// (the location is remembered under it for the consent page), the
// connection's instance label as device_id, and the scope granted now plus
// the missing permissions: a grant replaces a connection's scope, so asking
// for the missing permissions alone would take away those already granted.
// For any other app Switchboard cannot know a redirect URI or a state the
// app's backend would accept, so the merchant re-authorises from the app's
// website (opened in a new tab), which sends them back to the consent page.
//
// The "Delivery log" section (after "Recent activity") lists the callbacks
// sent to the app about this account, from every connection, newest first:
// GET /admin/v1/apps/{id}/deliveries reads them from the account, so the
// callbacks of connections removed by a disconnect (whose rows are gone from
// the Connections page) stay reachable here, with Redeliver
// (../delivery-log.js).

import { h, clear, srOnly, uid } from '../dom.js';
import { apiGet } from '../api.js';
import { getSession } from '../session.js';
import { str, strList, canManage, normalizeApp, renderStatusBadge, timeElement, randomToken, connectTargetKey } from '../app-ui.js';
import { parseScope, describePermission, formatScope } from '../permissions.js';
import { loadOwnApps } from '../connect.js';
import { renderEventRow, eventTableHead, locationText } from './app-log.js';
import { renderDeliveryLog } from '../delivery-log.js';
import { renderEndpointStatus } from '../endpoint-health.js';

const RECENT_EVENTS = 10;
// Activity requests in flight at once (one per connection, for used scopes).
const ACTIVITY_CONCURRENCY = 4;
// The overview's reasons shown as alerts here (re-authorisation has its own,
// computed on this page from the scopes).
const HEALTH_ALERTS = {
  erroring: { testid: 'alert-erroring', label: 'Erroring' },
  auth_failures: { testid: 'alert-erroring', label: 'Refused after a token change' },
  callback_failures: { testid: 'alert-erroring', label: 'Callbacks failing' },
  silent: { testid: 'alert-silent', label: 'Silent' },
};

/**
 * The scopes of one connection against what the app requests now and what
 * it used in the last 30 days: rows of { permission, granted, requested,
 * used } and the missing permissions. requested (used) is null when what
 * the app requests (used) is unknown.
 */
export function compareScopes(grantedScope, requested, used = null, refused = null) {
  const granted = parseScope(grantedScope).permissions;
  const all = [...granted];
  for (const p of [...(requested || []), ...(used || []), ...(refused || [])]) if (!all.includes(p)) all.push(p);
  const rows = all.map((permission) => ({
    permission,
    granted: granted.includes(permission),
    requested: requested ? requested.includes(permission) : null,
    used: used ? used.includes(permission) : null,
    refused: refused ? refused.includes(permission) : null,
  }));
  const missing = requested ? requested.filter((p) => !granted.includes(p)) : [];
  return { rows, missing, granted };
}

/**
 * What the "Requested by the app now" cell says: "No longer" only for a
 * permission granted once that the app's current registration leaves out;
 * one the app never requested (seen only in refused calls) is "No".
 */
export function requestedText(row) {
  if (row.requested === null) return 'Unknown';
  if (row.requested) return 'Yes';
  return row.granted ? 'No longer' : 'No';
}

export function renderConnectedApp(outlet, { params, signal }) {
  const appId = params.id || '';
  const session = getSession();
  const locations = session ? session.locations : [];
  const timeZone = session && session.account ? session.account.timeZone : '';
  const manager = canManage(session);

  const title = h('h1', { class: 'page-title', dataset: { testid: 'connected-app-name' } }, 'Connected app');
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { class: 'connected-app' });
  outlet.append(
    h('p', { class: 'log-back' }, h('a', { href: '#/connections' }, '← Connections')),
    title, status, body);

  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort());

  async function load() {
    clear(body);
    status.textContent = 'Loading the app…';
    const connsRequest = apiGet('/admin/v1/connections', { appId }, { signal: controller.signal });
    // The scopes each connection used follow its list, alongside the rest.
    const usedRequest = connsRequest.then((v) => loadUsedScopes(connectionList(v)));
    const [conns, ownApps, events, overview, used] = await Promise.allSettled([
      connsRequest,
      loadOwnApps(controller.signal),
      apiGet('/admin/v1/app-log', { app: appId, limit: RECENT_EVENTS }, { signal: controller.signal }),
      apiGet('/admin/v1/overview', {}, { signal: controller.signal }),
      usedRequest,
    ]);
    if (controller.signal.aborted) return;
    const own = ownApps.status === 'fulfilled' ? ownApps.value.get(appId) || null : null;
    // The catalog answers for published apps only: an app this account
    // registered is read from its developer view instead.
    let app = own;
    if (!own) {
      try {
        app = normalizeApp(await apiGet(`/admin/v1/apps/${encodeURIComponent(appId)}`, {}, { signal: controller.signal }));
      } catch {
        if (controller.signal.aborted) return;
        app = null; // unpublished or removed: what it requests now is unknown
      }
    }
    status.textContent = '';
    if (conns.status === 'rejected') {
      showError(conns.reason);
      return;
    }
    const connections = connectionList(conns.value);
    show({
      connections, app, own, events: events.status === 'fulfilled' ? events.value : null, eventsError: events.reason,
      health: overview.status === 'fulfilled' ? healthAlerts(overview.value) : null,
      used: used.status === 'fulfilled' ? used.value : new Map(),
    });
  }

  /** The needs-attention entries of this app's connections shown as alerts. */
  function healthAlerts(o) {
    const list = o && Array.isArray(o.needsAttention) ? o.needsAttention : [];
    return list.filter((a) => a && typeof a === 'object' && str(a.appId) === appId && HEALTH_ALERTS[str(a.reason)]);
  }

  /**
   * connection id → the permissions it used in the last 30 days; a
   * connection whose activity could not be read is left out (unknown).
   */
  async function loadUsedScopes(connections) {
    const used = new Map();
    const queue = connections.map((c) => str(c.id)).filter(Boolean);
    const worker = async () => {
      while (queue.length && !controller.signal.aborted) {
        const id = queue.shift();
        try {
          const a = await apiGet(`/admin/v1/connections/${encodeURIComponent(id)}/activity`, { days: 30 }, { signal: controller.signal });
          if (Array.isArray(a.usedScopes)) {
            used.set(id, { used: strList(a.usedScopes), refused: Array.isArray(a.refusedScopes) ? strList(a.refusedScopes) : null });
          }
        } catch { /* unknown for this connection */ }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ACTIVITY_CONCURRENCY, queue.length) }, worker));
    return used;
  }

  function show({ connections, app, own, events, eventsError, health, used }) {
    const name = (app && app.name) || str(connections[0] && connections[0].appName) || appId;
    title.textContent = name;
    const at = document.title.indexOf(' · ');
    document.title = `${name}${at >= 0 ? document.title.slice(at) : ''}`;
    const requested = app ? strList(app.scopes) : null;
    const rows = connections.map((c) => {
      const u = used.get(str(c.id));
      return { c, scopes: compareScopes(str(c.scope), requested, u ? u.used : null, u ? u.refused : null) };
    });

    body.append(
      renderSummary(rows, app, health),
      renderConnections(rows, { app, own, requested, name }),
      renderRecent(events, eventsError),
      renderDeliveries(connections, app),
    );
  }

  function renderDeliveries(connections, app) {
    const headingId = uid('deliveries');
    const byId = new Map(connections.map((c) => [str(c.id), c]));
    const base = `/admin/v1/apps/${encodeURIComponent(appId)}/deliveries`;
    return h('section', { class: 'app-page__section', 'aria-labelledby': headingId, dataset: { testid: 'connected-app-deliveries' } },
      h('h2', { class: 'section-title', id: headingId }, 'Delivery log'),
      h('p', { class: 'muted' }, 'The callbacks Switchboard sent to this app about your account, including those of connections you disconnected. Failed callbacks are retried for about a day.'),
      app ? renderEndpointStatus(app.callbackEndpoint) : null,
      renderDeliveryLog({
        listPath: base,
        redeliverPath: `${base}/redeliver`,
        canManage: manager,
        timeZone,
        signal: controller.signal,
        emptyText: 'No callback was sent to this app about your account.',
        describeConnection: (d) => {
          const c = byId.get(str(d.connectionId));
          if (c) return `Connection to ${targetText(c)}`;
          const where = locationText(str(d.locationId), locations);
          return `Removed connection to ${where}`;
        },
      }));
  }

  function renderSummary(rows, app, health) {
    const blocked = rows.filter((r) => str(r.c.status) === 'blocked');
    const lacking = rows.filter((r) => r.scopes.missing.length > 0 && str(r.c.status) !== 'revoked');
    const revoked = rows.filter((r) => str(r.c.status) === 'revoked');
    const alerts = [];
    const byId = new Map(rows.map((r) => [str(r.c.id), r.c]));
    for (const a of health || []) {
      const kind = HEALTH_ALERTS[str(a.reason)];
      const c = byId.get(str(a.connectionId));
      const target = c ? targetText(c) : locationText(str(a.locationId), locations);
      alerts.push(h('li', { dataset: { testid: kind.testid, connectionId: str(a.connectionId), reason: str(a.reason) } },
        h('strong', {}, `${kind.label}: `), `the connection to ${target}. `, str(a.message), ' ', str(a.action), ' ',
        healthAction(a, target)));
    }
    for (const r of blocked) {
      alerts.push(h('li', { dataset: { testid: 'alert-blocked', connectionId: str(r.c.id) } },
        `Blocked: the connection to ${targetText(r.c)} cannot call the API until it is unblocked.`));
    }
    for (const r of revoked) {
      alerts.push(h('li', { dataset: { testid: 'alert-revoked', connectionId: str(r.c.id) } },
        `Needs re-authorisation: the app's access token for the connection to ${targetText(r.c)} was revoked; it cannot call the API until it is authorised again.`));
    }
    for (const r of lacking) {
      alerts.push(h('li', { dataset: { testid: 'alert-missing-scopes', connectionId: str(r.c.id) } },
        `Needs re-authorisation: the connection to ${targetText(r.c)} was not granted `,
        r.scopes.missing.map((p, i) => [i ? ', ' : '', h('code', {}, p)]),
        ', which the app now asks for.'));
    }
    const n = rows.length;
    const headingId = uid('summary');
    return h('section', { class: 'app-page__section', 'aria-labelledby': headingId, dataset: { testid: 'connected-app-summary' } },
      h('h2', { class: 'section-title', id: headingId }, 'Status'),
      h('p', { dataset: { testid: 'connected-app-status' } },
        n === 0 ? 'Not connected to this account.'
          : `${n} ${n === 1 ? 'connection' : 'connections'}: ${n - blocked.length} active, ${blocked.length} blocked.`),
      app ? null : h('p', { class: 'muted' }, 'This app is no longer in the catalog: what it asks for now is unknown.'),
      health || n === 0 ? null : h('p', { class: 'muted', dataset: { testid: 'connected-app-health-unknown' } },
        'Whether its connections are erroring or silent could not be checked: reload the page to try again.'),
      alerts.length
        ? h('ul', { class: 'connected-alerts', role: 'list', dataset: { testid: 'connected-app-alerts' } }, alerts)
        : (n ? h('p', { class: 'muted', dataset: { testid: 'connected-app-no-alerts' } }, 'No alerts.') : null),
    );
  }

  /** The link an overview entry's action code leads to. */
  function healthAction(a, target) {
    const id = encodeURIComponent(str(a.connectionId));
    let href = `#/connections/${id}/activity`;
    let text = 'View activity';
    if (str(a.actionCode) === 'view_logs') {
      href = `#/connections/${id}/logs?status=5xx`;
      text = 'View failing calls';
    } else if (str(a.reason) === 'auth_failures') {
      href = `#/connections/${id}/logs?${new URLSearchParams({ status: '4xx' })}`;
      text = 'View refused calls';
    }
    return h('a', { href, dataset: { testid: 'alert-action' } }, text, srOnly(` of the connection to ${target}`));
  }

  function targetText(c) {
    const where = locationText(str(c.locationId), locations);
    return str(c.instanceLabel) ? `${where} (${str(c.instanceLabel)})` : where;
  }

  function renderConnections(rows, ctx) {
    const headingId = uid('conns');
    const section = h('section', { class: 'app-page__section', 'aria-labelledby': headingId },
      h('h2', { class: 'section-title', id: headingId }, 'Connections and permissions'));
    if (rows.length === 0) {
      section.append(h('div', { class: 'panel panel--empty', dataset: { testid: 'connected-app-empty' } },
        h('p', { class: 'panel__text' }, 'This app has no connection in your account.'),
        h('a', { class: 'btn btn--secondary', href: `#/apps/${encodeURIComponent(appId)}` }, 'See the app')));
      return section;
    }
    // Grouped by location, account-level connections first.
    const order = ['', ...locations.map((l) => l.id)];
    const rank = (c) => {
      const i = order.indexOf(str(c.locationId));
      return i < 0 ? order.length : i;
    };
    rows.sort((a, b) => rank(a.c) - rank(b.c) || str(a.c.instanceLabel).localeCompare(str(b.c.instanceLabel)));
    for (const r of rows) section.append(renderConnection(r, ctx));
    return section;
  }

  function renderConnection({ c, scopes }, { app, own, requested, name }) {
    const id = str(c.id);
    const headingId = uid('conn');
    const scopeTable = h('table', { class: 'table scope-table', dataset: { testid: 'scope-table' } },
      h('caption', { class: 'visually-hidden' }, `Permissions of the connection to ${targetText(c)}`),
      h('thead', {}, h('tr', {}, ['Permission', 'Granted', 'Requested by the app now', 'Used in the last 30 days', 'Refused for lack of it (30 days)'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, scopes.rows.map((row) => h('tr', {
        dataset: {
          testid: 'scope-row', permission: row.permission, granted: String(row.granted), requested: String(row.requested), used: String(row.used), refused: String(row.refused),
        },
        class: row.requested && !row.granted ? 'scope-row--missing' : '',
      },
      h('td', {}, h('span', {}, describePermission(row.permission)), ' ', h('code', { class: 'perm-list__code' }, row.permission)),
      h('td', { dataset: { testid: 'scope-granted' } }, row.granted ? 'Yes' : h('strong', {}, 'No')),
      h('td', { dataset: { testid: 'scope-requested' } }, requestedText(row)),
      h('td', { dataset: { testid: 'scope-used' } },
        row.used === null ? h('span', { class: 'muted' }, 'Unknown')
          : row.used ? 'Yes' : h('span', { class: 'muted' }, row.granted ? 'No (granted, unused)' : 'No')),
      h('td', { dataset: { testid: 'scope-refused' } },
        row.refused === null ? h('span', { class: 'muted' }, 'Unknown')
          : row.refused ? h('strong', {}, 'Yes') : h('span', { class: 'muted' }, 'No'))))));
    return h('article', { class: 'connected-conn', 'aria-labelledby': headingId, dataset: { testid: 'connected-connection', connectionId: id } },
      h('div', { class: 'connected-conn__head' },
        h('h3', { class: 'connected-conn__title', id: headingId },
          h('span', { dataset: { testid: 'connected-target' } }, locationText(str(c.locationId), locations)),
          str(c.instanceLabel) ? h('span', { class: 'muted', dataset: { testid: 'connected-instance' } }, ` · ${str(c.instanceLabel)}`) : null),
        renderStatusBadge(str(c.status))),
      h('dl', { class: 'log-header' },
        h('dt', {}, 'Connected'), h('dd', {}, timeElement(str(c.connectedAt), timeZone) || '—'),
        h('dt', {}, 'Last activity'), h('dd', {}, timeElement(str(c.lastUsedAt), timeZone) || 'never'),
        h('dt', {}, 'Missing'), h('dd', { dataset: { testid: 'scopes-missing' } },
          requested === null ? 'Unknown'
            : scopes.missing.length ? scopes.missing.map((p, i) => [i ? ', ' : '', h('code', {}, p)]) : 'None')),
      h('div', { class: 'table-wrap' }, scopeTable),
      h('div', { class: 'conn-actions' },
        scopes.missing.length || str(c.status) === 'revoked' ? reauthorise(c, scopes, { app, own, name }) : null,
        h('a', { class: 'btn btn--secondary btn--small', href: `#/connections/${encodeURIComponent(id)}/logs`, dataset: { testid: 'view-logs' } },
          'View logs', srOnly(` of the connection to ${targetText(c)}`))),
    );
  }

  /** The Re-authorise action of a connection missing scopes (see the header). */
  function reauthorise(c, scopes, { app, own, name }) {
    const level = str(c.level) || (app ? app.level : '');
    const want = [...scopes.granted, ...scopes.missing];
    const direct = Boolean(own && own.redirectUris.length);
    let reason = '';
    if (!manager) reason = 'Only admins can re-authorise apps.';
    else if (!direct && !(app && app.website)) reason = 'This app has no website to re-authorise from. Contact its developer.';
    const noteId = uid('reauth-note');
    const button = h('button', {
      type: 'button', class: 'btn btn--primary btn--small', disabled: Boolean(reason), 'aria-describedby': noteId,
      dataset: { testid: 'reauthorise' },
    }, 'Re-authorise', srOnly(` ${name} for ${targetText(c)}`));
    const what = scopes.missing.length ? `add ${scopes.missing.join(', ')}` : 'give the app its access back';
    const note = h('p', { class: 'connect-note', id: noteId, dataset: { testid: 'reauthorise-note' } },
      reason || (direct
        ? `Opens the consent page to ${what}; the permissions already granted are kept.`
        : `Opens ${name}’s website in a new tab: start the re-authorisation there to ${what}.`));
    button.addEventListener('click', () => {
      if (reason) return;
      if (!direct) {
        window.open(app.website, '_blank', 'noopener,noreferrer');
        return;
      }
      const oauthState = randomToken();
      try {
        sessionStorage.setItem(connectTargetKey(oauthState), str(c.locationId));
      } catch { /* storage unavailable: the consent page asks for the location */ }
      const q = new URLSearchParams({
        client_id: own.id,
        redirect_uri: own.redirectUris[0],
        response_type: 'code',
        scope: formatScope(level, want),
        state: oauthState,
      });
      if (str(c.instanceLabel)) q.set('device_id', str(c.instanceLabel));
      window.location.assign(`/oauth2/v1/authorize?${q}`);
    });
    return h('div', { class: 'connected-reauth' }, button, note);
  }

  function renderRecent(events, err) {
    const headingId = uid('recent');
    const section = h('section', { class: 'app-page__section', 'aria-labelledby': headingId, dataset: { testid: 'connected-app-activity' } },
      h('div', { class: 'page-header--split' },
        h('h2', { class: 'section-title', id: headingId }, 'Recent activity'),
        h('a', { href: `#/app-log?${new URLSearchParams({ app: appId })}`, dataset: { testid: 'see-app-log' } }, 'See all in the app log')));
    if (!events) {
      section.append(h('p', { class: 'muted', role: 'alert' }, `Couldn’t load the activity: ${err && err.message ? err.message : 'something went wrong.'}`));
      return section;
    }
    const list = Array.isArray(events.events) ? events.events.filter((e) => e && typeof e === 'object') : [];
    if (list.length === 0) {
      section.append(h('p', { class: 'muted' }, 'No activity recorded for this app.'));
      return section;
    }
    section.append(h('div', { class: 'table-wrap' },
      h('table', { class: 'table', dataset: { testid: 'connected-app-events' } },
        h('caption', { class: 'visually-hidden' }, 'Recent activity of this app, newest first'),
        eventTableHead({ showApp: false }),
        h('tbody', {}, list.map((e) => renderEventRow(e, { timeZone, locations, showApp: false }))))));
    return section;
  }

  function showError(err) {
    clear(body);
    const retry = h('button', { type: 'button', class: 'btn btn--primary', onclick: () => load() }, 'Retry');
    body.append(h('div', { class: 'panel panel--error', role: 'alert', dataset: { testid: 'connected-app-error' } },
      h('h2', { class: 'panel__title' }, 'Couldn’t load this app'),
      h('p', { class: 'panel__text' }, err && err.message ? err.message : 'Something went wrong.'),
      retry));
  }

  load();
  return () => controller.abort();
}

function connectionList(page) {
  return (page && Array.isArray(page.connections) ? page.connections : []).filter((c) => c && typeof c === 'object');
}
