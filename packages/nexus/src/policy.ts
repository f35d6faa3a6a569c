// One policy for every surface (REST, MCP, CLI): who the caller is, which tenant, which workflows,
// whether writes are allowed, and how often. Each surface only turns its credentials into a
// `Credentials` object and its refusals into its own wire format.
import type { NamedWorkflow } from "@dataflow/kernel";
import { TenantError, ValidationError } from "@dataflow/kernel";
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify } from "jose";
import { AuthenticationError, ForbiddenError, ReadOnlyError } from "./errors.js";
import type { RateLimitOptions } from "./rate-limit.js";
import { RateLimiter } from "./rate-limit.js";

export type Surface = "rest" | "mcp" | "cli";

/** What a surface knows about the caller: a bearer token, and for HTTP the request headers. */
export interface Credentials {
  readonly token?: string | undefined;
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  readonly surface: Surface;
  /** The client address (HTTP), used as the rate-limit key of anonymous callers. */
  readonly address?: string;
}

export interface Principal {
  readonly subject?: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface JwtOptions {
  /** HMAC secret (HS256/384/512). */
  readonly secret?: string | Uint8Array;
  /** PEM public key (SPKI), with `algorithms` naming its algorithm (default RS256). */
  readonly publicKey?: string;
  /** A JWKS endpoint. */
  readonly jwksUrl?: string;
  /** An inline JWKS. */
  readonly jwks?: { keys: Record<string, unknown>[] };
  readonly issuer?: string | string[];
  readonly audience?: string | string[];
  readonly algorithms?: string[];
}

export interface AuthOptions {
  readonly jwt?: JwtOptions;
  /** Your own check: return the principal, or undefined / throw to refuse. Runs when no JWT option is given. */
  readonly authenticate?: (credentials: Credentials) => Principal | undefined | Promise<Principal | undefined>;
}

export interface PolicyOptions {
  /** Without it every caller is anonymous and allowed (subject to the other rules). */
  readonly auth?: AuthOptions;
  /** The claim holding the caller's tenant id; set, a caller without it is refused (fail closed). */
  readonly tenantClaim?: string;
  /** Workflow names or patterns (`User_*`, `*_List`) that may run; default all. */
  readonly allow?: readonly string[];
  /** Workflow names or patterns that may not run; wins over `allow`. */
  readonly deny?: readonly string[];
  /** Refuse every workflow that writes or deletes. */
  readonly readOnly?: boolean;
  /** Per caller (its subject, else its address); per process unless `rateLimit.store` is shared. */
  readonly rateLimit?: RateLimitOptions;
}

export interface Decision {
  readonly principal: Principal | undefined;
  readonly tenantId: string | undefined;
}

function pattern(glob: string): RegExp {
  if (typeof glob !== "string" || glob.length === 0) throw new ValidationError("allow/deny entries must be non-empty strings", { field: "allow" });
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
}

function bearer(credentials: Credentials): string | undefined {
  if (credentials.token) return credentials.token;
  const header = credentials.headers?.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  if (!match) throw new AuthenticationError("The Authorization header must be 'Bearer <token>'", { field: "authorization" });
  return match[1];
}

type KeySource = Uint8Array | Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey;

const ANONYMOUS: Decision = Object.freeze({ principal: undefined, tenantId: undefined });

export class Policy {
  private readonly allow: RegExp[] | undefined;
  private readonly deny: RegExp[];
  private readonly limiter: RateLimiter | undefined;
  private key: Promise<KeySource> | undefined;

  constructor(readonly options: PolicyOptions = {}) {
    this.allow = options.allow?.map(pattern);
    this.deny = (options.deny ?? []).map(pattern);
    this.limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : undefined;
    const jwt = options.auth?.jwt;
    if (jwt && [jwt.secret, jwt.publicKey, jwt.jwksUrl, jwt.jwks].filter((k) => k !== undefined).length !== 1) {
      throw new ValidationError("auth.jwt needs exactly one of secret, publicKey, jwksUrl or jwks", { field: "auth.jwt" });
    }
  }

  get authRequired(): boolean {
    return this.options.auth !== undefined;
  }

