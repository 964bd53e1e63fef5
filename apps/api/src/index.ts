export * from './routes.js';
export { seriesRoutes } from './series-routes.js';
export { AnomalyFeed, anomalyStreamRoutes, anomalyFilter, type AnomalyFeedOptions, type AnomalyStreamOptions, type FeedEntry } from './stream.js';
export { consoleRoutes, CONSOLE_CSP, type ConsoleRoutesOptions } from './console.js';
