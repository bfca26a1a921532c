// How the throttles, the hash gate and the audit log's refusal aggregation group client
// addresses (shared by accounts/ and observability/, so it sits in the lower layer).
import net from 'node:net';

/**
 * The address a throttle counts on: an IPv4 address as is; an IPv6 address by its /64 prefix,
 * since one subscriber usually holds a whole /64 (2^64 addresses would otherwise be as many
 * fresh budgets, and the per-account cap across addresses a cheap way to lock an agent out).
 */
export function throttleKey(address: string): string {
  if (net.isIP(address) !== 6) return address;
  const lower = address.toLowerCase().replace(/%.*$/, '');
  const [head = '', tail] = lower.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const parts =
    tail === undefined
      ? headParts
      : [
          ...headParts,
          ...Array<string>(Math.max(0, 8 - headParts.length - tailParts.length)).fill('0'),
          ...tailParts,
        ];
  return `${parts
    .slice(0, 4)
    .map((part) => part.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
