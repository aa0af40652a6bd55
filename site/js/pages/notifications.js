// Notifications (#/notifications, #/notifications/:id): the account's digest
// rules, like HubSpot's connected-apps notifications. Everyone sees the
// rules and the address digests come from; super admins and admins also get
// the create wizard (name, type and frequency → apps → recipients), and each
// rule's Actions menu (edit, delete with a confirmation). #/notifications/:id
// is the page a digest's footer and List-Unsubscribe header point at: the
// rule, read-only, with the same actions for admins.
//
// Every change goes through apiRequest (js/api.js), which adds X-CSRF-Token;
// the API enforces the same roles and validation, and its message is shown
// as worded.

import { h, clear, uid } from '../dom.js';
import { apiGet, apiRequest } from '../api.js';

const TYPES = [
  { value: 'install', label: 'App installed', help: 'A connection is installed or reinstalled.' },
  { value: 'disconnect', label: 'App disconnected', help: 'A connection is blocked and loses access.' },
  { value: 'uninstall', label: 'App uninstalled', help: 'A connection is removed.' },
  { value: 'errors', label: 'App errors', help: 'A connection starts failing its calls.' },
  { value: 'rate_limit', label: 'Near a rate limit', help: 'A connection passes 80 % of its per-minute, per-hour or per-day limit; each connection once per digest.' },
];
const FREQUENCIES = [
  { value: 'hourly', label: 'Once an hour' },
  { value: 'daily', label: 'Once a day' },
  { value: 'weekly', label: 'Once a week (Mondays)' },
  { value: 'monthly', label: 'Once a month (the 1st)' },
];
const MODES = [
  { value: 'super_admins', label: 'Super admins only' },
  { value: 'everyone', label: 'Everyone in the account' },
  { value: 'specific', label: 'Specific users and teams' },
];
const CATALOG_PAGE = 100;
const CATALOG_MAX_PAGES = 20;

function str(value) {
  return typeof value === 'string' ? value : '';
}

function ids(list) {
  return Array.isArray(list) ? list.filter((id) => typeof id === 'string') : [];
}

function labelOf(list, value) {
  const item = list.find((x) => x.value === value);
  return item ? item.label : value;
}

function normalizeRule(r) {
  const recipients = r.recipients && typeof r.recipients === 'object' ? r.recipients : {};
  return {
    id: str(r.id),
    name: str(r.name),
    type: str(r.type),
    frequency: str(r.frequency),
    allApps: r.allApps === true,
    appIds: ids(r.appIds),
    recipients: { mode: str(recipients.mode), userIds: ids(recipients.userIds), teamIds: ids(recipients.teamIds) },
    version: Number.isInteger(r.version) ? r.version : 0,
  };
}

/** Loads rules, sender, apps, users and teams: what every view names. */
async function loadAll(signal) {
  const [rules, users, teams] = await Promise.all([
    apiGet('/admin/v1/notifications', {}, { signal }),
    apiGet('/admin/v1/users', {}, { signal }),
    apiGet('/admin/v1/teams', {}, { signal }),
  ]);
  const apps = new Map();
  let cursor = '';
  for (let i = 0; i < CATALOG_MAX_PAGES; i += 1) {
    const page = await apiGet('/admin/v1/apps', { limit: CATALOG_PAGE, cursor }, { signal });
    for (const app of Array.isArray(page.apps) ? page.apps : []) {
      if (app && typeof app === 'object' && str(app.id)) apps.set(app.id, str(app.name) || app.id);
    }
    cursor = str(page.nextCursor);
    if (!cursor) break;
  }
  if (!Array.isArray(rules.rules)) throw new Error('The server returned an unexpected response.');
  return {
    rules: rules.rules.filter((r) => r && typeof r === 'object').map(normalizeRule),
    sender: str(rules.senderAddress),
    canManage: rules.canManage === true,
    apps,
    users: (Array.isArray(users.users) ? users.users : []).filter((u) => u && str(u.id))
      .map((u) => ({ id: u.id, name: str(u.name) || str(u.email), status: str(u.status) })),
    teams: (Array.isArray(teams.teams) ? teams.teams : []).filter((t) => t && str(t.id))
      .map((t) => ({ id: t.id, name: str(t.name) })),
  };
}

