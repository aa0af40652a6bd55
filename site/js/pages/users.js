// Users & teams (#/users): the account's users (name, email, role, status)
// and its teams with their members. Everyone sees the page; super admins and
// admins also get the invite form, role and active controls, and team
// create / rename / delete and member add / remove. The API enforces the
// same rules (and a few more, e.g. nobody demotes themself); the controls
// only hide what would be refused, and any refusal is shown as the API
// worded it.
//
// Every change goes through apiRequest (js/api.js), which adds X-CSRF-Token,
// then the page reloads both lists, so what is shown is what is stored.

import { h, clear, uid } from '../dom.js';
import { apiGet, apiRequest } from '../api.js';
import { getSession } from '../session.js';

const ROLE_LABELS = { super_admin: 'Super admin', admin: 'Admin', member: 'Member' };
const STATUS_LABELS = { invited: 'Invited', active: 'Active', deactivated: 'Deactivated' };

function str(value) {
  return typeof value === 'string' ? value : '';
}

function normalizeUser(u) {
  return {
    id: str(u.id),
    name: str(u.name) || str(u.email),
    email: str(u.email),
    role: str(u.role),
    status: str(u.status) || (u.active ? 'active' : 'deactivated'),
    invitationExpiresAt: str(u.invitationExpiresAt),
  };
}

function normalizeTeam(t) {
  return {
    id: str(t.id),
    name: str(t.name),
    memberIds: Array.isArray(t.memberIds) ? t.memberIds.filter((id) => typeof id === 'string') : [],
  };
}

