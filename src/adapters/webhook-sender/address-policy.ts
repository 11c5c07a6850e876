import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may be sent to: public unicast only. Refused: loopback, private
 * (RFC 1918, IPv6 unique local fc00::/7), link-local (169.254.0.0/16 with the cloud metadata
 * address, fe80::/10), carrier-grade NAT (100.64.0.0/10), unspecified (0.0.0.0, ::), broadcast,
 * multicast, reserved and documentation ranges, and IPv6 forms that embed an IPv4 address (mapped
 * ::ffff:a.b.c.d is judged as the IPv4 address it carries).
 * Returns why an address is refused, or null when it may be reached.
 */
export function refusedAddressReason(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'it is not an IP address';
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'unicast') return null;
  return `it is in a ${RANGE_NAMES[range] ?? `${range} (not public)`} range`;
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'loopback',
  private: 'private (RFC 1918)',
  uniqueLocal: 'private (unique local)',
  linkLocal: 'link-local (this includes cloud metadata services)',
  carrierGradeNat: 'carrier-grade NAT',
  unspecified: 'unspecified-address',
  broadcast: 'broadcast',
  multicast: 'multicast',
  reserved: 'reserved',
};

/** A host of a URL as an IP address (brackets of an IPv6 literal removed), or null when it is a name. */
export function literalAddress(hostname: string): string | null {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(host) ? host : null;
}
