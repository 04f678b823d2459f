// Automatic persisted queries (Apollo's protocol, through graphql-yoga's APQ plugin): a client sends the SHA-256 of
// its query in `extensions.persistedQuery`, the full text only once when the server answers PERSISTED_QUERY_NOT_FOUND;
// GET requests then fit in a URL and can be cached by a CDN. The store is in memory, per process, and bounded in
// entries and in the size of each query, so a client registering junk costs at most APQ_STORE_MAX_BYTES of memory:
// an entry evicted or never stored is just asked for again.
import { type APQStore, createInMemoryAPQStore, useAPQ } from "@graphql-yoga/plugin-apq";
import type { Plugin } from "graphql-yoga";

/** Least recently used queries beyond this many are evicted. */
export const APQ_STORE_ENTRIES_MAX = 500;
/** A longer query is executed but not stored: honest documents are a few KiB. */
export const APQ_QUERY_CHARS_MAX = 16 * 1024;
/** What the store can hold at worst. */
export const APQ_STORE_MAX_BYTES = APQ_STORE_ENTRIES_MAX * APQ_QUERY_CHARS_MAX * 2;
const APQ_TTL_MS = 24 * 60 * 60 * 1000;

export function createPersistedQueryStore(): APQStore {
  const store = createInMemoryAPQStore({ max: APQ_STORE_ENTRIES_MAX, ttl: APQ_TTL_MS });
  return {
    get: (hash) => store.get(hash),
    set: (hash, query) => (query.length > APQ_QUERY_CHARS_MAX ? undefined : store.set(hash, query)),
  };
}

export function usePersistedQueries(store: APQStore = createPersistedQueryStore()): Plugin {
  return useAPQ({ store });
}
