export * from './routes.js';
export * from './publisher.js';
