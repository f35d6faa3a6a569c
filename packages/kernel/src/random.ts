import type * as NodeCrypto from "node:crypto";

/**
 * `node:crypto`, loaded on first use: loading it sets up OpenSSL, about 50 million instructions
 * (a tenth of Node's own start), which a program that never generates a UUID should not pay at
 * `import "@dataflow/kernel"`.
 */
let crypto: typeof NodeCrypto | undefined;

export function randomUUID(): string {
  crypto ??= process.getBuiltinModule("node:crypto");
  return crypto.randomUUID();
}

function hexDigits(count: number): string {
  return Math.floor(Math.random() * 16 ** count)
    .toString(16)
    .padStart(count, "0");
}

/**
 * The first 24 characters of a v4 UUID (`xxxxxxxx-xxxx-4xxx-yxxx-`), from `Math.random`: a
 * per-process prefix of identifiers that tell runs apart, not secrets, so no `node:crypto` load.
 */
export function uuidPrefix(): string {
  return `${hexDigits(8)}-${hexDigits(4)}-4${hexDigits(3)}-${(8 + Math.floor(Math.random() * 4)).toString(16)}${hexDigits(3)}-`;
}
