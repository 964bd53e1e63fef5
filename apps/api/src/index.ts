export * from './routes.js';
export { seriesRoutes } from './series-routes.js';