export function renderUsers(outlet, { signal }) {
  const session = getSession();
  const me = session ? session.user : { id: '', role: '' };
  const canManage = me.role === 'super_admin' || me.role === 'admin';
  const isSuper = me.role === 'super_admin';
  const state = { users: [], teams: [], loaded: false };

  const alert = h('div', { class: 'form-error people-alert', role: 'alert', dataset: { testid: 'users-error' } });
  const status = h('p', { class: 'results-status people-status', role: 'status', 'aria-live': 'polite' });
  const invitePanel = canManage ? renderInviteForm() : null;
  const createTeamPanel = canManage ? renderCreateTeamForm() : null;
  const usersBody = h('div', { class: 'people-body' }, h('p', { class: 'muted' }, 'Loading users…'));
  const teamsBody = h('div', { class: 'people-body' }, h('p', { class: 'muted' }, 'Loading teams…'));

  outlet.append(
    h('div', { class: 'page-header' },
      h('h1', { class: 'page-title' }, 'Users & teams'),
      h('p', { class: 'page-lead' }, canManage
        ? 'Invite people to your account, set what they may do, and group them in teams.'
        : 'The people of your account and their teams. Only admins can change them.'),
      isSuper ? h('p', {}, h('a', { href: '#/security-log', dataset: { testid: 'security-log-link' } },
        'Security log: sign-ins, passwords, invitations and role changes')) : null,
    ),
    alert,
    status,
    h('section', { class: 'people-section', 'aria-labelledby': 'people-users-title' },
      h('h2', { class: 'people-section__title', id: 'people-users-title' }, 'Users'),
      invitePanel,
      usersBody,
    ),
    h('section', { class: 'people-section', 'aria-labelledby': 'people-teams-title' },
      h('h2', { class: 'people-section__title', id: 'people-teams-title' }, 'Teams'),
      createTeamPanel,
      teamsBody,
    ),
  );

  // ---- data ---------------------------------------------------------------
  async function load() {
    try {
      const [users, teams] = await Promise.all([
        apiGet('/admin/v1/users', {}, { signal }),
        apiGet('/admin/v1/teams', {}, { signal }),
      ]);
      if (signal.aborted) return;
      if (!Array.isArray(users.users) || !Array.isArray(teams.teams)) {
        throw new Error('The server returned an unexpected response.');
      }
      state.users = users.users.filter((u) => u && typeof u === 'object').map(normalizeUser);
      state.teams = teams.teams.filter((t) => t && typeof t === 'object').map(normalizeTeam);
      state.loaded = true;
      renderUsersTable();
      renderTeams();
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return;
      showError(`Couldn’t load users and teams: ${err.message || 'something went wrong.'}`);
      if (!state.loaded) {
        clear(usersBody);
        clear(teamsBody);
        usersBody.append(h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => { showError(''); load(); } }, 'Retry'));
      }
    }
  }

  function showError(message) {
    alert.textContent = message;
  }

  /**
   * Runs one change: disables `control` meanwhile, shows the API's message
   * on failure, and reloads the lists on success. Resolves to the response
   * body, or null when the change failed.
   */
  async function change(control, method, path, body, done) {
    if (control) control.setAttribute('aria-busy', 'true');
    if (control) control.disabled = true;
    showError('');
    status.textContent = '';
    try {
      const result = await apiRequest(method, path, { body, signal });
      if (signal.aborted) return null;
      if (done) status.textContent = done;
      await load();
      return result || {};
    } catch (err) {
      if (signal.aborted || (err && err.name === 'AbortError')) return null;
      showError(err.message || 'Something went wrong.');
      return null;
    } finally {
      if (control && control.isConnected) {
        control.disabled = false;
        control.removeAttribute('aria-busy');
      }
    }
  }

  function userName(id) {
    const user = state.users.find((u) => u.id === id);
    return user ? user.name : 'Unknown user';
  }

  // The API refuses the rest; hiding it avoids offering what cannot work.
  function canChange(user) {
    return canManage && user.id !== me.id && (isSuper || user.role !== 'super_admin');
  }

  // ---- users ----------------------------------------------------------------
  function renderInviteForm() {
    const ids = { name: uid('invite-name'), email: uid('invite-email'), role: uid('invite-role') };
    const name = h('input', { id: ids.name, class: 'input', name: 'name', autocomplete: 'off', required: true, maxlength: '100' });
    const email = h('input', { id: ids.email, class: 'input', type: 'email', name: 'email', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true });
    const role = h('select', { id: ids.role, class: 'select people-select', name: 'role' },
      h('option', { value: 'member' }, ROLE_LABELS.member),
      h('option', { value: 'admin' }, ROLE_LABELS.admin),
      isSuper ? h('option', { value: 'super_admin' }, ROLE_LABELS.super_admin) : null,
    );
    const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, 'Send invitation');
    const result = h('div', { class: 'people-invite-result', dataset: { testid: 'invite-result' } });
    const form = h('form', { class: 'people-form', novalidate: true, 'aria-labelledby': 'people-invite-title', dataset: { testid: 'invite-form' } },
      h('h3', { class: 'people-form__title', id: 'people-invite-title' }, 'Invite someone'),
      h('div', { class: 'people-form__fields' },
        h('div', { class: 'field' }, h('label', { class: 'field__label', for: ids.name }, 'Name'), name),
        h('div', { class: 'field' }, h('label', { class: 'field__label', for: ids.email }, 'Email'), email),
        h('div', { class: 'field' }, h('label', { class: 'field__label', for: ids.role }, 'Role'), role),
        h('div', { class: 'people-form__submit' }, submit),
      ),
      result,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(result);
      if (!name.value.trim() || !email.value.trim()) {
        showError('Enter the name and email of the person to invite.');
        (name.value.trim() ? email : name).focus();
        return;
      }
      const invited = await change(submit, 'POST', '/admin/v1/users',
        { name: name.value, email: email.value.trim(), role: role.value });
      if (!invited || !invited.user) return;
      const link = new URL(str(invited.inviteUrl), window.location.href).href;
      const linkId = uid('invite-link');
      result.append(
        h('p', { class: 'form-notice people-notice' }, invited.emailSent
          ? `Invitation emailed to ${str(invited.user.email)}. The link works once, for 7 days.`
          : `The email to ${str(invited.user.email)} could not be sent. Share this link with them; it works once, for 7 days.`),
        h('div', { class: 'field' },
          h('label', { class: 'field__label', for: linkId }, 'Invitation link'),
          h('input', { id: linkId, class: 'input mono-input', readonly: true, value: link, onfocus: (e) => e.target.select() }),
        ),
      );
      name.value = '';
      email.value = '';
      role.value = 'member';
    });
    return form;
  }

  function renderUsersTable() {
    clear(usersBody);
    if (state.users.length === 0) {
      usersBody.append(h('p', { class: 'muted' }, 'No users yet.'));
      return;
    }
    const head = ['Name', 'Email', 'Role', 'Status'];
    if (canManage) head.push('Actions');
    usersBody.append(h('div', { class: 'people-table-wrap' },
      h('table', { class: 'people-table', dataset: { testid: 'users-table' } },
        h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, state.users.map(renderUserRow)),
      ),
    ));
  }

  function renderUserRow(user) {
    const editable = canChange(user);
    let roleCell = ROLE_LABELS[user.role] || user.role;
    if (editable) {
      const select = h('select', { class: 'select people-select', 'aria-label': `Role of ${user.name}` },
        ['member', 'admin', ...(isSuper ? ['super_admin'] : [])].map((r) => h('option', { value: r }, ROLE_LABELS[r])));
      select.value = user.role;
      select.addEventListener('change', async () => {
        const chosen = select.value;
        const ok = await change(select, 'PATCH', `/admin/v1/users/${encodeURIComponent(user.id)}`, { role: chosen },
          `${user.name} is now ${ROLE_LABELS[chosen] || chosen}.`);
        if (!ok && select.isConnected) select.value = user.role;
      });
      roleCell = select;
    }
    let actions = null;
    if (canManage) {
      actions = h('td', { 'data-label': 'Actions' });
      if (editable && user.status !== 'invited') {
        const activate = user.status !== 'active';
        const button = h('button', { type: 'button', class: `btn people-btn ${activate ? 'btn--secondary' : 'people-btn--danger'}` },
          activate ? 'Reactivate' : 'Deactivate');
        button.setAttribute('aria-label', `${activate ? 'Reactivate' : 'Deactivate'} ${user.name}`);
        button.addEventListener('click', () => change(button, 'PATCH', `/admin/v1/users/${encodeURIComponent(user.id)}`,
          { active: activate }, `${user.name} is ${activate ? 'active again' : 'deactivated'}.`));
        actions.append(button);
      } else if (editable && user.status === 'invited') {
        // Revoking removes the invited user and makes the emailed link stop working.
        const button = h('button', { type: 'button', class: 'btn people-btn people-btn--danger', dataset: { testid: 'revoke-invitation' } },
          'Revoke invitation');
        button.setAttribute('aria-label', `Revoke the invitation of ${user.name}`);
        button.addEventListener('click', () => change(button, 'DELETE',
          `/admin/v1/users/${encodeURIComponent(user.id)}/invitation`, undefined, `The invitation of ${user.name} is revoked.`));
        actions.append(button);
      } else if (user.id === me.id) {
        actions.append(h('span', { class: 'muted' }, 'You'));
      }
    }
    let statusLabel = STATUS_LABELS[user.status] || user.status;
    if (user.status === 'invited' && user.invitationExpiresAt) {
      const expires = new Date(user.invitationExpiresAt);
      if (!Number.isNaN(expires.getTime())) {
        statusLabel = expires.getTime() <= Date.now()
          ? 'Invitation expired'
          : `Invited (until ${expires.toLocaleDateString()})`;
      }
    }
    return h('tr', { dataset: { testid: 'user-row', userId: user.id } },
      h('td', { 'data-label': 'Name' }, user.name),
      h('td', { 'data-label': 'Email', class: 'people-email' }, user.email),
      h('td', { 'data-label': 'Role' }, roleCell),
      h('td', { 'data-label': 'Status' },
        h('span', { class: `people-status-badge people-status-badge--${user.status}` }, statusLabel)),
      actions,
    );
  }

  // ---- teams ----------------------------------------------------------------
  function renderCreateTeamForm() {
    const id = uid('team-name');
    const input = h('input', { id, class: 'input', name: 'name', maxlength: '60', autocomplete: 'off', required: true });
    const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, 'Create team');
    const form = h('form', { class: 'people-form people-form--inline', novalidate: true, dataset: { testid: 'create-team-form' } },
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: id }, 'New team name'), input),
      h('div', { class: 'people-form__submit' }, submit),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!input.value.trim()) {
        showError('Enter a name for the team.');
        input.focus();
        return;
      }
      const name = input.value.trim();
      const created = await change(submit, 'POST', '/admin/v1/teams', { name }, `Team “${name}” created.`);
      if (created) input.value = '';
    });
    return form;
  }

  function renderTeams() {
    clear(teamsBody);
    if (state.teams.length === 0) {
      teamsBody.append(h('p', { class: 'muted' }, canManage ? 'No teams yet. Create one above.' : 'No teams yet.'));
      return;
    }
    teamsBody.append(h('ul', { class: 'people-teams' }, state.teams.map((team) => h('li', {}, renderTeam(team)))));
  }

  function renderTeam(team) {
    const titleId = uid('team-title');
    const members = team.memberIds
      .map((id) => ({ id, name: userName(id) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const memberList = members.length
      ? h('ul', { class: 'people-members', dataset: { testid: 'team-members' } }, members.map((m) => h('li', { class: 'people-member' },
        h('span', { dataset: { testid: 'member-name' } }, m.name),
        canManage ? removeButton(team, m) : null)))
      : h('p', { class: 'muted', dataset: { testid: 'team-members' } }, 'No members yet.');
    const card = h('article', { class: 'people-team', 'aria-labelledby': titleId, dataset: { testid: 'team-card', teamName: team.name } },
      h('div', { class: 'people-team__head' },
        h('h3', { class: 'people-team__name', id: titleId, dataset: { testid: 'team-name' } }, team.name),
        h('span', { class: 'muted' }, members.length === 1 ? '1 member' : `${members.length} members`),
      ),
      memberList,
    );
    if (canManage) card.append(addMemberForm(team), teamActions(team));
    return card;
  }

  function removeButton(team, member) {
    const button = h('button', { type: 'button', class: 'btn btn--secondary people-btn', 'aria-label': `Remove ${member.name} from ${team.name}` }, 'Remove');
    button.addEventListener('click', () => change(button, 'DELETE',
      `/admin/v1/teams/${encodeURIComponent(team.id)}/members/${encodeURIComponent(member.id)}`, undefined,
      `${member.name} left ${team.name}.`));
    return button;
  }

  function addMemberForm(team) {
    const candidates = state.users.filter((u) => !team.memberIds.includes(u.id));
    if (candidates.length === 0) return h('p', { class: 'muted' }, 'Everyone is in this team.');
    const id = uid('add-member');
    const select = h('select', { id, class: 'select people-select', name: 'userId' },
      candidates.map((u) => h('option', { value: u.id }, u.name)));
    const submit = h('button', { type: 'submit', class: 'btn btn--secondary people-btn' }, 'Add member');
    const form = h('form', { class: 'people-form people-form--inline', dataset: { testid: 'add-member-form' } },
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: id }, `Add to ${team.name}`), select),
      h('div', { class: 'people-form__submit' }, submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const user = candidates.find((u) => u.id === select.value);
      if (!user) return;
      change(submit, 'PUT', `/admin/v1/teams/${encodeURIComponent(team.id)}/members/${encodeURIComponent(user.id)}`,
        undefined, `${user.name} joined ${team.name}.`);
    });
    return form;
  }

  function teamActions(team) {
    const bar = h('div', { class: 'people-team__actions' });
    const rename = h('button', { type: 'button', class: 'btn btn--secondary people-btn', 'aria-label': `Rename ${team.name}` }, 'Rename');
    const remove = h('button', { type: 'button', class: 'btn people-btn people-btn--danger', 'aria-label': `Delete ${team.name}` }, 'Delete');
    bar.append(rename, remove);

    rename.addEventListener('click', () => {
      const id = uid('rename');
      const input = h('input', { id, class: 'input', value: team.name, maxlength: '60', autocomplete: 'off' });
      const save = h('button', { type: 'submit', class: 'btn btn--primary people-btn' }, 'Save');
      const cancel = h('button', { type: 'button', class: 'btn btn--secondary people-btn' }, 'Cancel');
      const form = h('form', { class: 'people-form people-form--inline' },
        h('div', { class: 'field' }, h('label', { class: 'field__label', for: id }, `New name for ${team.name}`), input),
        h('div', { class: 'people-form__submit' }, save, cancel));
      cancel.addEventListener('click', () => { form.replaceWith(bar); rename.focus(); });
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const name = input.value.trim();
        if (!name) {
          showError('Enter a name for the team.');
          input.focus();
          return;
        }
        change(save, 'PATCH', `/admin/v1/teams/${encodeURIComponent(team.id)}`, { name }, `Team renamed to “${name}”.`);
      });
      bar.replaceWith(form);
      input.focus();
      input.select();
    });

    // Two steps instead of window.confirm(): the question stays in the page,
    // where screen readers and keyboard users find it.
    remove.addEventListener('click', () => {
      const confirmBox = h('div', { class: 'people-confirm', role: 'group', 'aria-label': `Delete ${team.name}?` },
        h('span', {}, `Delete ${team.name}? Its members stay in the account.`));
      const yes = h('button', { type: 'button', class: 'btn people-btn people-btn--danger' }, 'Delete team');
      const no = h('button', { type: 'button', class: 'btn btn--secondary people-btn' }, 'Cancel');
      confirmBox.append(yes, no);
      no.addEventListener('click', () => { confirmBox.replaceWith(bar); remove.focus(); });
      yes.addEventListener('click', () => change(yes, 'DELETE', `/admin/v1/teams/${encodeURIComponent(team.id)}`, undefined,
        `Team “${team.name}” deleted.`));
      bar.replaceWith(confirmBox);
      no.focus();
    });
    return bar;
  }

  load();
}
