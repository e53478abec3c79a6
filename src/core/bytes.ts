// Byte counts scaled by 1024 for people to read, with the caller's unit names (IEC for the CLI, AWS's for bills).

/** IEC names: 1536 → "1.5 KiB". */
export const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
/** The names AWS bills in (1 GB = 2^30 bytes): 1536 → "1.5 KB". */
export const AWS_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/**
 * Scales `n` bytes by 1024 until it is below 1024 (or the last unit), one decimal past bytes.
 *
 * @example scaleBytes(1536, IEC_UNITS) // '1.5 KiB'
 */
export function scaleBytes(n: number, units: readonly string[]): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
