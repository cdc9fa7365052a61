// The web UI's entry: sign-in, then a view per location hash (#/networks, #/network/<id>, #/node).
import { APIError, get, loadRoutes, session } from './api.js';
import { errorBox, h, showError } from './dom.js';
import { networksView, networkView } from './networks.js';
import { nodeView } from './node.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let leaving = null;
// Which call of route() is the latest: a view that finishes loading after the location moved on is stopped at once
// (its timers and key handlers would otherwise outlive it).
let routing = 0;

function signInView() {
  nav.hidden = true;
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'current-password', required: true });
  const box = errorBox('signin-error');
  const form = h('form', { class: 'signin', id: 'signin' },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'token' }, 'The daemon\u2019s auth token (authtoken.secret in its home)'),
    input,
    box,
    h('button', { type: 'submit', class: 'primary', id: 'signin-submit' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.token = input.value.trim();
    try {
      await get('status');
      if (location.hash === '' || location.hash === '#/signin') location.hash = '#/networks';
      else route();
    } catch (e) {
      session.clear();
      showError(box, e.status === 401 ? new APIError(401, 'That token was refused.') : e);
      input.select();
    }
  });
  main.replaceChildren(form);
  input.focus();
}

async function route() {
  leaving?.();
  leaving = null;
  if (!session.token) return signInView();
  nav.hidden = false;
  const [, view, id] = location.hash.split('/');
  const box = errorBox('page-error');
  try {
    const ticket = ++routing;
    let stop;
    if (view === 'network' && id) stop = await networkView(main, id);
    else if (view === 'node') stop = await nodeView(main);
    else stop = await networksView(main);
    if (ticket !== routing) return stop?.();
    leaving = stop;
    for (const link of nav.querySelectorAll('a')) link.toggleAttribute('aria-current', link.getAttribute('href') === `#/${view === 'network' ? 'networks' : view}`);
  } catch (e) {
    if (e.status === 401) {
      session.clear();
      return signInView();
    }
    showError(box, e);
    main.replaceChildren(h('h1', {}, 'Something went wrong'), box);
  }
}

document.getElementById('signout').addEventListener('click', () => {
  session.clear();
  location.hash = '#/signin';
  signInView();
});
window.addEventListener('hashchange', route);

try {
  await loadRoutes();
  await route();
} catch (e) {
  const box = errorBox('page-error');
  showError(box, e);
  main.replaceChildren(box);
}
