/**
 * The demo application (bin/demo-upstream.ts) behind a gateway on loopback, as a person's browser
 * reaches it: the gateway's public_url is the address it listens on.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoUpstream } from '../../bin/demo-upstream.js';
import { startGateway, type TestGateway, type TestGatewayOptions } from './gateway.js';

export interface DemoSite {
  gw: TestGateway;
  /** Where the browser goes: the gateway, in front of the demo application. */
  url: string;
  close(): Promise<void>;
}

export async function startDemoSite(
  options: Omit<TestGatewayOptions, 'upstreamUrl' | 'publicUrlFromSocket'> = {},
): Promise<DemoSite> {
  const upstream: Server = demoUpstream();
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const gw = await startGateway({ ...options, upstreamUrl, publicUrlFromSocket: true });
  const { url } = await gw.listen();
  return {
    gw,
    url,
    close: async () => {
      await gw.close();
      upstream.closeAllConnections();
      await new Promise((resolve) => (upstream.listening ? upstream.close(resolve) : resolve(undefined)));
    },
  };
}
