/** Loopback (127.0.0.0/8, ::1, ::ffff:127.x): never banned, and "this host" for lateral-movement purposes. */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('127.') || ip === '::1';
}

/** The unspecified address of either family, as remote side of a listening or unconnected socket. */
export function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '::ffff:0.0.0.0';
}
