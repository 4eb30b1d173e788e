/*
 * The phone's own copy of its patrols, in IndexedDB, behind small promise wrappers.
 *
 * Stores:
 *   patrols  (key: uuid)   one record per patrol: state, reach, times, notes, server result
 *   points   (auto key)    one record per position fix, so each fix is written on its own
 *                          and a long track never has to be rewritten as a whole
 *   findings (auto key)    description, position and the photos as Blobs
 *
 * A classic script (not a module) on purpose: hashed static file names in production would not
 * be applied to module imports, and the offline copy must be the file the page asks for.
 */
"use strict";

(function () {
  const DB_NAME = "river-chief-patrols";
  const DB_VERSION = 1;
  let dbPromise = null;

  function requestDone(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function open() {
    if (dbPromise) {
      return dbPromise;
    }
    dbPromise = new Promise((resolve, reject) => {
      if (!self.indexedDB) {
        reject(new Error("IndexedDB unavailable"));
        return;
      }
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        const patrols = db.createObjectStore("patrols", { keyPath: "uuid" });
        patrols.createIndex("account", "account");
        const points = db.createObjectStore("points", { keyPath: "id", autoIncrement: true });
        points.createIndex("patrol", "patrol");
        const findings = db.createObjectStore("findings", { keyPath: "id", autoIncrement: true });
        findings.createIndex("patrol", "patrol");
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab with a newer page wants to upgrade: let it, and reopen on next use.
        db.onversionchange = () => {
          db.close();
          dbPromise = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("IndexedDB blocked by another tab"));
    });
    dbPromise.catch(() => {
      dbPromise = null;
    });
    return dbPromise;
  }

  /*
   * Run work(stores) in one transaction and resolve with its result only once the transaction
   * has committed: a resolved write is stored, not merely queued. "strict" durability waits for
   * the disk, so a patrol or finding survives even a power loss; position fixes use "relaxed"
   * (the browser's own crash is still survived), as flushing the disk every second costs battery.
   */
  async function transact(names, mode, work, durability = "strict") {
    const db = await open();
    return new Promise((resolve, reject) => {
      const options = mode === "readwrite" ? { durability } : undefined;
      const tx = db.transaction(names, mode, options);
      const stores = {};
      for (const name of names) {
        stores[name] = tx.objectStore(name);
      }
      let result;
      Promise.resolve()
        .then(() => work(stores))
        .then(
          (value) => {
            result = value;
          },
          (error) => {
            try {
              tx.abort();
            } catch (abortError) {
              // Already finished: the original error is the one worth reporting.
            }
            reject(error);
          },
        );
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
    });
  }

  function byPatrol(store, uuid) {
    return requestDone(store.index("patrol").getAll(IDBKeyRange.only(uuid)));
  }

  function putPatrol(patrol) {
    return transact(["patrols"], "readwrite", ({ patrols }) => {
      patrols.put(patrol);
      return patrol;
    });
  }

  /* Change some fields of a stored patrol, reading and writing in one transaction. */
  function updatePatrol(uuid, changes) {
    return transact(["patrols"], "readwrite", async ({ patrols }) => {
      const patrol = await requestDone(patrols.get(uuid));
      if (!patrol) {
        return null;
      }
      Object.assign(patrol, changes);
      patrols.put(patrol);
      return patrol;
    });
  }

  function getPatrol(uuid) {
    return transact(["patrols"], "readonly", ({ patrols }) => requestDone(patrols.get(uuid)));
  }

  function patrolsOf(account) {
    return transact(["patrols"], "readonly", ({ patrols }) =>
      requestDone(patrols.index("account").getAll(IDBKeyRange.only(account))),
    );
  }

  function addPoint(point) {
    return transact(["points"], "readwrite", ({ points }) => requestDone(points.add(point)), "relaxed");
  }

  function pointsOf(uuid) {
    // Auto-increment keys keep the fixes in the order they were recorded.
    return transact(["points"], "readonly", ({ points }) => byPatrol(points, uuid));
  }

  function addFinding(finding) {
    return transact(["findings"], "readwrite", ({ findings }) => requestDone(findings.add(finding)));
  }

  function findingsOf(uuid) {
    return transact(["findings"], "readonly", ({ findings }) => byPatrol(findings, uuid));
  }

  function deleteFinding(id) {
    return transact(["findings"], "readwrite", ({ findings }) => {
      findings.delete(id);
    });
  }

  /* Drop a patrol's fixes and findings (the bulky part); the patrol record too unless kept. */
  function deletePatrolData(uuid, { keepPatrol = false } = {}) {
    return transact(["patrols", "points", "findings"], "readwrite", async (stores) => {
      const range = IDBKeyRange.only(uuid);
      const [pointKeys, findingKeys] = await Promise.all([
        requestDone(stores.points.index("patrol").getAllKeys(range)),
        requestDone(stores.findings.index("patrol").getAllKeys(range)),
      ]);
      for (const key of pointKeys) {
        stores.points.delete(key);
      }
      for (const key of findingKeys) {
        stores.findings.delete(key);
      }
      if (!keepPatrol) {
        stores.patrols.delete(uuid);
      }
    });
  }

  self.PatrolStore = {
    open,
    putPatrol,
    updatePatrol,
    getPatrol,
    patrolsOf,
    addPoint,
    pointsOf,
    addFinding,
    findingsOf,
    deleteFinding,
    deletePatrolData,
  };
})();
