export { tenancy } from "./plugin.js";
export type { TenancyOptions, TenancyPlugin } from "./plugin.js";
export type { StrategyName } from "./strategy.js";
export { TENANT_COLUMN } from "./row-scope.js";
export { TENANT_ID_PATTERN, schemaTenantPattern } from "./tenant-id.js";
export { POLICY_NAME, TENANT_SETTING } from "./rls-policies.js";
export { SHARED_TABLE_GUARD } from "./tenant-tables.js";
export { TenantError } from "@dataflow/kernel";
export { tenancy as default } from "./plugin.js";
