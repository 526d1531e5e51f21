export * from './config';
export * from './http';
export * from './database.module';
export * from './event-pipeline';
export * from './health';
export * from './logging';
export * from './request-context';
export * from './bootstrap';
