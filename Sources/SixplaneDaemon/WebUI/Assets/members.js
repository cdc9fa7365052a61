// A network's members: pages from the server (a cursor per page, never the whole list), sorted and searched
// there, with each member's state and actions, and authorizing a selection at once.
import { del, get, post } from './api.js';
import { ago, confirmAction, errorBox, h, showError, sixplanePrefix } from './dom.js';

const SORTS = [['address', 'Address'], ['name', 'Name'], ['lastSeen', 'Last seen']];

export function membersSection(nwid, network) {
  const state = { sort: 'address', q: '', limit: 50, cursors: [null], page: 0, next: null, total: null, authorized: null, editing: false, ticket: 0, inFlight: 0 };
  const box = errorBox('members-error');
  const body = h('tbody', { id: 'members' });
  const summary = h('span', { id: 'members-summary', class: 'muted', 'aria-live': 'polite' });
  const search = h('input', { id: 'member-search', type: 'search', placeholder: 'Search by address or name (press /)', 'aria-label': 'Search members', size: 34 });
  const limit = h('select', { id: 'member-limit', 'aria-label': 'Members per page' }, [25, 50, 100, 250].map((n) => h('option', { value: n, selected: n === 50 }, `${n} a page`)));
  const previous = h('button', { type: 'button', id: 'page-previous' }, '\u2190 Previous');
  const next = h('button', { type: 'button', id: 'page-next' }, 'Next \u2192');
  const refresh = h('button', { type: 'button', id: 'members-refresh' }, 'Refresh');
  const selectAll = h('input', { type: 'checkbox', id: 'select-page', 'aria-label': 'Select every member on this page' });
  const authorizeSelected = h('button', { type: 'button', id: 'authorize-selected', disabled: true }, 'Authorize selected');
  const headers = SORTS.map(([key, label]) => {
    const button = h('button', { type: 'button', id: `sort-${key}` }, label);
    button.addEventListener('click', () => {
      state.sort = key;
      restart();
    });
    return [key, h('th', { scope: 'col' }, button)];
  });
  const header = (key) => headers.find(([k]) => k === key)[1];
  const table = h('table', { id: 'members-table' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, selectAll), header('address'), header('name'), h('th', { scope: 'col' }, 'Authorized'),
      h('th', { scope: 'col' }, 'Online'), header('lastSeen'), h('th', { scope: 'col' }, 'Version'),
      h('th', { scope: 'col' }, 'Physical address'), h('th', { scope: 'col' }, '6PLANE /80'),
      h('th', { scope: 'col' }, 'Assigned IPs'), h('th', { scope: 'col' }, 'Actions'))),
    body);
  const element = h('section', { id: 'members-section' },
    h('h2', {}, 'Members'),
    h('div', { class: 'toolbar' }, search, limit, previous, next, refresh, authorizeSelected, summary),
    box, table);

  let timer = null;
  let searchTimer = null;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.q = search.value.trim();
      restart();
    }, 250);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(searchTimer);
      state.q = search.value.trim();
      restart();
    }
  });
  limit.addEventListener('change', () => {
    state.limit = Number(limit.value);
    restart();
  });
  previous.addEventListener('click', () => {
    if (state.page > 0) load(state.page - 1);
  });
  next.addEventListener('click', () => {
    if (state.next) load(state.page + 1);
  });
  refresh.addEventListener('click', () => load(state.page));
  selectAll.addEventListener('change', () => {
    for (const box of body.querySelectorAll('input.select')) box.checked = selectAll.checked;
    updateSelection();
  });
  authorizeSelected.addEventListener('click', async () => {
    const addresses = [...body.querySelectorAll('input.select:checked')].map((b) => b.dataset.address);
    showError(box, null);
    authorizeSelected.disabled = true;
    try {
      for (const address of addresses) await post('controllerMember', { nwid, address }, { authorized: true });
    } catch (e) {
      showError(box, e);
    }
    await load(state.page);
  });
  const keys = (e) => {
    if (e.target.closest('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '/') {
      e.preventDefault();
      search.focus();
    } else if (e.key === 'n' && state.next) load(state.page + 1);
    else if (e.key === 'p' && state.page > 0) load(state.page - 1);
  };
  document.addEventListener('keydown', keys);

  function updateSelection() {
    authorizeSelected.disabled = body.querySelectorAll('input.select:checked').length === 0;
  }

  function restart() {
    state.cursors = [null];
    state.total = null;
    load(0);
  }

  async function load(page) {
    // Searching, sorting and the refresh can overlap: only the latest request's answer may set the rows and cursors.
    const ticket = ++state.ticket;
    state.inFlight += 1;
    showError(box, null);
    try {
      const answer = await get('unstableControllerMembers', { nwid }, { sort: state.sort, limit: state.limit, after: state.cursors[page], q: state.q });
      if (ticket !== state.ticket) return;
      state.page = page;
      state.next = answer.meta?.next ?? null;
      state.cursors[page + 1] = state.next;
      if (answer.meta?.totalCount !== undefined) {
        state.total = answer.meta.totalCount;
        state.authorized = answer.meta.authorizedCount;
      }
      render(answer.data ?? []);
    } catch (e) {
      if (ticket === state.ticket) showError(box, e);
    } finally {
      state.inFlight -= 1;
    }
  }

  function render(members) {
    state.editing = false;
    selectAll.checked = false;
    for (const [key, th] of headers) th.setAttribute('aria-sort', key === state.sort ? (key === 'lastSeen' ? 'descending' : 'ascending') : 'none');
    previous.disabled = state.page === 0;
    next.disabled = !state.next;
    const counts = state.total === null ? '' : ` of ${state.total} (${state.authorized} authorized${state.q ? ', before the search' : ''})`;
    summary.textContent = members.length ? `Page ${state.page + 1}: ${members.length} shown${counts}` : `No members${state.q ? ' match' : ''}${counts}`;
    body.replaceChildren(...members.map(row));
    updateSelection();
    // Only a member that talks to this node has a path here; the others are not asked about (a page of 250).
    for (const m of members) if (m.online) physical(m.address);
  }

  function row(m) {
    const tr = h('tr', { dataset: { address: m.address } });
    const check = h('input', { type: 'checkbox', class: 'select', dataset: { address: m.address }, 'aria-label': `Select ${m.address}` });
    check.addEventListener('change', updateSelection);
    const nameCell = h('td', { class: 'name' }, m.name || h('span', { class: 'muted' }, '(none)'));
    const version = m.vMajor >= 0 ? `${m.vMajor}.${m.vMinor}.${m.vRev}` : '-';
    const sixplane = network.v6AssignMode?.['6plane'] ? sixplanePrefix(nwid, m.address) : '-';
    const toggle = h('button', { type: 'button', class: m.authorized ? 'deauthorize' : 'authorize primary' }, m.authorized ? 'Deauthorize' : 'Authorize');
    toggle.addEventListener('click', () => act(() => post('controllerMember', { nwid, address: m.address }, { authorized: !m.authorized })));
    const rename = h('button', { type: 'button', class: 'rename' }, 'Rename');
    rename.addEventListener('click', () => startRename(m, nameCell, rename));
    const remove = h('button', { type: 'button', class: 'delete danger' }, 'Delete');
    remove.addEventListener('click', async () => {
      if (!(await confirmAction(`Delete member ${m.address}${m.name ? ` (${m.name})` : ''}? It can join again, and must be authorized again.`))) return remove.focus();
      act(() => del('controllerMember', { nwid, address: m.address }));
    });
    tr.append(
      h('td', {}, check), h('td', { class: 'mono address' }, m.address), nameCell,
      h('td', { class: `authorized ${m.authorized ? 'yes' : 'no'}` }, m.authorized ? 'yes' : 'no'),
      h('td', { class: `online ${m.online ? 'yes' : 'no'}` }, m.online ? 'online' : 'offline'),
      h('td', { class: 'last-seen', title: m.lastSeen ? new Date(m.lastSeen).toISOString() : '' }, ago(m.lastSeen)),
      h('td', { class: 'mono version' }, version), h('td', { class: 'mono physical' }, m.online ? '\u2026' : '-'),
      h('td', { class: 'mono sixplane' }, sixplane),
      h('td', { class: 'mono ips' }, (m.ipAssignments ?? []).join(', ') || '-'),
      h('td', { class: 'actions' }, toggle, ' ', rename, ' ', remove));
    return tr;
  }

  async function act(change) {
    showError(box, null);
    try {
      await change();
    } catch (e) {
      return showError(box, e);
    }
    await load(state.page);
  }

  function startRename(m, cell, button) {
    state.editing = true;
    const input = h('input', { class: 'rename-input', value: m.name ?? '', 'aria-label': `New name for ${m.address}` });
    cell.replaceChildren(input);
    input.focus();
    input.select();
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') act(() => post('controllerMember', { nwid, address: m.address }, { name: input.value.trim() }));
      else if (e.key === 'Escape') {
        load(state.page);
        button.focus();
      }
    });
  }

  // The controller node's own view of the member (zero-ui and ztnet read it the same way): its path.
  async function physical(address) {
    let text = '-';
    try {
      const peer = await get('peer', { address });
      const path = (peer.paths ?? []).find((p) => p.preferred) ?? (peer.paths ?? [])[0];
      if (path) text = `${path.address}${peer.latency >= 0 ? ` (${peer.latency} ms)` : ''}`;
      else if (peer.address) text = 'relayed';
    } catch {
      text = '?';
    }
    const cell = body.querySelector(`tr[data-address="${CSS.escape(address)}"] td.physical`);
    if (cell) cell.textContent = text;
  }

  timer = setInterval(() => {
    // The refresh waits for any page the user asked for: started after it, it would supersede it.
    if (state.inFlight === 0 && !state.editing && document.activeElement?.closest?.('#members-section') === null && !document.getElementById('confirm').open) load(state.page);
  }, 5000);

  return {
    element,
    load: () => load(0),
    stop: () => {
      clearInterval(timer);
      document.removeEventListener('keydown', keys);
    },
  };
}
