// Offline shell of the editor: network first for the app's own files, falling back to the
// copy cached at the last successful visit, so the editor opens when the server is out of
// reach (the agent's work is in IndexedDB, not here). Never touches /api/ or /sync.
const CACHE = 'usine-app-v1';
const scope = new URL(self.registration.scope);
const indexUrl = new URL('./', scope).href;

function isAppRequest(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return false;
  return !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/sync');
}

/** Caches index.html and every same-origin file it references (hashed assets). */
async function precache() {
  const cache = await caches.open(CACHE);
  const response = await fetch(indexUrl, { cache: 'no-store' });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put(indexUrl, response);
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
    .map((match) => new URL(match[1], indexUrl))
    .filter((url) => url.origin === scope.origin && url.pathname.startsWith(scope.pathname));
  await Promise.all(
    urls.map(async (url) => {
      const asset = await fetch(url, { cache: 'no-store' });
      if (asset.ok) await cache.put(url.href, asset);
    }),
  );
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const navigation = request.mode === 'navigate';
    const cached =
      (await cache.match(request, { ignoreSearch: navigation })) ??
      (navigation ? await cache.match(indexUrl) : undefined);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener('install', (event) => {
  // Offline during install: the files fetched later are cached by the fetch handler.
  event.waitUntil(
    precache()
      .catch(() => undefined)
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  if (isAppRequest(event.request)) event.respondWith(networkFirst(event.request));
});
