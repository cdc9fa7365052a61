// This node: its status, its peers with latency and path, and a picture of them around it.
import { get } from './api.js';
import { ago, h, svg } from './dom.js';

export async function nodeView(main) {
  const [status, peers] = await Promise.all([get('status'), get('peers')]);
  const now = status.clock ?? Date.now();
  const facts = [
    ['Address', status.address], ['Version', `${status.version} (Sixplane ${status.sixplaneVersion ?? '?'})`],
    ['State', status.online ? 'ONLINE' : 'OFFLINE'], ['Port', status.config?.settings?.primaryPort],
    ['Listening on', (status.config?.settings?.listeningOn ?? []).join(', ')],
    ['Planet', `${BigInt.asUintN(64, BigInt(status.planetWorldId ?? 0)).toString(16)} (${status.planetWorldTimestamp ?? 0})`],
  ];
  const statusTable = h('table', { id: 'status' }, h('tbody', {}, facts.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'mono' }, v ?? '-')))));
  const rows = peers.map((p) => {
    const path = (p.paths ?? []).find((x) => x.preferred);
    return h('tr', { dataset: { address: p.address } },
      h('td', { class: 'mono' }, p.address), h('td', {}, p.role), h('td', { class: 'mono' }, p.version),
      h('td', {}, p.latency >= 0 ? `${p.latency} ms` : '-'),
      h('td', { class: 'link' }, path ? 'direct' : 'relayed'),
      h('td', { class: 'mono' }, path ? path.address : '-'),
      h('td', {}, path ? ago(path.lastReceive, now) : '-'));
  });
  const peerTable = h('table', { id: 'peers' },
    h('thead', {}, h('tr', {}, ['Peer', 'Role', 'Version', 'Latency', 'Link', 'Path', 'Last heard'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No peers yet.'))));
  main.replaceChildren(
    h('h1', {}, `This node: ${status.address}`),
    h('section', {}, h('h2', {}, 'Status'), statusTable),
    h('section', {}, h('h2', {}, 'Peers'), picture(status.address, peers),
      h('p', { class: 'legend muted' }, h('span', {}, 'solid: direct path'), h('span', {}, 'dashed: relayed'), h('span', {}, 'filled square: root')),
      peerTable));
  return null;
}

// The node in the middle, its peers on a circle; a direct link is a solid line, a relayed one dashed, a root
// (PLANET or MOON) a filled square.
function picture(self, peers) {
  const size = 520, c = size / 2, radius = size / 2 - 70;
  const items = [];
  peers.forEach((p, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, peers.length) - Math.PI / 2;
    const x = c + radius * Math.cos(angle), y = c + radius * Math.sin(angle);
    const direct = (p.paths ?? []).some((x) => x.preferred);
    const root = p.role === 'PLANET' || p.role === 'MOON';
    items.push(svg('line', { x1: c, y1: c, x2: x, y2: y, class: direct ? 'direct' : 'relayed', 'data-peer': p.address }));
    const mark = root
      ? svg('rect', { x: x - 9, y: y - 9, width: 18, height: 18, class: 'root', 'data-peer': p.address })
      : svg('circle', { cx: x, cy: y, r: 9, class: 'peer', 'data-peer': p.address });
    mark.append(svg('title', {}, `${p.address} ${p.role} ${direct ? 'direct' : 'relayed'}${p.latency >= 0 ? `, ${p.latency} ms` : ''}`));
    items.push(mark);
    const below = y > c ? 24 : -16;
    items.push(svg('text', { x, y: y + below, 'text-anchor': 'middle' }, `${p.address}${root ? ' (root)' : ''}`));
    if (p.latency >= 0) items.push(svg('text', { x: (c + x) / 2, y: (c + y) / 2 - 4, 'text-anchor': 'middle' }, `${p.latency} ms`));
  });
  return svg('svg', { viewBox: `0 0 ${size} ${size}`, class: 'peers', id: 'peer-picture', role: 'img', 'aria-label': `This node and its ${peers.length} peers` },
    ...items,
    svg('circle', { cx: c, cy: c, r: 16, class: 'self' }, svg('title', {}, `this node ${self}`)),
    svg('text', { x: c, y: c + 34, 'text-anchor': 'middle' }, self));
}
