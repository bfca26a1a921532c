/**
 * The client's address, as used by rate limits, login throttling and the audit log.
 *
 * Behind a reverse proxy every request comes from the proxy: without more, all agents would
 * share one address (and one login budget). The proxy tells the real client in
 * `X-Forwarded-For`, but anyone can send that header: it is believed **only** when the direct
 * peer is one of the trusted proxies (`TRUST_PROXY`: addresses or CIDR ranges). The header is
 * then read from the right (each proxy appends the address it saw), skipping trusted proxies;
 * the first untrusted entry is the client. Entries a client wrote itself (to the left) are
 * never reached. Anything unparseable falls back to the direct peer.
 */
import net from 'node:net';

export type ClientAddressOf = (
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
) => string;

/** `::ffff:1.2.3.4` (IPv4 seen on a dual-stack socket) → `1.2.3.4`. */
/** `1.2.3.4:5678` → `1.2.3.4`; `[2001:db8::1]:443` → `2001:db8::1`; anything else as is. */
function withoutPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  return v4 ? v4[1]! : hop;
}

function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Parses a TRUST_PROXY list; throws a French error naming a bad entry. */
export function parseTrustedProxies(list: readonly string[]): net.BlockList {
  const trusted = new net.BlockList();
  for (const raw of list) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address, bits, extra] = entry.split('/');
    const family = net.isIP(address ?? '');
    const prefix = bits === undefined ? null : Number(bits);
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (prefix !== null && (!Number.isInteger(prefix) || prefix < 0 || prefix > maxBits))
    ) {
      throw new Error(
        `TRUST_PROXY : « ${entry} » n'est ni une adresse IP ni une plage (ex. 10.0.0.1 ou 10.0.0.0/8).`,
      );
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === null) trusted.addAddress(address!, type);
    else trusted.addSubnet(address!, prefix, type);
  }
  return trusted;
}

export function clientAddressResolver(trustProxy: readonly string[] = []): ClientAddressOf {
  const trusted = parseTrustedProxies(trustProxy);
  const isTrusted = (address: string) => {
    const family = net.isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  const none = trustProxy.every((entry) => entry.trim() === '');
  return (peerRaw, forwardedFor) => {
    const peer = normalize(peerRaw ?? 'unknown');
    if (none || !isTrusted(peer) || forwardedFor === undefined) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((hop) => normalize(withoutPort(hop.trim())));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // Unreadable even without a port: a misconfigured proxy. The proxy's own address (a
      // shared budget) rather than a key a client could vary at will.
      if (net.isIP(hop) === 0) return peer;
      if (!isTrusted(hop)) return hop;
    }
    return peer;
  };
}
