export * from './problem.js';
export * from './auth.js';
export * from './server.js';
export * from './params.js';
export * from './openapi.js';
