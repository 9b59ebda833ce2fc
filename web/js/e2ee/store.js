// Persisting a SecureSessions state in IndexedDB. Private keys are non-extractable CryptoKeys,
// stored by structured clone, so page script can use them but never read their bytes.
const DB = "huddle-e2ee";
const STORE = "state";

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const saveState = (account, state) => run("readwrite", (s) => s.put(state, account));
export const loadState = (account) => run("readonly", (s) => s.get(account));
export const deleteState = (account) => run("readwrite", (s) => s.delete(account));
