export * from './store.js';
export { StoreQueryError, StoreUnavailableError } from './errors.js';
export { GroupCommit, type GroupCommitOptions } from './group-commit.js';
export { DuckDbStore, type DuckDbStoreOptions } from './duckdb/duckdb-store.js';
export * from './influx/index.js';
export { CachingStore } from './query-cache.js';
