// Networks: the list with counts, the create form, one network's settings and its deletion.
import { del, get, post } from './api.js';
import { confirmAction, errorBox, h, showError } from './dom.js';
import { membersSection } from './members.js';

export async function networksView(main) {
  const status = await get('status');
  const box = errorBox('networks-error');
  const list = h('tbody', { id: 'networks' });
  const section = h('section', {}, h('h2', {}, 'Networks this node controls'), box,
    h('table', {}, h('thead', {}, h('tr', {}, ['Network', 'Name', 'Members', 'Authorized', 'Access'].map((t) => h('th', { scope: 'col' }, t)))), list));
  main.replaceChildren(h('h1', {}, `Controller ${status.address}`), section, createSection(status.address, box));
  try {
    const answer = await get('unstableControllerNetworks');
    const networks = answer.data ?? [];
    if (networks.length === 0) list.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No networks yet: create one below.')));
    for (const n of networks) {
      list.append(h('tr', { dataset: { nwid: n.id } },
        h('td', { class: 'mono' }, h('a', { href: `#/network/${n.id}` }, n.id)),
        h('td', {}, n.name || h('span', { class: 'muted' }, '(no name)')),
        h('td', { class: 'count-total' }, n.meta?.totalMemberCount ?? 0),
        h('td', { class: 'count-authorized' }, n.meta?.authorizedMemberCount ?? 0),
        h('td', {}, n.private ? 'private' : 'public')));
    }
  } catch (e) {
    showError(box, e.status === 404 ? new Error('This node runs no controller (start the daemon with a controller database).') : e);
  }
  return null;
}

function createSection(controller, listBox) {
  const box = errorBox('create-error');
  const field = (label, input) => [h('label', { for: input.id }, label), input];
  const name = h('input', { id: 'create-name', placeholder: 'backplane' });
  const plane = h('input', { id: 'create-6plane', type: 'checkbox', checked: true });
  const rfc = h('input', { id: 'create-rfc4193', type: 'checkbox' });
  const pool = h('input', { id: 'create-pool', placeholder: '10.147.17.0/24 (optional)' });
  const mtu = h('input', { id: 'create-mtu', type: 'number', min: 1280, max: 10000, value: 2800 });
  const isPrivate = h('input', { id: 'create-private', type: 'checkbox', checked: true });
  const form = h('form', { class: 'grid', id: 'create' },
    field('Name', name), field('6PLANE (a /80 per member)', plane), field('RFC4193 (one address per member)', rfc),
    field('IPv4 pool', pool), field('MTU', mtu), field('Private (members need authorizing)', isPrivate),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'create-submit' }, 'Create network')), box);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(box, null);
    try {
      const body = {
        name: name.value.trim(), private: isPrivate.checked, mtu: Number(mtu.value),
        v6AssignMode: { '6plane': plane.checked, rfc4193: rfc.checked, zt: false },
      };
      if (pool.value.trim()) {
        const range = cidrRange(pool.value.trim());
        body.v4AssignMode = { zt: true };
        body.ipAssignmentPools = [{ ipRangeStart: range.first, ipRangeEnd: range.last }];
        body.routes = [{ target: range.cidr, via: null }];
      }
      const created = await post('newControllerNetwork', { controller }, body);
      location.hash = `#/network/${created.id}`;
    } catch (e) {
      showError(box, e);
    }
  });
  return h('section', {}, h('h2', {}, 'Create a network'), form);
}

// 10.1.2.0/24 → the usable addresses (ZeroTier's pools leave out the network and broadcast addresses).
export function cidrRange(text) {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30 || Number(m[5]) < 8) {
    throw new Error('the IPv4 pool must be a network like 10.147.17.0/24 (a /8 to a /30)');
  }
  const bits = Number(m[5]);
  const ip = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - bits);
  const base = ip - (ip % size);
  const dotted = (n) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
  return { cidr: `${dotted(base)}/${bits}`, first: dotted(base + 1), last: dotted(base + size - 2) };
}

