import { ValidationError, WorkflowValidationError } from "./errors.js";
import { quoteName, shortName } from "./names.js";
import { isPlainObject } from "./filter.js";
import { hasOwnProperty } from "./own.js";
import { didYouMean } from "./suggest.js";

export type ParamType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "any";

export interface ParamSpec {
  readonly type?: ParamType;
  readonly required?: boolean;
  readonly description?: string;
}

export type ParamsSchema = Readonly<Record<string, ParamSpec>>;

function typeMatches(type: ParamType | undefined, value: unknown): boolean {
  switch (type) {
    case undefined:
    case "any":
      return true;
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && !Number.isNaN(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
  }
}

/** Rejects parameter names the node does not declare, with a "did you mean" hint. */
export function checkParamNames(schema: ParamsSchema, names: Iterable<string>, where: string): void {
  for (const name of names) {
    if (!Object.hasOwn(schema, name)) {
      const known = Object.keys(schema);
      throw new WorkflowValidationError(
        `${where}: unknown parameter ${quoteName(name)}. ${didYouMean(name, known) || `Known parameters: ${known.join(", ") || "(none)"}.`}`,
        { field: shortName(name) },
      );
    }
  }
}

/** Checks names, types and required parameters of the params a node is about to run with. */
export function checkParams(schema: ParamsSchema, params: Record<string, unknown>, where: string): void {
  checkParamNames(schema, Object.keys(params), where);
  for (const name of Object.keys(schema)) {
    const spec = schema[name]!;
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (value === undefined) {
      if (Object.hasOwn(params, name)) throw undefinedParam(name, where);
      if (spec.required) throw missingParam(name, where);
      continue;
    }
    if (!typeMatches(spec.type, value)) throw wrongType(spec, name, where);
  }
}

/**
 * Checks the params named `names` (own properties of `params`): declared, not undefined, of their
 * type. Whether required params are present is {@link checkRequired}'s part.
 */
export function checkParamValues(schema: ParamsSchema, params: Record<string, unknown>, names: readonly string[], where: string): void {
  for (const name of names) checkParamValue(schema, params, name, where);
}

/** {@link checkParamValues} for the own names of `source` (e.g. a run's parameters for one node), without listing them first. */
export function checkOwnParamValues(schema: ParamsSchema, params: Record<string, unknown>, source: object, where: string): void {
  for (const name in source) if (hasOwnProperty.call(source, name)) checkParamValue(schema, params, name, where);
}

/** One param of {@link checkParamValues}. */
export function checkParamValue(schema: ParamsSchema, params: Record<string, unknown>, name: string, where: string): void {
  if (!Object.hasOwn(schema, name)) checkParamNames(schema, [name], where);
  const value = params[name];
  if (value === undefined) throw undefinedParam(name, where);
  const spec = schema[name]!;
  if (!typeMatches(spec.type, value)) throw wrongType(spec, name, where);
}

/** Checks that each of `names` has a value in `params`. */
export function checkRequired(params: Record<string, unknown>, names: readonly string[], where: string): void {
  for (const name of names) {
    if (!Object.hasOwn(params, name) || params[name] === undefined) throw missingParam(name, where);
  }
}

function undefinedParam(name: string, where: string): ValidationError {
  return new ValidationError(`${where}: parameter '${name}' is undefined`, { field: name, fix: "Omit it or give a value" });
}

function missingParam(name: string, where: string): ValidationError {
  return new ValidationError(`${where}: missing required parameter '${name}'`, { field: name });
}

function wrongType(spec: ParamSpec, name: string, where: string): ValidationError {
  return new ValidationError(`${where}: parameter '${name}' must be ${spec.type === "object" ? "a plain object" : `of type ${spec.type}`}`, { field: name });
}
