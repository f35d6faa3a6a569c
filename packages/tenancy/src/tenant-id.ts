import { TenantError } from "@dataflow/kernel/plugin";

/** Tenant ids of the `row` and `rls` strategies. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Tenant ids of the `schema` strategy become part of a schema/database name, so they are
 * lowercase (MySQL may fold database names to lowercase; `Acme` and `acme` must never meet).
 */
export function schemaTenantPattern(prefix: string): RegExp {
  const room = Math.min(64, 63 - prefix.length);
  return new RegExp(`^[a-z0-9_]{1,${room}}$`);
}

/** Returns the tenant id when it matches `pattern`; never echoes a rejected value. */
export function checkTenantId(value: unknown, pattern: RegExp): string {
  if (typeof value !== "string") {
    throw new TenantError(`The tenant id must be a string, got ${value === null ? "null" : typeof value}`, { field: "tenantId" });
  }
  if (!pattern.test(value)) {
    throw new TenantError(`The tenant id is not valid; it must match ${pattern.source}`, {
      field: "tenantId",
      fix: "Tenant ids are validated, never escaped: use the allowed characters",
    });
  }
  return value;
}