export async function networkView(main, nwid) {
  const n = await get('controllerNetwork', { nwid });
  const box = errorBox('network-error');
  const field = (label, input) => [h('label', { for: input.id }, label), input];
  const name = h('input', { id: 'edit-name', value: n.name ?? '' });
  const routes = h('textarea', { id: 'edit-routes', 'aria-describedby': 'routes-help' });
  routes.value = (n.routes ?? []).map((r) => (r.via ? `${r.target} via ${r.via}` : r.target)).join('\n');
  const pools = h('textarea', { id: 'edit-pools' });
  pools.value = (n.ipAssignmentPools ?? []).map((p) => `${p.ipRangeStart}-${p.ipRangeEnd}`).join('\n');
  const domain = h('input', { id: 'edit-dns-domain', value: n.dns?.domain ?? '' });
  const servers = h('input', { id: 'edit-dns-servers', value: (n.dns?.servers ?? []).join(', ') });
  const multicast = h('input', { id: 'edit-multicast', type: 'number', min: 0, value: n.multicastLimit ?? 32 });
  const broadcast = h('input', { id: 'edit-broadcast', type: 'checkbox', checked: n.enableBroadcast !== false });
  const plane = h('input', { id: 'edit-6plane', type: 'checkbox', checked: n.v6AssignMode?.['6plane'] === true });
  const rfc = h('input', { id: 'edit-rfc4193', type: 'checkbox', checked: n.v6AssignMode?.rfc4193 === true });
  const isPrivate = h('input', { id: 'edit-private', type: 'checkbox', checked: n.private !== false });
  const saved = h('span', { class: 'muted', id: 'edit-saved', 'aria-live': 'polite' });
  const form = h('form', { class: 'grid', id: 'edit' },
    field('Name', name), field('Routes (one per line: target [via gateway])', routes),
    field('IPv4 pools (one per line: first-last)', pools), field('DNS domain', domain),
    field('DNS servers (comma-separated)', servers), field('Multicast limit', multicast), field('Broadcast', broadcast),
    field('6PLANE', plane), field('RFC4193', rfc), field('Private', isPrivate),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'edit-submit' }, 'Save'), saved), box);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(box, null);
    saved.textContent = '';
    try {
      const body = {
        name: name.value.trim(), multicastLimit: Number(multicast.value), enableBroadcast: broadcast.checked,
        private: isPrivate.checked,
        v6AssignMode: { ...(n.v6AssignMode ?? {}), '6plane': plane.checked, rfc4193: rfc.checked },
        routes: lines(routes.value).map((line) => {
          const [target, via, gateway] = line.split(/\s+/);
          return { target, via: via === 'via' ? gateway : via ?? null };
        }),
        ipAssignmentPools: lines(pools.value).map((line) => {
          const [ipRangeStart, ipRangeEnd] = line.split('-').map((s) => s.trim());
          return { ipRangeStart, ipRangeEnd: ipRangeEnd ?? ipRangeStart };
        }),
        dns: { domain: domain.value.trim(), servers: servers.value.split(',').map((s) => s.trim()).filter(Boolean) },
      };
      const updated = await post('controllerNetwork', { nwid }, body);
      title.textContent = updated.name || nwid;
      saved.textContent = `Saved (revision ${updated.revision}).`;
    } catch (e) {
      showError(box, e);
    }
  });
  const deleteBox = errorBox('delete-error');
  const deleteButton = h('button', { type: 'button', class: 'danger', id: 'delete-network' }, 'Delete network');
  deleteButton.addEventListener('click', async () => {
    if (!(await confirmAction(`Delete network ${nwid} (${n.name || 'no name'}) and all its members?`))) return deleteButton.focus();
    try {
      await del('controllerNetwork', { nwid });
      location.hash = '#/networks';
    } catch (e) {
      showError(deleteBox, e);
    }
  });
  const title = h('span', { id: 'network-name' }, n.name || nwid);
  const members = membersSection(nwid, n);
  main.replaceChildren(
    h('h1', {}, title, ' ', h('span', { class: 'mono muted' }, nwid)),
    members.element,
    h('section', {}, h('h2', {}, 'Settings'), form),
    h('section', {}, h('h2', {}, 'Delete'), deleteBox, deleteButton));
  await members.load();
  return members.stop;
}

const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);
