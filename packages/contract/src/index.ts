export * from './campaign';
export * from './errors';
export * from './primitives';
export * from './scopes';
export * from './step';
export { transformer } from './transformer';
