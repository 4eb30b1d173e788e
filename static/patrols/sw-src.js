/*
 * Service worker of the phone patrol page; served by patrols.views_web.service_worker, which puts
 * self.PATROL_SW_CONFIG in front of this file:
 *   version      digest of every stored file: a new version replaces the old copies
 *   pages        paths of the pages to keep for offline use
 *   static       URLs of the static files those pages need
 *   staticPrefix STATIC_URL
 *
 * Static files: cache first (their content is pinned by the version). Pages: network first, so
 * an online chief always gets the current page, falling back to the stored copy when there is
 * no signal, the signal is too weak to answer in time, or the server is down. The API is never
 * touched: the page keeps its own outbox in IndexedDB.
 */
"use strict";

const CONFIG = self.PATROL_SW_CONFIG;
const CACHE_PREFIX = "patrol-phone-";
const CACHE_NAME = CACHE_PREFIX + CONFIG.version;
// After this long without an answer the stored page is shown; a hung request on a weak signal
// would otherwise keep the chief staring at a blank screen.
const PAGE_TIMEOUT_MS = 4000;
const STATIC_ROOT = new URL(CONFIG.staticPrefix, self.location.href).href;

function storablePage(response) {
  // Not a redirect to the login page, not an error page: only the real page is worth keeping.
  return response && response.ok && response.type === "basic" && !response.redirected;
}

async function storePage(cache, path) {
  try {
    const response = await fetch(path, { credentials: "same-origin", cache: "no-store" });
    if (storablePage(response)) {
      await cache.put(path, response);
      return;
    }
  } catch (error) {
    // No signal right now: fall through and keep the copy of the previous version.
  }
  const previous = await caches.match(path, { ignoreVary: true });
  if (previous) {
    await cache.put(path, previous);
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE_NAME);
      await cache.addAll(CONFIG.static.map((url) => new Request(url, { cache: "no-cache" })));
      await Promise.all(CONFIG.pages.map((path) => storePage(cache, path)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME)
          .map((name) => caches.delete(name)),
      );
      // Control the page that registered us at once, so it works offline without a reload.
      await self.clients.claim();
    })(),
  );
});

async function staticResponse(request) {
  const cached = await caches.match(request);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(CACHE_NAME);
    await cache.put(request, response.clone());
  }
  return response;
}

async function pageResponse(event, path) {
  const cache = await caches.open(CACHE_NAME);
  const network = fetch(event.request).then(async (response) => {
    if (storablePage(response)) {
      await cache.put(path, response.clone());
    }
    return response;
  });
  const cached = await cache.match(path, { ignoreVary: true });
  if (!cached) {
    return network;
  }
  // Let the refresh finish even when the stored copy answers first.
  event.waitUntil(network.catch(() => undefined));
  const timeout = new Promise((resolve) => {
    setTimeout(resolve, PAGE_TIMEOUT_MS, null);
  });
  try {
    const response = await Promise.race([network, timeout]);
    // A server error would hide the patrol in progress; the stored page still works.
    if (response && response.status < 500) {
      return response;
    }
  } catch (error) {
    // Offline.
  }
  return cached;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (request.mode === "navigate") {
    if (url.origin === self.location.origin && CONFIG.pages.includes(url.pathname)) {
      event.respondWith(pageResponse(event, url.pathname));
    }
    return;
  }
  if (request.url.startsWith(STATIC_ROOT)) {
    event.respondWith(staticResponse(request));
  }
});
