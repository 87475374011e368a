export { Dispatcher, type DispatcherOptions, type TickResult } from './dispatcher';
export { type FiringPlan, planFiring } from './plan';
export { createLoggingSender, type Sender, type SendRequest } from './sender';
