export { type AppOptions, buildApp } from './http/app';
export { type Config, DEV_JWT_SECRET, loadConfig } from './config';
