export * from './store.js';
export { StoreQueryError } from './errors.js';
export { GroupCommit, type GroupCommitOptions } from './group-commit.js';
export { DuckDbStore, type DuckDbStoreOptions } from './duckdb/duckdb-store.js';
