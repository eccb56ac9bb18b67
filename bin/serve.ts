/**
 * `stepgate serve`: the composed gateway (compose.ts) on the operator's listen address, reloaded
 * on SIGHUP, drained on SIGTERM and SIGINT.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../gateway/ports.js';
import { compose, StartupError } from './compose.js';
import { listen, type Listening } from './listen.js';

export async function serve(config: Config, logger: Logger): Promise<void> {
  const composed = await compose(config, logger);
  let listening: Listening;
  try {
    listening = await listen(config.server, composed.gateway.handler, logger);
  } catch (error) {
    // Redis, the store and the policy watcher are open by now and would keep the process alive.
    await composed.close();
    throw new StartupError((error as Error).message);
  }
  composed.gateway.attach(listening.server);
  logger.info('stepgate listening', { listen: config.server.listen, public_url: config.server.public_url });
  process.on('SIGHUP', () => void composed.reload());
  const stop = (signal: string) => {
    logger.info('stepgate stopping', { signal, shutdown_timeout_ms: config.server.shutdown_timeout });
    void listening
      .drain()
      .then(() => composed.close())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
