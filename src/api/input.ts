// Reading request members of the AWS-compatible API: each check names the member and what was expected, and
// throws the service's own "invalid parameter" error, so that the SDKs raise their own exception class.

import type { AwsError } from './protocol.js';

/** Builds the service's invalid-parameter error (Logs: InvalidParameterException; CloudWatch: InvalidParameterValue). */
export type Invalid = (message: string) => AwsError;

/** Typed access to a JSON request object. */
export class Input {
  constructor(
    readonly raw: Readonly<Record<string, unknown>>,
    private readonly invalid: Invalid,
  ) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  string(
    key: string,
    opts: { required: true; min?: number; max?: number; pattern?: RegExp; what?: string },
  ): string;
  string(
    key: string,
    opts?: { required?: boolean; min?: number; max?: number; pattern?: RegExp; what?: string },
  ): string | undefined;
  string(
    key: string,
    opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp; what?: string } = {},
  ): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (opts.required)
        throw this.invalid(
          `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`,
        );
      return undefined;
    }
    if (typeof v !== 'string') throw this.invalid(`${key}: expected a string, got ${typeof v}`);
    const min = opts.min ?? 0;
    if (v.length < min || (opts.max !== undefined && v.length > opts.max)) {
      throw this.invalid(
        `1 validation error detected: Value '${v.slice(0, 64)}' at '${key}' failed to satisfy constraint: Member must have length ${opts.max === undefined ? `greater than or equal to ${min}` : `between ${min} and ${opts.max}`}`,
      );
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      throw this.invalid(
        `1 validation error detected: Value '${v.slice(0, 64)}' at '${key}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${opts.pattern.source}${opts.what ? ` (${opts.what})` : ''}`,
      );
    }
    return v;
  }

  number(key: string, opts: { required: true; min?: number; max?: number; integer?: boolean }): number;
  number(
    key: string,
    opts?: { required?: boolean; min?: number; max?: number; integer?: boolean },
  ): number | undefined;
  number(
    key: string,
    opts: { required?: boolean; min?: number; max?: number; integer?: boolean } = {},
  ): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (opts.required)
        throw this.invalid(
          `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`,
        );
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) {
      throw this.invalid(`${key}: expected ${opts.integer ? 'an integer' : 'a number'}`);
    }
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      throw this.invalid(
        `1 validation error detected: Value '${v}' at '${key}' failed to satisfy constraint: Member must have value ${opts.max === undefined ? `greater than or equal to ${opts.min}` : opts.min === undefined ? `less than or equal to ${opts.max}` : `between ${opts.min} and ${opts.max}`}`,
      );
    }
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw this.invalid(`${key}: expected true or false`);
    return v;
  }

  list(key: string, opts: { required?: boolean; min?: number; max?: number } = {}): unknown[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (opts.required)
        throw this.invalid(
          `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`,
        );
      return undefined;
    }
    if (!Array.isArray(v)) throw this.invalid(`${key}: expected a list`);
    const min = opts.min ?? 0;
    if (v.length < min || (opts.max !== undefined && v.length > opts.max)) {
      throw this.invalid(
        `1 validation error detected: Value at '${key}' failed to satisfy constraint: Member must have length ${opts.max === undefined ? `greater than or equal to ${min}` : `between ${min} and ${opts.max}`}`,
      );
    }
    return v;
  }

  stringList(
    key: string,
    opts: { required?: boolean; min?: number; max?: number } = {},
  ): string[] | undefined {
    const v = this.list(key, opts);
    if (v === undefined) return undefined;
    return v.map((x, i) => {
      if (typeof x !== 'string') throw this.invalid(`${key}[${i}]: expected a string`);
      return x;
    });
  }

  map(key: string): Record<string, unknown> | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.invalid(`${key}: expected a map`);
    return v as Record<string, unknown>;
  }
}

/** An opaque page token: base64url of JSON. */
export function encodeToken(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** Decodes a page token, or throws `bad` when it is not one of ours. */
export function decodeToken<T>(token: string, check: (v: unknown) => v is T, bad: () => AwsError): T {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!check(v)) throw bad();
  return v;
}
