export { retryDelayMs, type BackoffPolicy } from './backoff.js';
export { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.js';
