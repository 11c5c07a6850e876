import { api, ApiError, type User, type Video } from './api.ts';
import type { App, Cleanup } from './app.ts';
import { h, replaceChildren } from './dom.ts';
import { VideoEvents } from './events.ts';
import { accountPage } from './pages/account.ts';
import { embedPage } from './pages/embed.ts';
import { libraryPage } from './pages/library.ts';
import { setupPage, signInPage } from './pages/sign-in.ts';
import { watchPage } from './pages/watch.ts';
import { uploadPanel, type UploadPanel } from './upload/upload-panel.ts';

/**
 * The shell: finds out who is signed in, shows first-run setup or sign-in when needed, and routes
 * page paths (/, /watch/<id>) with the History API so every page has a shareable URL. A signed-out
 * visitor can open the watch page of a public video; any other page asks them to sign in.
 * /embed/<id> is the player alone, for other sites' frames (pages/embed.ts).
 */
const root = document.getElementById('app') as HTMLElement;
const toastRegion = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
document.body.append(toastRegion);

const events = new VideoEvents();
let user: User | null = null;
let cleanup: Cleanup | null = null;
let uploads: UploadPanel | null = null;

function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  const el = h('div', { class: `toast toast-${kind}` }, message);
  toastRegion.append(el);
  setTimeout(() => el.classList.add('toast-leaving'), 3600);
  setTimeout(() => el.remove(), 4000);
}

function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else if (path !== location.pathname + location.search) history.pushState(null, '', path);
  void render();
}

const app: App = {
  get user() {
    return user;
  },
  events,
  navigate,
  toast,
  canUpload: () => user?.role === 'admin' || user?.role === 'uploader',
  uploads() {
    if (!app.canUpload()) return null;
    uploads ??= uploadPanel();
    return uploads;
  },
  canManage: (video: Video) => user?.role === 'admin' || (user?.role === 'uploader' && !!user.id && video.ownerId === user.id),
};

function shell(): HTMLElement {
  const content = h('main', { id: 'content', class: 'content', tabindex: '-1' });
  const signOut = async () => {
    await api.signOut().catch(() => {});
    user = null;
    events.close();
    uploads?.destroy();
    uploads = null;
    navigate('/sign-in');
  };
  const header = h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'topbar-inner' },
      h('a', { class: 'brand', href: '/', 'data-link': true, 'aria-label': 'vodkit home' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'vodkit'),
      user
        ? h(
            'nav',
            { class: 'topbar-nav', 'aria-label': 'Account' },
            h('span', { class: 'who', title: user.email ?? '' }, user.email ?? 'API token'),
            h('a', { class: 'btn btn-ghost btn-small', href: '/account', 'data-link': true }, 'Account'),
            h('button', { class: 'btn btn-ghost btn-small', type: 'button', onclick: () => void signOut() }, 'Sign out'),
          )
        : h(
            'nav',
            { class: 'topbar-nav', 'aria-label': 'Account' },
            h('a', { class: 'btn btn-ghost btn-small', href: `/sign-in?next=${encodeURIComponent(location.pathname)}`, 'data-link': true }, 'Sign in'),
          ),
    ),
  );
  replaceChildren(root, h('a', { class: 'skip-link', href: '#content' }, 'Skip to content'), header, content);
  return content;
}

async function render(): Promise<void> {
  cleanup?.();
  cleanup = null;
  const path = location.pathname;
  // The embeddable player (framed by other sites): no account, no shell.
  const embed = /^\/embed\/([A-Za-z0-9_-]+)\/?$/.exec(path);
  if (embed) {
    cleanup = embedPage(root, embed[1]);
    return;
  }
  let me: { user: User | null; needsSetup: boolean };
  try {
    me = await api.me();
  } catch (err) {
    replaceChildren(
      root,
      h(
        'div',
        { class: 'auth-page' },
        h(
          'div',
          { class: 'auth-card', role: 'alert' },
          h('h1', {}, 'vodkit is not answering'),
          h('p', {}, err instanceof ApiError ? err.message : 'The server cannot be reached.'),
          h('button', { class: 'btn btn-primary', type: 'button', onclick: () => void render() }, 'Try again'),
        ),
      ),
    );
    return;
  }
  user = me.user;
  const after = () => {
    const back = new URLSearchParams(location.search).get('next');
    navigate(back && back.startsWith('/') && !back.startsWith('//') ? back : '/', { replace: true });
  };
  if (me.needsSetup) {
    if (path !== '/setup') history.replaceState(null, '', '/setup');
    document.title = 'Set up vodkit';
    cleanup = setupPage(root, after);
    return;
  }
  const watch = /^\/watch\/([A-Za-z0-9_-]+)\/?$/.exec(path);
  if (!user && watch) {
    // A shared link: public videos play without an account; the page asks to sign in for others.
    cleanup = watchPage(shell(), app, watch[1]);
    return;
  }
  if (!user) {
    if (path !== '/sign-in') history.replaceState(null, '', path === '/' || path === '/setup' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(path)}`);
    document.title = 'Sign in · vodkit';
    cleanup = signInPage(root, after);
    return;
  }
  if (path === '/sign-in' || path === '/setup') {
    after();
    return;
  }
  const content = shell();
  if (path === '/') {
    document.title = 'Library · vodkit';
    cleanup = libraryPage(content, app);
  } else if (watch) {
    cleanup = watchPage(content, app, watch[1]);
  } else if (path === '/account') {
    cleanup = accountPage(content, app);
  } else {
    document.title = 'Not found · vodkit';
    replaceChildren(
      content,
      h('div', { class: 'empty' }, h('h1', {}, 'This page does not exist'), h('a', { class: 'btn btn-primary', href: '/', 'data-link': true }, 'Go to the library')),
    );
  }
}

// Same-origin links marked data-link change pages without reloading.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const link = (e.target as Element | null)?.closest?.('a[data-link]') as HTMLAnchorElement | null;
  if (!link || link.origin !== location.origin) return;
  e.preventDefault();
  navigate(link.pathname + link.search);
});
window.addEventListener('popstate', () => void render());

void render();
