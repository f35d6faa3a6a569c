import { existsSync } from "node:fs";
import { connect } from "node:net";
import { waitUntilQueryable, type Driver } from "./admin.js";
import { importOptional } from "./drivers.js";
import { STRICT_SQL_MODE } from "./mysql-server.js";
import { findFreePort, sleep, waitForPortClosed } from "./ports.js";
import type { DatabaseKind, LocalServerOptions, OwnedServer } from "./types.js";

type Endpoint = { socketPath: string } | { host: string; port: number };
export type RuntimeProbe = { ok: true; endpoint: Endpoint } | { ok: false; reason: string };

const PING_TIMEOUT_MS = 500;
const DEFAULT_SOCKET = "/var/run/docker.sock";

/** Minimal HTTP/1.0 over a socket, enough for the Docker Engine API. */
function dockerRequest(endpoint: Endpoint, method: string, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = "socketPath" in endpoint ? connect(endpoint.socketPath) : connect(endpoint.port, endpoint.host);
    let response = "";
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once("connect", () => socket.write(`${method} ${path} HTTP/1.0\r\nHost: docker\r\nContent-Length: 0\r\n\r\n`));
    socket.on("data", (chunk) => (response += chunk.toString()));
    socket.once("error", reject);
    socket.once("close", () => {
      const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(response)?.[1] ?? 0);
      resolve({ status, body: response.slice(response.indexOf("\r\n\r\n") + 4) });
    });
  });
}

function endpointFromEnv(): Endpoint | string {
  const host = process.env.DOCKER_HOST?.trim();
  if (!host) {
    return existsSync(DEFAULT_SOCKET) ? { socketPath: DEFAULT_SOCKET } : `no DOCKER_HOST, ${DEFAULT_SOCKET} missing`;
  }
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
  if (process.env.DOCKER_TLS_VERIFY) return `DOCKER_HOST=${host} needs TLS, which is not supported here`;
  const match = /^tcp:\/\/([^:/]+):(\d+)/.exec(host);
  return match?.[1] && match[2] ? { host: match[1], port: Number(match[2]) } : `unsupported DOCKER_HOST=${host}`;
}

let probe: Promise<RuntimeProbe> | undefined;

/** Answers within ~PING_TIMEOUT_MS; never waits for a runtime to appear. Cached per process. */
export function probeContainerRuntime(): Promise<RuntimeProbe> {
  probe ??= (async (): Promise<RuntimeProbe> => {
    const endpoint = endpointFromEnv();
    if (typeof endpoint === "string") return { ok: false, reason: `no container runtime (${endpoint})` };
    try {
      const { status } = await dockerRequest(endpoint, "GET", "/_ping", PING_TIMEOUT_MS);
      if (status === 200) return { ok: true, endpoint };
      return { ok: false, reason: `no container runtime (docker /_ping answered HTTP ${status})` };
    } catch (error) {
      return { ok: false, reason: `no container runtime (docker /_ping failed: ${(error as Error).message})` };
    }
  })();
  return probe;
}

interface StartedContainer {
  getId(): string;
  getHost(): string;
}

/** The slice of `testcontainers` used here; its builder is left untyped to avoid depending on it. */
interface Testcontainers {
  GenericContainer?: new (image: string) => any;
  Wait?: { forLogMessage(message: RegExp, times: number): unknown };
}

interface ImageSpec {
  image: string;
  port: number;
  env: Record<string, string>;
  /** Logged twice: once by the image's init-time server, then by the real one. */
  ready: RegExp;
  command(options: LocalServerOptions): string[];
}

const IMAGES: Record<DatabaseKind, ImageSpec> = {
  postgres: {
    image: "postgres:16-alpine",
    port: 5432,
    env: { POSTGRES_HOST_AUTH_METHOD: "trust" },
    ready: /database system is ready to accept connections/,
    command: (o) => [
      "postgres",
      ...[`max_connections=${o.maxConnections}`, ...(o.durable ? [] : ["fsync=off", "full_page_writes=off"])].flatMap((setting) => ["-c", setting]),
    ],
  },
  mysql: {
    image: "mariadb:10.11",
    port: 3306,
    env: { MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1" },
    ready: /ready for connections/,
    command: (o) => [
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
      `--sql-mode=${STRICT_SQL_MODE}`,
      `--max-connections=${o.maxConnections}`,
      ...(o.durable ? [] : ["--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0"]),
    ],
  },
};

export type ContainerStart = { ok: true; server: OwnedServer; adminUrl: string } | { ok: false; reason: string };

export async function startContainerServer(driver: Driver, options: LocalServerOptions): Promise<ContainerStart> {
  const runtime = await probeContainerRuntime();
  if (!runtime.ok) return runtime;
  const tc = (await importOptional("testcontainers")) as Testcontainers | undefined;
  if (!tc?.GenericContainer || !tc.Wait) {
    return { ok: false, reason: "container runtime found but the 'testcontainers' package is not installed" };
  }
  const spec = IMAGES[driver.kind];
  const hostPort = await findFreePort();
  try {
    const started: StartedContainer = await new tc.GenericContainer(spec.image)
      .withEnvironment(spec.env)
      .withCommand(spec.command(options))
      .withExposedPorts({ container: spec.port, host: hostPort })
      .withWaitStrategy(tc.Wait.forLogMessage(spec.ready, 2))
      .withStartupTimeout(180_000)
      .start();
    const adminUrl =
      driver.kind === "postgres" ? `postgresql://postgres@${started.getHost()}:${hostPort}/postgres` : `mysql://root@${started.getHost()}:${hostPort}/mysql`;
    await waitUntilQueryable(driver, adminUrl);
    const server = new ContainerServer(runtime.endpoint, started.getId(), hostPort, driver, adminUrl);
    return { ok: true, adminUrl, server };
  } catch (error) {
    return { ok: false, reason: `container ${spec.image} failed to start: ${(error as Error).message}` };
  }
}

/** Stop/start/kill through the Engine API; the fixed host port survives restarts. */
class ContainerServer implements OwnedServer {
  readonly pid = undefined;
  constructor(
    private readonly endpoint: Endpoint,
    private readonly id: string,
    readonly port: number,
    private readonly driver: Driver,
    private readonly adminUrl: string,
  ) {}

  async #call(method: string, path: string): Promise<void> {
    const { status, body } = await dockerRequest(this.endpoint, method, `/containers/${this.id}${path}`, 120_000);
    if (status >= 300 && status !== 304) throw new Error(`docker ${method} ${path}: HTTP ${status} ${body.trim()}`);
  }

  async #running(): Promise<boolean> {
    const { body } = await dockerRequest(this.endpoint, "GET", `/containers/${this.id}/json`, 10_000);
    return /"Running":\s*true/.test(body);
  }

  async stop(): Promise<void> {
    await this.#call("POST", "/stop?t=30");
    await waitForPortClosed(this.port);
  }

  async start(): Promise<void> {
    await this.#call("POST", "/start");
    await waitUntilQueryable(this.driver, this.adminUrl);
  }

  async kill(): Promise<void> {
    if (await this.#running()) await this.#call("POST", "/kill?signal=KILL");
    while (await this.#running()) await sleep(100);
  }

  async destroy(): Promise<void> {
    await this.#call("DELETE", "?force=true&v=true");
  }
}
