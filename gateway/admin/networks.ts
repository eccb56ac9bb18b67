import type { CompiledPolicy } from '../../policies/compile.js';
import { formatIp, parseCidr } from '../../policies/ip.js';

/**
 * A remembered network as the store keys it, from what a help desk typed: the network as listed
 * ('203.0.113.7/32', in any IPv6 spelling) or an address in it ('203.0.113.7'). Text that is
 * neither is returned as it is, and simply matches nothing.
 */
export function rememberedNetworkName(text: string, policy: CompiledPolicy): string {
  const trimmed = text.trim();
  if (!trimmed.includes('/')) {
    try {
      return policy.networkOf(trimmed);
    } catch {
      return trimmed;
    }
  }
  const block = parseCidr(trimmed);
  return block ? `${formatIp(block)}/${block.prefix}` : trimmed;
}
