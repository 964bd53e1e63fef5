export * from './service.js';
export { alertingRoutes, type AlertingRoutesOptions } from './routes.js';
