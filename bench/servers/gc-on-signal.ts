/**
 * Preloaded into a gateway only by the memory benchmark (`node --expose-gc --import`): SIGUSR2
 * runs a full garbage collection, so resident memory can be read without the garbage of the
 * requests that created the sessions. The product itself has no such hook.
 */
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
});
