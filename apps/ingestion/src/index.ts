export * from './routes.js';
export * from './publisher.js';
export * from './raw-consumer.js';
export * from './admission.js';
export * from './otlp/routes.js';
export * from './injection.js';