  /** Whether the workflow is visible at all to this policy (allow/deny and read-only), before any caller. */
  permits(wf: NamedWorkflow, extraReadOnly = false): boolean {
    try {
      this.checkWorkflow(wf, extraReadOnly);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Decides one call: authenticates, checks the workflow against allow/deny and read-only, takes the
   * tenant from its claim, then counts the call. Throws the typed refusal.
   */
  async decide(wf: NamedWorkflow, credentials: Credentials, extraReadOnly = false): Promise<Decision> {
    return this.decideEagerly(wf, credentials, extraReadOnly);
  }

  /**
   * `decide`, answered synchronously (a Decision, or a thrown refusal) when nothing needs waiting for:
   * no authentication and no rate limit. The gateway's hot path; callers must handle both shapes.
   */
  decideEagerly(wf: NamedWorkflow, credentials: Credentials, extraReadOnly = false): Decision | Promise<Decision> {
    if (!this.readsCredentials) {
      // Nothing to wait for: answered synchronously, so the common unauthenticated call costs no extra promise.
      this.checkWorkflow(wf, extraReadOnly);
      return this.options.tenantClaim === undefined ? ANONYMOUS : { principal: undefined, tenantId: this.tenantOf(undefined) };
    }
    return this.decideFor(wf, credentials, extraReadOnly);
  }

  /**
   * Whether deciding reads the caller's credentials (authentication or a rate limit is configured).
   * When not, a surface may pass credentials without headers or address.
   */
  get readsCredentials(): boolean {
    return this.options.auth !== undefined || this.limiter !== undefined;
  }

  private async decideFor(wf: NamedWorkflow, credentials: Credentials, extraReadOnly: boolean): Promise<Decision> {
    const principal = await this.authenticate(credentials);
    this.checkWorkflow(wf, extraReadOnly);
    const tenantId = this.tenantOf(principal);
    if (this.limiter)
      await this.limiter.take(principal?.subject !== undefined ? `sub:${principal.subject}` : `addr:${credentials.address ?? credentials.surface}`);
    return { principal, tenantId };
  }

  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    const auth = this.options.auth;
    if (!auth) return undefined;
    if (auth.jwt) {
      const token = bearer(credentials);
      if (!token) throw new AuthenticationError("This server needs a bearer token", { field: "authorization", fix: "Send 'Authorization: Bearer <JWT>'" });
      let payload: JWTPayload;
      try {
        const key = await this.verificationKey(auth.jwt);
        ({ payload } = await jwtVerify(token, key as Uint8Array, {
          ...(auth.jwt.issuer ? { issuer: auth.jwt.issuer } : {}),
          ...(auth.jwt.audience ? { audience: auth.jwt.audience } : {}),
          ...(auth.jwt.algorithms ? { algorithms: auth.jwt.algorithms } : {}),
        }));
      } catch (error) {
        throw new AuthenticationError("The bearer token did not verify", { field: "authorization", cause: error });
      }
      return { subject: payload.sub, claims: payload };
    }
    if (!auth.authenticate) throw new ValidationError("auth needs jwt or authenticate", { field: "auth" });
    let principal: Principal | undefined;
    try {
      principal = await auth.authenticate(credentials);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      throw new AuthenticationError("The credentials were refused", { field: "authorization", cause: error });
    }
    if (!principal) throw new AuthenticationError("The credentials were refused", { field: "authorization" });
    return principal;
  }

  private verificationKey(jwt: JwtOptions): Promise<KeySource> {
    this.key ??= (async (): Promise<KeySource> => {
      if (jwt.secret !== undefined) return typeof jwt.secret === "string" ? new TextEncoder().encode(jwt.secret) : jwt.secret;
      if (jwt.publicKey !== undefined) return importSPKI(jwt.publicKey, jwt.algorithms?.[0] ?? "RS256");
      if (jwt.jwksUrl !== undefined) return createRemoteJWKSet(new URL(jwt.jwksUrl));
      return createLocalJWKSet(jwt.jwks as Parameters<typeof createLocalJWKSet>[0]);
    })();
    return this.key;
  }

  private checkWorkflow(wf: NamedWorkflow, extraReadOnly: boolean): void {
    if (this.deny.some((p) => p.test(wf.name)) || (this.allow && !this.allow.some((p) => p.test(wf.name)))) {
      throw new ForbiddenError(`Workflow '${wf.name}' is not allowed on this server`, { field: "workflow" });
    }
    if ((this.options.readOnly || extraReadOnly) && wf.access !== "read") {
      throw new ReadOnlyError(`Workflow '${wf.name}' ${wf.access === "delete" ? "deletes" : "writes"} data and this server is read-only`, {
        field: "workflow",
        fix: "Run a read workflow, or enable writes on the server",
      });
    }
  }

  private tenantOf(principal: Principal | undefined): string | undefined {
    const claim = this.options.tenantClaim;
    if (claim === undefined) return undefined;
    const value = principal?.claims[claim];
    if (typeof value !== "string" || value.length === 0) {
      throw new TenantError(`The caller has no tenant: claim '${claim}' is missing`, { field: claim, fix: `Send a token carrying the '${claim}' claim` });
    }
    return value;
  }
}
