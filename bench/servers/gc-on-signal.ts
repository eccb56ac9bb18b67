/**
 * Preloaded into a gateway only by the memory benchmark (`node --expose-gc --import`): on
 * SIGUSR2 it runs a full garbage collection, then writes process.memoryUsage() as JSON to the file
 * named by STEPGATE_BENCH_MEMORY_FILE. Resident memory is read from /proc by the benchmark; the
 * heap figures say how much of a change is JavaScript objects. The product itself has no such hook.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.STEPGATE_BENCH_MEMORY_FILE;

process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  if (file) writeFileSync(file, JSON.stringify(process.memoryUsage()));
});
