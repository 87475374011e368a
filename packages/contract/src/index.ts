export * from './campaign';
export * from './delivery';
export * from './errors';
export * from './event';
export * from './limits';
export * from './primitives';
export * from './scopes';
export * from './step';
export { transformer } from './transformer';
