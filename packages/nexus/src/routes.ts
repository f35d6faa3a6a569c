// URL layout shared by the REST routes, the OpenAPI document and the docs page.
import type { Model } from "@dataflow/kernel/plugin";

export const API_PREFIX = "/api";

export function resourcePath(model: Model): string {
  return `${API_PREFIX}/${model.qualifiedName}`;
}

export function executePath(name: string): string {
  return `/workflows/${name}/execute`;
}

export function schemaPath(name: string): string {
  return `/workflows/${name}/schema`;
}
