// Building the page from data: text always goes in as text (member names come from anyone who can write them).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// An error where it happened: the element is a live region next to the control that failed.
export function errorBox(id) {
  return h('div', { class: 'error', role: 'alert', id });
}

export function showError(box, error) {
  box.textContent = error ? (error.field ? `${error.message} (${error.field})` : error.message) : '';
}

// The in-page confirmation (a real <dialog>, so Escape cancels and focus stays inside it).
export function confirmAction(text, okLabel = 'Delete') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}

export function ago(ms, now = Date.now()) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

// The 6PLANE /80 of a member: fc, the network id's halves XORed, then the node's 40-bit address.
export function sixplanePrefix(nwid, address) {
  const n = BigInt('0x' + nwid);
  const folded = ((n >> 32n) ^ (n & 0xffffffffn)).toString(16).padStart(8, '0');
  const hex = 'fc' + folded + address.padStart(10, '0');
  const groups = hex.match(/.{4}/g).map((g) => g.replace(/^0+(?=.)/, ''));
  return groups.join(':') + '::/80';
}
