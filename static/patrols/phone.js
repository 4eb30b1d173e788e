/*
 * The phone patrol page: record a patrol on the phone and send it when there is a signal.
 *
 * Everything is written to IndexedDB (idb.js) as it happens, and the page is rebuilt from there
 * on every load, so a reload, a crash or a dead battery mid-patrol loses at most the fix being
 * written. Submitting only marks the patrol as queued; the outbox sends queued patrols on page
 * load, on the "online" event, when the page becomes visible and on a back-off timer. Each
 * patrol carries a uuid made here, so a resend after a lost answer returns the patrol the
 * server already has instead of making a second one.
 */
"use strict";

(function () {
  const Store = self.PatrolStore;
  const config = JSON.parse(document.getElementById("patrol-config").textContent);
  const strings = JSON.parse(document.getElementById("patrol-strings").textContent);

  // Fixes worse than this are network or cell-tower guesses, not a walk along a bank.
  const MAX_ACCURACY_M = 100;
  // Waits after failed uploads; a lost signal often comes back within seconds.
  const RETRY_DELAYS_S = [5, 15, 30, 60, 120, 300];
  // Long enough for a few photos over a weak 3G link, short enough to retry a hung request.
  const UPLOAD_TIMEOUT_MS = 120000;
  // Sent patrols kept on the phone (summary only) so the chief sees the server's answer.
  const SENT_KEPT = 5;

  const $ = (id) => document.getElementById(id);

  function t(key, values) {
    const text = strings[key] || key;
    if (!values) {
      return text;
    }
    return text.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  const state = {
    patrols: [], // every stored patrol of this account
    current: null, // the patrol being recorded or finished, if any
    points: 0,
    distanceM: 0,
    lastPoint: null, // last recorded fix, for the running distance
    lastFix: null, // last fix of any accuracy, for a finding's position
    findings: [],
    pendingPhotos: [], // {blob, name, url} chosen for the finding being written
    uploading: false,
    flushAgain: false, // something was queued while an upload was running
    lastFailure: null, // "network" | "server" | "auth" after a failed upload
    failures: 0,
    retryTimer: null,
    watchId: null,
    waitingForRecorder: false,
    releaseRecorder: null, // resolves the recorder lock of this page
    wakeLock: null,
    storageBroken: false,
    objectUrls: [],
  };

  /* ---------- small helpers ---------- */

  function pad(n, width = 2) {
    return String(n).padStart(width, "0");
  }

  /* ISO 8601 in the phone's own offset (e.g. +08:00), as the API asks for. */
  function isoLocal(ms) {
    const d = new Date(ms);
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    const abs = Math.abs(offset);
    return (
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
      `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}` +
      `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
    );
  }

  function clock(ms) {
    const d = new Date(ms);
    return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  }

  function haversineM(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b.lat - a.lat) * rad;
    const dLon = (b.lon - a.lon) * rad;
    const h =
      Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function round(value, places) {
    const factor = 10 ** places;
    return Math.round(value * factor) / factor;
  }

  function newUuid() {
    if (self.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    // Older WebViews lack randomUUID but have getRandomValues: build a version 4 uuid.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => pad(b.toString(16))).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* ---------- the patrol upload credential (patrols/credentials.py) ----------
   * The session ends after 30 idle minutes and a patrol lasts longer, often with no signal to
   * keep a session alive. So each patrol holds a credential of its own, asked for while the
   * session is live and stored with the patrol: the upload sends it in the Authorization
   * header, and a patrol of any length uploads without a new login. A spare credential for the
   * next patrol's uuid is kept (localStorage) so that a patrol started with no signal has one.
   */
  const CREDENTIAL_RENEW_MS = 12 * 3600 * 1000; // ask again when less than this is left
  const CREDENTIAL_TIMEOUT_MS = 15000;
  const SPARE_KEY = `river-chief-patrol-spare-${config.account}`;

  function usable(credential, marginMs = 0) {
    return Boolean(credential && credential.token && credential.expiresMs - marginMs > Date.now());
  }

  async function requestCredential(uuid) {
    if (!navigator.onLine) {
      return null;
    }
    // A weak signal must not hold up the outbox, which waits for this on page load.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), CREDENTIAL_TIMEOUT_MS);
    try {
      const response = await fetch(config.credentialUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json", "Content-Type": "application/json" },
        body: JSON.stringify({ uuid }),
        signal: controller.signal,
      });
      if (response.status !== 201) {
        return null; // 401: the session has already ended; the patrol keeps what it has
      }
      const body = await response.json();
      return { token: body.credential, expiresMs: Date.parse(body.expires_at) };
    } catch (error) {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /* Give every unsent patrol of this account a credential, or a fresher one. */
  async function ensureCredentials() {
    for (const patrol of state.patrols) {
      if (patrol.state === "sent" || usable(patrol.credential, CREDENTIAL_RENEW_MS)) {
        continue;
      }
      const credential = await requestCredential(patrol.uuid);
      if (!credential) {
        return;
      }
      patrol.credential = credential;
      await Store.updatePatrol(patrol.uuid, { credential });
    }
    await ensureSpare();
  }

  function readSpare() {
    try {
      const spare = JSON.parse(window.localStorage.getItem(SPARE_KEY) || "null");
      return spare && spare.uuid && usable(spare.credential) ? spare : null;
    } catch (error) {
      return null;
    }
  }

  async function ensureSpare() {
    const spare = readSpare();
    if (spare && usable(spare.credential, CREDENTIAL_RENEW_MS)) {
      return;
    }
    const uuid = newUuid();
    const credential = await requestCredential(uuid);
    if (credential) {
      try {
        window.localStorage.setItem(SPARE_KEY, JSON.stringify({ uuid, credential }));
      } catch (error) {
        // Private mode: the patrol asks for its own credential when it starts.
      }
    }
  }

  /* The spare's uuid and credential for a patrol starting now, once only. */
  function takeSpare() {
    const spare = readSpare();
    try {
      window.localStorage.removeItem(SPARE_KEY);
    } catch (error) {
      // Nothing stored.
    }
    return spare;
  }

  function notice(message) {
    const element = $("patrol-notice");
    element.textContent = message || "";
    element.hidden = !message;
  }

  function storageFailed(error) {
    notice(t("storageError", { error: (error && error.message) || t("unknownError") }));
  }

  function objectUrl(blob) {
    const url = URL.createObjectURL(blob);
    state.objectUrls.push(url);
    return url;
  }

  function releaseObjectUrls() {
    for (const url of state.objectUrls) {
      URL.revokeObjectURL(url);
    }
    state.objectUrls = [];
  }

  function reachLabel(id) {
    const option = document.querySelector(`#reach option[value="${id}"]`);
    return option ? option.textContent.trim() : String(id);
  }

  /* ---------- loading the stored state ---------- */

  async function load({ reloadDetails = false } = {}) {
    const patrols = await Store.patrolsOf(config.account);
    patrols.sort((a, b) => a.startedMs - b.startedMs);
    state.patrols = patrols;
    const current = patrols.find((p) => p.state === "recording" || p.state === "finished") || null;
    if (reloadDetails || !current || !state.current || current.uuid !== state.current.uuid) {
      state.current = current;
      await loadCurrentDetails();
    } else {
      state.current = current;
    }
  }

  async function loadCurrentDetails() {
    state.points = 0;
    state.distanceM = 0;
    state.lastPoint = null;
    state.findings = [];
    if (!state.current) {
      drawTrack([]);
      return;
    }
    const [points, findings] = await Promise.all([
      Store.pointsOf(state.current.uuid),
      Store.findingsOf(state.current.uuid),
    ]);
    for (const point of points) {
      countPoint(point);
    }
    state.findings = findings;
    drawTrack(points);
  }

  function countPoint(point) {
    if (state.lastPoint) {
      state.distanceM += haversineM(state.lastPoint, point);
    }
    state.lastPoint = point;
    state.points += 1;
  }

  /* ---------- the live map: drawn by track-map.js, nothing stored there ---------- */

  function drawTrack(points) {
    if (self.PatrolTrackMap) {
      self.PatrolTrackMap.reset(state.current ? state.current.reach : null, points);
    }
  }

  function drawFix(point) {
    if (self.PatrolTrackMap) {
      self.PatrolTrackMap.add(point);
    }
  }

  /* ---------- rendering ---------- */

  function outbox() {
    return state.patrols.filter((p) => p.state === "queued" || p.state === "rejected");
  }

  function lastSent() {
    const sent = state.patrols.filter((p) => p.state === "sent");
    return sent.length ? sent[sent.length - 1] : null;
  }

  function status() {
    const current = state.current;
    if (state.storageBroken) {
      return ["error", t("noStorage")];
    }
    if (current && current.state === "recording") {
      return ["recording", navigator.onLine ? t("recording") : t("recordingOffline")];
    }
    if (current && current.state === "finished") {
      return ["finished", t("finished")];
    }
    if (state.uploading) {
      return ["uploading", t("uploading")];
    }
    const waiting = outbox();
    if (waiting.some((p) => p.state === "queued")) {
      if (state.lastFailure === "auth") {
        return ["auth", t("authNeeded")];
      }
      if (state.lastFailure === "server") {
        return ["offline", t("serverBusy")];
      }
      return ["offline", navigator.onLine ? t("offline") : t("offlineQueued")];
    }
    if (waiting.length) {
      return ["rejected", t("rejected")];
    }
    const sent = lastSent();
    if (sent && state.patrols[state.patrols.length - 1] === sent) {
      return ["submitted", t("submitted")];
    }
    return ["idle", t("idle")];
  }

  function render() {
    const [key, text] = status();
    const line = $("patrol-status");
    line.dataset.state = key;
    line.textContent = text;
    $("login-again").hidden = key !== "auth";

    const current = state.current;
    const recording = Boolean(current && current.state === "recording");
    const finished = Boolean(current && current.state === "finished");
    $("start-panel").hidden = Boolean(current) || state.storageBroken;
    $("record-panel").hidden = !recording;
    $("finish-panel").hidden = !finished;
    if (current) {
      const meta = `${t("reachLabel", { reach: current.reachLabel })} · ${t("startedAtLabel", {
        time: clock(current.startedMs),
      })}`;
      $("record-meta").textContent = meta;
      $("finish-meta").textContent = meta;
    }
    renderFigures();
    renderFindings();
    renderPendingPhotos();
    renderOutbox();
    renderResult();
  }

  function renderFigures() {
    const current = state.current;
    if (!current) {
      return;
    }
    const elapsed = duration((current.endedMs || Date.now()) - current.startedMs);
    $("elapsed").textContent = elapsed;
    $("finish-elapsed").textContent = elapsed;
    $("point-count").textContent = String(state.points);
    $("finish-points").textContent = String(state.points);
    $("distance").textContent = (state.distanceM / 1000).toFixed(2);
    $("finish-findings").textContent = String(state.findings.length);
  }

  function thumbnail(blob, alt) {
    const img = document.createElement("img");
    img.src = objectUrl(blob);
    img.alt = alt;
    img.width = 72;
    img.height = 72;
    return img;
  }

  function renderFindings() {
    releaseObjectUrls();
    const list = $("findings");
    list.replaceChildren();
    const template = $("finding-template");
    for (const finding of state.findings) {
      const item = template.content.firstElementChild.cloneNode(true);
      item.dataset.id = String(finding.id);
      item.querySelector(".finding-text").textContent = finding.description;
      const where =
        finding.lat === null ? t("noPosition") : `${finding.lat.toFixed(5)}, ${finding.lon.toFixed(5)}`;
      item.querySelector(".finding-where").textContent =
        `${clock(finding.createdMs)} · ${where} · ${t("photoCount", { n: finding.photos.length })}`;
      const thumbs = item.querySelector(".thumbs");
      for (const photo of finding.photos) {
        const li = document.createElement("li");
        li.append(thumbnail(photo.blob, t("photoAlt")));
        thumbs.append(li);
      }
      list.append(item);
    }
    $("finding-count").textContent = String(state.findings.length);
  }

  function renderPendingPhotos() {
    const list = $("pending-photos");
    list.replaceChildren();
    state.pendingPhotos.forEach((photo, index) => {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = photo.url;
      img.alt = t("photoAlt");
      img.width = 72;
      img.height = 72;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "thumb-remove";
      remove.dataset.index = String(index);
      remove.setAttribute("aria-label", t("removePhoto"));
      remove.textContent = "×";
      li.append(img, remove);
      list.append(li);
    });
  }

  function renderOutbox() {
    const waiting = outbox();
    $("outbox-panel").hidden = waiting.length === 0;
    $("outbox-count").textContent = t("queuedCount", { n: waiting.filter((p) => p.state === "queued").length });
    $("retry").hidden = !waiting.some((p) => p.state === "queued");
    $("retry").disabled = state.uploading;
    const list = $("outbox");
    list.replaceChildren();
    const template = $("outbox-template");
    for (const patrol of waiting) {
      const item = template.content.firstElementChild.cloneNode(true);
      item.dataset.uuid = patrol.uuid;
      item.querySelector(".outbox-title").textContent =
        `${patrol.reachLabel} · ${clock(patrol.startedMs)}–${clock(patrol.endedMs)}`;
      let stateText = t("offlineQueued");
      if (patrol.state === "rejected") {
        stateText = t("rejected");
      } else if (patrol.lastAttemptMs) {
        stateText = t("attemptFailed", { time: clock(patrol.lastAttemptMs) });
      }
      item.querySelector(".outbox-state").textContent = stateText;
      const errors = item.querySelector(".outbox-errors");
      for (const message of patrol.errors || []) {
        const li = document.createElement("li");
        li.textContent = message;
        errors.append(li);
      }
      item.querySelector(".outbox-actions").hidden = patrol.state !== "rejected";
      list.append(item);
    }
  }

  function renderResult() {
    const sent = lastSent();
    const show = Boolean(sent) && !state.current && status()[0] === "submitted";
    $("result-panel").hidden = !show;
    if (!show) {
      return;
    }
    $("result-meta").textContent = `${sent.reachLabel} · ${clock(sent.startedMs)}–${clock(sent.endedMs)}`;
    const result = sent.result || {};
    $("result-text").textContent = result.valid
      ? t("resultValid", { km: result.distanceKm })
      : t("resultInvalid", { reason: result.invalidReason || t("unknownError") });
  }

  /* ---------- recording ---------- */

  function startWatching() {
    if (state.watchId !== null || state.waitingForRecorder) {
      return;
    }
    if (!navigator.geolocation) {
      notice(t("noGeolocation"));
      return;
    }
    if (!navigator.locks) {
      watch();
      return;
    }
    // Two open pages recording one patrol would write every fix twice: the page holding this
    // lock records, another one waits and takes over when that page is closed.
    state.waitingForRecorder = true;
    navigator.locks
      .request("river-chief-patrol-recorder", { ifAvailable: true }, (lock) => (lock ? holdRecorder() : null))
      .then((held) => {
        if (held === null) {
          notice(t("otherTab"));
          return navigator.locks.request("river-chief-patrol-recorder", holdRecorder);
        }
        return held;
      })
      .catch(() => watch())
      .finally(() => {
        state.waitingForRecorder = false;
      });
  }

  /* Record while holding the recorder lock; resolves (releasing it) when recording stops. */
  async function holdRecorder() {
    state.waitingForRecorder = false;
    // The page that held the lock recorded fixes, and may have finished the patrol meanwhile.
    await refresh({ reloadDetails: true });
    if (!state.current || state.current.state !== "recording" || state.watchId !== null) {
      return undefined;
    }
    watch();
    return new Promise((resolve) => {
      state.releaseRecorder = resolve;
    });
  }

  function watch() {
    notice(t("geoWaiting"));
    state.watchId = navigator.geolocation.watchPosition(onPosition, onPositionError, {
      enableHighAccuracy: true,
      maximumAge: 0,
      timeout: 30000,
    });
    keepScreenOn();
  }

  function stopWatching() {
    if (state.watchId !== null) {
      navigator.geolocation.clearWatch(state.watchId);
      state.watchId = null;
    }
    if (state.releaseRecorder) {
      state.releaseRecorder();
      state.releaseRecorder = null;
    }
    if (state.wakeLock) {
      state.wakeLock.release().catch(() => {});
      state.wakeLock = null;
    }
    notice("");
  }

  /* Many phones stop reporting positions once the screen sleeps; keep it on while recording. */
  async function keepScreenOn() {
    if (!("wakeLock" in navigator) || state.wakeLock || document.visibilityState !== "visible") {
      return;
    }
    try {
      state.wakeLock = await navigator.wakeLock.request("screen");
      state.wakeLock.addEventListener("release", () => {
        state.wakeLock = null;
      });
    } catch (error) {
      // Refused (battery saver, no permission): recording goes on, the screen may sleep.
    }
  }

  async function onPosition(position) {
    const current = state.current;
    if (!current || current.state !== "recording") {
      return;
    }
    const { latitude, longitude, accuracy } = position.coords;
    // The phone's clock, not the fix's timestamp: some Android builds report GPS times that are
    // off by hours, and the track must fit between started_at and ended_at from the same clock.
    const fix = { lat: latitude, lon: longitude, accuracy, time: Date.now() };
    state.lastFix = fix;
    if (accuracy > MAX_ACCURACY_M) {
      notice(t("geoPoor", { m: Math.round(accuracy) }));
      return;
    }
    notice(t("geoAccuracy", { m: Math.round(accuracy) }));
    const last = state.lastPoint;
    if (last && last.lat === latitude && last.lon === longitude) {
      return; // the same fix reported again
    }
    const point = { patrol: current.uuid, ...fix };
    countPoint(point);
    drawFix(point);
    renderFigures();
    try {
      await Store.addPoint(point);
    } catch (error) {
      storageFailed(error);
    }
  }

  function onPositionError(error) {
    if (error.code === error.PERMISSION_DENIED) {
      notice(t("geoDenied"));
    } else {
      notice(t("geoUnavailable"));
    }
  }

  async function startPatrol(event) {
    event.preventDefault();
    const select = $("reach");
    if (!select.value) {
      notice(t("chooseReach"));
      return;
    }
    const now = Date.now();
    const spare = takeSpare();
    const patrol = {
      uuid: spare ? spare.uuid : newUuid(),
      credential: spare ? spare.credential : null,
      account: config.account,
      reach: Number(select.value),
      reachLabel: reachLabel(select.value),
      startedMs: now,
      endedMs: null,
      notes: "",
      state: "recording",
      errors: [],
      lastAttemptMs: null,
      result: null,
    };
    try {
      await Store.putPatrol(patrol);
    } catch (error) {
      storageFailed(error);
      return;
    }
    // Ask the browser not to evict this site's data when the phone runs short of space.
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(() => {});
    }
    state.lastFix = null;
    await refresh({ announced: true });
    startWatching();
    $("finding-description").focus();
    ensureCredentials().catch(() => {});
  }

  async function finishPatrol() {
    const current = state.current;
    if (!current) {
      return;
    }
    stopWatching();
    // ended_at must come after started_at even if the chief taps "finish" within a millisecond.
    const endedMs = Math.max(Date.now(), current.startedMs + 1000);
    try {
      await Store.updatePatrol(current.uuid, { state: "finished", endedMs });
    } catch (error) {
      storageFailed(error);
      return;
    }
    await refresh({ announced: true });
    $("notes").value = state.current ? state.current.notes : "";
    $("notes").focus();
  }

  async function resumePatrol() {
    const current = state.current;
    if (!current) {
      return;
    }
    try {
      await Store.updatePatrol(current.uuid, { state: "recording", endedMs: null, notes: $("notes").value });
    } catch (error) {
      storageFailed(error);
      return;
    }
    await refresh({ announced: true });
    startWatching();
  }

  let notesTimer = null;
  function saveNotesSoon() {
    clearTimeout(notesTimer);
    const current = state.current;
    const notes = $("notes").value;
    notesTimer = setTimeout(() => {
      if (current) {
        Store.updatePatrol(current.uuid, { notes }).catch(storageFailed);
      }
    }, 400);
  }

  async function submitPatrol(event) {
    event.preventDefault();
    const current = state.current;
    if (!current) {
      return;
    }
    clearTimeout(notesTimer);
    try {
      await Store.updatePatrol(current.uuid, { state: "queued", notes: $("notes").value, errors: [] });
    } catch (error) {
      storageFailed(error);
      return;
    }
    await refresh({ announced: true });
    flushOutbox();
  }

  /* ---------- findings ---------- */

  function addPendingPhotos() {
    const input = $("finding-photo");
    for (const file of input.files) {
      state.pendingPhotos.push({ blob: file, name: file.name || "photo.jpg", url: URL.createObjectURL(file) });
    }
    // Clear the input so that the camera can be opened again for the next photo.
    input.value = "";
    renderPendingPhotos();
  }

  function removePendingPhoto(event) {
    const button = event.target.closest(".thumb-remove");
    if (!button) {
      return;
    }
    const [photo] = state.pendingPhotos.splice(Number(button.dataset.index), 1);
    if (photo) {
      URL.revokeObjectURL(photo.url);
    }
    renderPendingPhotos();
  }

  async function saveFinding(event) {
    event.preventDefault();
    const current = state.current;
    const field = $("finding-description");
    const error = $("finding-error");
    const description = field.value.trim();
    if (!description) {
      error.textContent = t("describeFinding");
      error.hidden = false;
      field.setAttribute("aria-invalid", "true");
      field.focus();
      return;
    }
    error.hidden = true;
    field.removeAttribute("aria-invalid");
    const fix = state.lastFix || state.lastPoint;
    const finding = {
      patrol: current.uuid,
      description,
      lat: fix ? fix.lat : null,
      lon: fix ? fix.lon : null,
      photos: state.pendingPhotos.map(({ blob, name }) => ({ blob, name, type: blob.type })),
      createdMs: Date.now(),
    };
    try {
      finding.id = await Store.addFinding(finding);
    } catch (storeError) {
      storageFailed(storeError);
      return;
    }
    for (const photo of state.pendingPhotos) {
      URL.revokeObjectURL(photo.url);
    }
    state.pendingPhotos = [];
    field.value = "";
    state.findings.push(finding);
    render();
    notice(t("findingSaved", { text: description }));
  }

  async function deleteFinding(event) {
    const button = event.target.closest('[data-action="delete-finding"]');
    if (!button || !window.confirm(t("confirmDeleteFinding"))) {
      return;
    }
    const id = Number(button.closest("li").dataset.id);
    try {
      await Store.deleteFinding(id);
    } catch (error) {
      storageFailed(error);
      return;
    }
    state.findings = state.findings.filter((f) => f.id !== id);
    render();
  }

  /* ---------- the outbox ---------- */

  async function buildForm(patrol) {
    const [points, findings] = await Promise.all([Store.pointsOf(patrol.uuid), Store.findingsOf(patrol.uuid)]);
    const form = new FormData();
    form.append("uuid", patrol.uuid);
    form.append("reach", String(patrol.reach));
    form.append("started_at", isoLocal(patrol.startedMs));
    form.append("ended_at", isoLocal(patrol.endedMs));
    form.append("notes", patrol.notes || "");
    // A GeoJSON LineString needs two positions; with fewer the patrol goes without a track.
    if (points.length >= 2) {
      const track = {
        type: "LineString",
        coordinates: points.map((p) => [round(p.lon, 7), round(p.lat, 7)]),
        times: points.map((p) => isoLocal(p.time)),
      };
      form.append("track", JSON.stringify(track));
    }
    const described = findings.map((f) => {
      const item = { description: f.description };
      if (f.lat !== null) {
        // The server stores six decimals (about 0.1 m) and refuses more.
        item.lat = round(f.lat, 6);
        item.lon = round(f.lon, 6);
      }
      return item;
    });
    form.append("findings", JSON.stringify(described));
    findings.forEach((finding, index) => {
      finding.photos.forEach((photo, n) => {
        const name = photo.name || `finding-${index + 1}-${n + 1}.jpg`;
        form.append(`finding_${index}_photos`, photo.blob, name);
      });
    });
    return form;
  }

  function errorMessages(body, prefix = "") {
    if (typeof body === "string") {
      return [prefix ? `${prefix}：${body}` : body];
    }
    if (Array.isArray(body)) {
      return body.flatMap((item) => errorMessages(item, prefix));
    }
    if (body && typeof body === "object") {
      return Object.entries(body).flatMap(([key, value]) => {
        const label = key === "detail" || key === "non_field_errors" ? prefix : key;
        return errorMessages(value, label);
      });
    }
    return [];
  }

  /* Send one patrol; answers "sent", "rejected", or the kind of failure to retry later. */
  async function send(patrol, renewed = false) {
    const form = await buildForm(patrol);
    const headers = { "X-CSRFToken": csrfToken(), Accept: "application/json" };
    if (usable(patrol.credential)) {
      headers.Authorization = `Patrol ${patrol.credential.token}`;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), UPLOAD_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(config.apiUrl, {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers,
        signal: controller.signal,
      });
    } catch (error) {
      await Store.updatePatrol(patrol.uuid, { lastAttemptMs: Date.now() });
      return "network";
    } finally {
      clearTimeout(timer);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    // 201: received now; 200: this uuid had already arrived (an earlier answer was lost).
    if (response.status === 200 || response.status === 201) {
      const result = {
        id: body && body.id,
        valid: Boolean(body && body.valid),
        invalidReason: (body && body.invalid_reason) || "",
        distanceKm: body && body.distance_km !== undefined ? body.distance_km : null,
      };
      await Store.updatePatrol(patrol.uuid, { state: "sent", result, errors: [], sentMs: Date.now() });
      // The track and photos are on the server now; free the phone's storage.
      await Store.deletePatrolData(patrol.uuid, { keepPatrol: true });
      return "sent";
    }
    if (response.status === 401) {
      // The credential is gone or refused: a live session may still issue a new one.
      const credential = renewed ? null : await requestCredential(patrol.uuid);
      if (credential) {
        await Store.updatePatrol(patrol.uuid, { credential });
        return send({ ...patrol, credential }, true);
      }
      return "auth";
    }
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      await Store.updatePatrol(patrol.uuid, { lastAttemptMs: Date.now() });
      return "server";
    }
    // Anything else (400 bad input, 403 not this chief's reach, 413 too large) will not change
    // by sending again: stop, keep the data, and show the server's reasons.
    const errors = errorMessages(body);
    await Store.updatePatrol(patrol.uuid, {
      state: "rejected",
      errors: errors.length ? errors : [`HTTP ${response.status}`],
      lastAttemptMs: Date.now(),
    });
    return "rejected";
  }

  async function pruneSent() {
    const sent = state.patrols.filter((p) => p.state === "sent");
    for (const patrol of sent.slice(0, Math.max(0, sent.length - SENT_KEPT))) {
      await Store.deletePatrolData(patrol.uuid);
    }
  }

  async function drainOutbox() {
    await load();
    const queued = state.patrols.filter((p) => p.state === "queued");
    for (const patrol of queued) {
      let outcome;
      try {
        outcome = await send(patrol);
      } catch (error) {
        outcome = "network";
      }
      if (outcome === "sent" || outcome === "rejected") {
        state.failures = 0;
        state.lastFailure = null;
        continue;
      }
      state.lastFailure = outcome;
      if (outcome !== "auth") {
        scheduleRetry();
      }
      break;
    }
    await load();
    await pruneSent();
    await load();
  }

  async function flushOutbox() {
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    if (state.uploading) {
      state.flushAgain = true;
      return;
    }
    if (state.storageBroken || !navigator.onLine) {
      render();
      return;
    }
    if (!state.patrols.some((p) => p.state === "queued")) {
      return;
    }
    state.uploading = true;
    render();
    try {
      if (navigator.locks) {
        // One tab at a time: two tabs sending the same patrol is harmless, but wasteful.
        await navigator.locks.request("river-chief-patrol-outbox", { ifAvailable: true }, async (lock) => {
          if (lock) {
            await drainOutbox();
          }
        });
      } else {
        await drainOutbox();
      }
    } catch (error) {
      storageFailed(error);
    } finally {
      state.uploading = false;
      render();
    }
    announce();
    if (state.flushAgain) {
      state.flushAgain = false;
      flushOutbox();
    }
  }

  function scheduleRetry() {
    const delay = RETRY_DELAYS_S[Math.min(state.failures, RETRY_DELAYS_S.length - 1)];
    state.failures += 1;
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(flushOutbox, delay * 1000);
  }

  async function outboxAction(event) {
    const button = event.target.closest("[data-action]");
    if (!button) {
      return;
    }
    const uuid = button.closest("li").dataset.uuid;
    try {
      if (button.dataset.action === "resend") {
        await Store.updatePatrol(uuid, { state: "queued", errors: [] });
        await refresh({ announced: true });
        flushOutbox();
      } else if (button.dataset.action === "discard" && window.confirm(t("confirmDiscard"))) {
        await Store.deletePatrolData(uuid);
        await refresh({ announced: true });
      }
    } catch (error) {
      storageFailed(error);
    }
  }

  /* ---------- other open pages of the portal on this phone ---------- */

  const channel = "BroadcastChannel" in self ? new BroadcastChannel("river-chief-patrols") : null;

  /* Tell other open pages that the stored patrols changed, so none acts on a stale copy. */
  function announce() {
    if (channel) {
      channel.postMessage("changed");
    }
  }

  async function otherPageChanged() {
    await refresh({ reloadDetails: state.watchId === null });
    const recording = Boolean(state.current && state.current.state === "recording");
    if (!recording && state.watchId !== null) {
      stopWatching();
    } else if (recording) {
      startWatching();
    }
  }

  /* ---------- wiring ---------- */

  async function refresh({ announced = false, reloadDetails = false } = {}) {
    try {
      await load({ reloadDetails });
    } catch (error) {
      storageFailed(error);
    }
    render();
    if (announced) {
      announce();
    }
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker
      .register(config.swUrl, { scope: config.swScope })
      .then(() => navigator.serviceWorker.ready)
      .then(() => {
        $("offline-ready").hidden = false;
      })
      .catch(() => {
        // No worker (private mode, old browser): the page still works while it stays open.
      });
  }

  function connectivityChanged() {
    render();
    if (navigator.onLine) {
      state.failures = 0;
      ensureCredentials()
        .catch(() => {})
        .then(flushOutbox);
    }
  }

  async function start() {
    const form = $("start-form");
    if (form) {
      form.addEventListener("submit", startPatrol);
    }
    $("finding-form").addEventListener("submit", saveFinding);
    $("finding-photo").addEventListener("change", addPendingPhotos);
    $("pending-photos").addEventListener("click", removePendingPhoto);
    $("findings").addEventListener("click", deleteFinding);
    $("finish").addEventListener("click", finishPatrol);
    $("resume").addEventListener("click", resumePatrol);
    $("submit-form").addEventListener("submit", submitPatrol);
    $("notes").addEventListener("input", saveNotesSoon);
    $("retry").addEventListener("click", () => {
      state.failures = 0;
      flushOutbox();
    });
    $("outbox").addEventListener("click", outboxAction);
    if (channel) {
      channel.addEventListener("message", otherPageChanged);
    }
    window.addEventListener("online", connectivityChanged);
    window.addEventListener("offline", connectivityChanged);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState !== "visible") {
        return;
      }
      if (state.current && state.current.state === "recording") {
        keepScreenOn();
      }
      flushOutbox();
    });
    setInterval(renderFigures, 1000);

    registerServiceWorker();
    try {
      await Store.open();
    } catch (error) {
      state.storageBroken = true;
      render();
      return;
    }
    await refresh();
    if (state.current && state.current.state === "recording") {
      startWatching(); // a reload or crash mid-patrol: carry on recording
    }
    if (state.current && state.current.state === "finished") {
      $("notes").value = state.current.notes || "";
    }
    await ensureCredentials().catch(() => {});
    flushOutbox();
  }

  start();
})();
