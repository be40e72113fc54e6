/**
 * The warning Redis logs when it cannot listen on an address (listenToPort): the address as
 * configured and anet's error, `bind: <strerror>`. Node reports a failed bind from listen()
 * with libuv's wording, so the usual codes are given glibc's text.
 */
const STRERROR: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EAFNOSUPPORT: 'Address family not supported by protocol',
};

export function listenWarning(addr: string, port: number, err: NodeJS.ErrnoException): string {
  const text = (err.code !== undefined ? STRERROR[err.code] : undefined) ?? err.message;
  return `Warning: Could not create server TCP listening socket ${addr}:${port}: bind: ${text}`;
}
