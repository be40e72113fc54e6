/**
 * Buffer's own latin1Slice and latin1Write, which toString('latin1', a, b) and
 * write(s, offset, length, 'latin1') end up calling. Calling them directly skips the generic
 * dispatch, measurable on paths every argument or reply byte goes through (the request parser,
 * BulkWriter, packed list blocks).
 */
export interface Latin1Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number, length: number): number;
}
