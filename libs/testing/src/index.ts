export * from './expect-eventually';
export * from './env';
export * from './service-env';
