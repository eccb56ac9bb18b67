/**
 * A TCP proxy on loopback that puts a real server's faults between it and stepgate: pass traffic,
 * refuse connections (the port closed, as when the server is down), or hang (connections
 * accepted and bytes swallowed, as when the server is paused or the network partitioned).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type FaultMode = 'pass' | 'hang' | 'refuse';

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  mode(): FaultMode;
  /** Every connection is closed; new ones are refused until `pass()`. */
  refuse(): Promise<void>;
  /** Open connections stop carrying bytes; new ones are accepted and then ignored. */
  hang(): void;
  /** Back to forwarding; connections left from a fault are closed, so clients reconnect. */
  pass(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const onConnection = (client: Socket) => {
    track(client);
    if (mode !== 'pass') {
      client.pause();
      return;
    }
    const server = connect(target.port, target.host);
    track(server);
    client.pipe(server);
    server.pipe(client);
    client.once('close', () => server.destroy());
    server.once('close', () => client.destroy());
  };

  let server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const closeAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  return {
    host: '127.0.0.1',
    port,
    mode: () => mode,
    async refuse() {
      mode = 'refuse';
      const stopped = stopListening();
      closeAll();
      await stopped;
    },
    hang() {
      mode = 'hang';
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    async pass() {
      closeAll();
      mode = 'pass';
      if (!server.listening) {
        server = createServer(onConnection);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', resolve);
        });
      }
    },
    async close() {
      const stopped = stopListening();
      closeAll();
      await stopped;
    },
  };
}
