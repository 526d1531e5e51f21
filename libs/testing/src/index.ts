export * from './expect-eventually';
export * from './env';
