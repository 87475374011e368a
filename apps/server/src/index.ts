export { type Config, DEV_JWT_SECRET, loadConfig } from './config';
export { type AppOptions, buildApp } from './http/app';