function appsText(rule, data) {
  if (rule.allApps) return 'All apps';
  return rule.appIds.map((id) => data.apps.get(id) || id).join(', ');
}

function recipientsText(rule, data) {
  if (rule.recipients.mode !== 'specific') return labelOf(MODES, rule.recipients.mode);
  const names = [
    ...rule.recipients.userIds.map((id) => (data.users.find((u) => u.id === id) || { name: 'Unknown user' }).name),
    ...rule.recipients.teamIds.map((id) => `${(data.teams.find((t) => t.id === id) || { name: 'Unknown team' }).name} (team)`),
  ];
  return names.join(', ');
}

/** The notifications page: the list, and the wizard for admins. */
export function renderNotifications(outlet, ctx) {
  renderPage(outlet, ctx, '');
}

/** One rule's page: where a digest's footer links to. */
export function renderNotificationRule(outlet, ctx) {
  renderPage(outlet, ctx, str(ctx.params && ctx.params.id));
}

function renderPage(outlet, { signal }, ruleId) {
  let data = null;
  const alert = h('div', { class: 'form-error notif-alert', role: 'alert', dataset: { testid: 'notifications-error' } });
  const status = h('p', { class: 'results-status', role: 'status', 'aria-live': 'polite' });
  const sender = h('p', { class: 'page-lead notif-sender' });
  const toolbar = h('div', { class: 'notif-toolbar' });
  const wizardSlot = h('div', { class: 'notif-wizard-slot' });
  const body = h('div', { class: 'notif-body' }, h('p', { class: 'muted' }, 'Loading notification rules…'));

  outlet.append(
    h('div', { class: 'page-header' },
      h('h1', { class: 'page-title' }, ruleId ? 'Notification rule' : 'Notifications'),
      h('p', { class: 'page-lead' }, 'Rules send a digest email of your apps’ installs, disconnections, uninstalls, errors or connections near their rate limits, as often as you choose.'),
      sender,
    ),
    alert, status, toolbar, wizardSlot, body,
  );

  function showError(message) {
    alert.textContent = message;
  }

  async function load() {
    try {
      data = await loadAll(signal);
      if (signal.aborted) return;
      clear(sender);
      if (data.sender) {
        sender.append('Digests are sent from ', h('strong', { dataset: { testid: 'sender-address' } }, data.sender), '.');
      }
      renderToolbar();
      renderBody();
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      showError(`Couldn’t load notification rules: ${err.message || 'something went wrong.'}`);
      clear(body);
      body.append(h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => { showError(''); load(); } }, 'Retry'));
    }
  }

  function renderToolbar() {
    clear(toolbar);
    if (ruleId) {
      toolbar.append(h('a', { href: '#/notifications', class: 'notif-back' }, '← All notification rules'));
      return;
    }
    if (!data.canManage) {
      toolbar.append(h('p', { class: 'muted', dataset: { testid: 'read-only-note' } }, 'Only admins can create, edit or delete rules.'));
      return;
    }
    toolbar.append(h('button', {
      type: 'button', class: 'btn btn--primary', dataset: { testid: 'create-rule' },
      onclick: () => openWizard(null),
    }, 'Create rule'));
  }

  function renderBody() {
    clear(body);
    const rules = ruleId ? data.rules.filter((r) => r.id === ruleId) : data.rules;
    if (ruleId && rules.length === 0) {
      body.append(h('p', { class: 'muted', dataset: { testid: 'rule-missing' } }, 'This rule no longer exists.'));
      return;
    }
    if (rules.length === 0) {
      body.append(h('p', { class: 'muted', dataset: { testid: 'no-rules' } }, 'No notification rules yet.'));
      return;
    }
    const head = ['Name', 'Event', 'Frequency', 'Apps', 'Recipients'];
    if (data.canManage) head.push('Actions');
    body.append(h('div', { class: 'notif-table-wrap' },
      h('table', { class: 'notif-table', dataset: { testid: 'rules-table' } },
        h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, rules.map(ruleRow)),
      )));
  }

  function ruleRow(rule) {
    const cells = [
      h('td', { 'data-label': 'Name' }, ruleId ? rule.name : h('a', { href: `#/notifications/${encodeURIComponent(rule.id)}`, dataset: { testid: 'rule-name' } }, rule.name)),
      h('td', { 'data-label': 'Event' }, labelOf(TYPES, rule.type)),
      h('td', { 'data-label': 'Frequency' }, labelOf(FREQUENCIES, rule.frequency)),
      h('td', { 'data-label': 'Apps' }, appsText(rule, data)),
      h('td', { 'data-label': 'Recipients' }, recipientsText(rule, data)),
    ];
    if (data.canManage) cells.push(h('td', { 'data-label': 'Actions' }, actionsMenu(rule)));
    return h('tr', { dataset: { testid: 'rule-row', ruleName: rule.name } }, cells);
  }

  function actionsMenu(rule) {
    const menuId = uid('rule-actions');
    const wrap = h('div', { class: 'notif-actions' });
    const toggle = h('button', {
      type: 'button', class: 'btn btn--secondary btn--small', 'aria-expanded': 'false', 'aria-controls': menuId,
      'aria-label': `Actions for ${rule.name}`,
    }, 'Actions ▾');
    const menu = h('div', { id: menuId, class: 'notif-actions__menu', hidden: true },
      h('button', { type: 'button', class: 'btn btn--secondary btn--small', onclick: () => { close(); openWizard(rule); } }, 'Edit'),
      h('button', { type: 'button', class: 'btn btn--danger btn--small', onclick: () => { close(); confirmDelete(rule, wrap); } }, 'Delete'),
    );
    function close() {
      menu.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
    }
    toggle.addEventListener('click', () => {
      const open = menu.hidden;
      menu.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
    });
    // Escape closes the open menu, from its button or an item, and gives
    // the focus back to the button (the WAI-ARIA disclosure pattern).
    wrap.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || menu.hidden) return;
      event.preventDefault();
      close();
      toggle.focus();
    });
    wrap.append(toggle, menu);
    return wrap;
  }

  function confirmDelete(rule, wrap) {
    if (wrap.querySelector('.notif-confirm')) return;
    const yes = h('button', { type: 'button', class: 'btn btn--danger btn--small' }, 'Delete rule');
    const no = h('button', { type: 'button', class: 'btn btn--secondary btn--small' }, 'Cancel');
    const box = h('div', { class: 'notif-confirm', role: 'group', 'aria-label': 'Confirm deletion', dataset: { testid: 'confirm-delete' } },
      h('p', {}, `Delete “${rule.name}”? Its digests stop at once.`), yes, no);
    no.addEventListener('click', () => box.remove());
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      showError('');
      try {
        await apiRequest('DELETE', `/admin/v1/notifications/${encodeURIComponent(rule.id)}`, { signal });
        if (signal.aborted) return;
        status.textContent = `Rule “${rule.name}” deleted.`;
        if (ruleId) {
          window.location.hash = '#/notifications';
          return;
        }
        await load();
      } catch (err) {
        if (signal.aborted || (err && err.name === 'AbortError')) return;
        yes.disabled = false;
        showError(err.message || 'Something went wrong.');
      }
    });
    wrap.append(box);
    no.focus();
  }

  // ---- the wizard: name, type, frequency → apps → recipients ------------------
  function openWizard(rule) {
    clear(wizardSlot);
    showError('');
    status.textContent = '';
    const draft = rule
      ? { ...rule, appIds: [...rule.appIds], recipients: { ...rule.recipients, userIds: [...rule.recipients.userIds], teamIds: [...rule.recipients.teamIds] } }
      : { name: '', type: 'install', frequency: 'daily', allApps: true, appIds: [], recipients: { mode: 'super_admins', userIds: [], teamIds: [] }, version: 0 };
    let step = 1;
    const stepError = h('div', { class: 'form-error', role: 'alert', dataset: { testid: 'wizard-error' } });
    const heading = h('h2', { class: 'notif-wizard__title', tabindex: '-1' });
    const content = h('div', { class: 'notif-wizard__content' });
    const panel = h('form', { class: 'notif-wizard', dataset: { testid: 'rule-wizard' }, novalidate: true }, heading, stepError, content);
    panel.addEventListener('submit', (event) => event.preventDefault());
    wizardSlot.append(panel);

    function field(label, control, help) {
      const id = uid('notif-field');
      control.id = id;
      return h('div', { class: 'field' }, h('label', { class: 'field__label', for: id }, label), control, help ? h('p', { class: 'muted' }, help) : null);
    }

    function radio(name, value, label, checked, onchange) {
      const id = uid('notif-radio');
      const input = h('input', { type: 'radio', id, name, value, checked, onchange });
      return h('div', { class: 'notif-choice' }, input, h('label', { for: id }, label));
    }

    function checkbox(label, checked, onchange) {
      const id = uid('notif-check');
      const input = h('input', { type: 'checkbox', id, checked, onchange });
      return h('div', { class: 'notif-choice' }, input, h('label', { for: id }, label));
    }

    function buttons(...list) {
      return h('div', { class: 'notif-wizard__buttons' }, list);
    }

    function cancelButton() {
      return h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => clear(wizardSlot) }, 'Cancel');
    }

    function render() {
      clear(content);
      stepError.textContent = '';
      const verb = rule ? 'Edit rule' : 'Create rule';
      if (step === 1) {
        heading.textContent = `${verb} · Step 1 of 3: what and how often`;
        const name = h('input', { class: 'input', type: 'text', maxlength: '100', value: draft.name, required: true });
        name.addEventListener('input', () => {
          draft.name = name.value;
          // The "Give the rule a name." error goes once there is one.
          if (draft.name.trim() && name.getAttribute('aria-invalid') === 'true') {
            stepError.textContent = '';
            name.removeAttribute('aria-invalid');
          }
        });
        const type = h('select', { class: 'select' }, TYPES.map((t) => h('option', { value: t.value, selected: t.value === draft.type }, t.label)));
        type.addEventListener('change', () => { draft.type = type.value; });
        const frequency = h('select', { class: 'select' }, FREQUENCIES.map((f) => h('option', { value: f.value, selected: f.value === draft.frequency }, f.label)));
        frequency.addEventListener('change', () => { draft.frequency = frequency.value; });
        content.append(
          field('Rule name', name),
          field('Event', type, TYPES.map((t) => `${t.label}: ${t.help}`).join(' ')),
          field('Frequency', frequency, 'Digests cover the hour, day, week or month that just ended in your account’s time zone; nothing is sent when nothing happened.'),
          buttons(h('button', {
            type: 'button', class: 'btn btn--primary',
            onclick: () => {
              if (!draft.name.trim()) {
                stepError.textContent = 'Give the rule a name.';
                name.setAttribute('aria-invalid', 'true');
                name.focus();
                return;
              }
              step = 2;
              render();
            },
          }, 'Next'), cancelButton()),
        );
      } else if (step === 2) {
        heading.textContent = `${verb} · Step 2 of 3: apps`;
        const list = h('div', { class: 'notif-choices', hidden: draft.allApps });
        for (const [id, appName] of [...data.apps.entries()].sort((a, b) => a[1].localeCompare(b[1]))) {
          list.append(checkbox(appName, draft.appIds.includes(id), (event) => {
            draft.appIds = event.target.checked ? [...draft.appIds, id] : draft.appIds.filter((x) => x !== id);
          }));
        }
        content.append(
          h('fieldset', { class: 'notif-fieldset' }, h('legend', {}, 'Which apps?'),
            radio('apps', 'all', 'All apps', draft.allApps, () => { draft.allApps = true; list.hidden = true; }),
            radio('apps', 'some', 'Chosen apps', !draft.allApps, () => { draft.allApps = false; list.hidden = false; }),
            list),
          buttons(
            h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => { step = 1; render(); } }, 'Back'),
            h('button', {
              type: 'button', class: 'btn btn--primary',
              onclick: () => {
                if (!draft.allApps && draft.appIds.length === 0) {
                  stepError.textContent = 'Choose at least one app, or all apps.';
                  return;
                }
                step = 3;
                render();
              },
            }, 'Next'),
            cancelButton()),
        );
      } else {
        heading.textContent = `${verb} · Step 3 of 3: who is told`;
        const specific = h('div', { class: 'notif-choices', hidden: draft.recipients.mode !== 'specific' });
        const activeUsers = data.users.filter((u) => u.status !== 'deactivated');
        specific.append(h('p', { class: 'field__label' }, 'Users'));
        for (const u of activeUsers) {
          specific.append(checkbox(u.name, draft.recipients.userIds.includes(u.id), (event) => {
            const list = draft.recipients.userIds;
            draft.recipients.userIds = event.target.checked ? [...list, u.id] : list.filter((x) => x !== u.id);
          }));
        }
        specific.append(h('p', { class: 'field__label' }, 'Teams'));
        for (const t of data.teams) {
          specific.append(checkbox(`${t.name} (team)`, draft.recipients.teamIds.includes(t.id), (event) => {
            const list = draft.recipients.teamIds;
            draft.recipients.teamIds = event.target.checked ? [...list, t.id] : list.filter((x) => x !== t.id);
          }));
        }
        const save = h('button', { type: 'submit', class: 'btn btn--primary' }, rule ? 'Save changes' : 'Create rule');
        save.addEventListener('click', () => submit(save));
        content.append(
          h('fieldset', { class: 'notif-fieldset' }, h('legend', {}, 'Who receives the digest?'),
            MODES.map((m) => radio('recipients', m.value, m.label, draft.recipients.mode === m.value, () => {
              draft.recipients.mode = m.value;
              specific.hidden = m.value !== 'specific';
            })),
            specific),
          buttons(h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => { step = 2; render(); } }, 'Back'), save, cancelButton()),
        );
      }
      heading.focus();
    }

    async function submit(save) {
      const specific = draft.recipients.mode === 'specific';
      if (specific && draft.recipients.userIds.length + draft.recipients.teamIds.length === 0) {
        stepError.textContent = 'Choose at least one user or team.';
        return;
      }
      const body = {
        name: draft.name,
        type: draft.type,
        frequency: draft.frequency,
        allApps: draft.allApps,
        appIds: draft.allApps ? [] : draft.appIds,
        recipients: {
          mode: draft.recipients.mode,
          userIds: specific ? draft.recipients.userIds : [],
          teamIds: specific ? draft.recipients.teamIds : [],
        },
      };
      if (rule) body.version = draft.version;
      save.disabled = true;
      save.setAttribute('aria-busy', 'true');
      try {
        const saved = rule
          ? await apiRequest('PUT', `/admin/v1/notifications/${encodeURIComponent(rule.id)}`, { body, signal })
          : await apiRequest('POST', '/admin/v1/notifications', { body, signal });
        if (signal.aborted) return;
        clear(wizardSlot);
        status.textContent = rule ? `Rule “${str(saved && saved.name)}” saved.` : `Rule “${str(saved && saved.name)}” created.`;
        await load();
      } catch (err) {
        if (signal.aborted || (err && err.name === 'AbortError')) return;
        stepError.textContent = err.message || 'Something went wrong.';
        if (save.isConnected) {
          save.disabled = false;
          save.removeAttribute('aria-busy');
        }
      }
    }

    render();
  }

  load();
}
