import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { childEnv } from "./exec.js";
import { onProcessExit } from "./exit-cleanup.js";
import { findFreePort, isPortOpen, sleep, waitForPortClosed } from "./ports.js";
import { signal, waitUntilDeadSync } from "./processes.js";
import type { RunAs } from "./run-as.js";
import type { OwnedServer } from "./types.js";
import { startWatchdog, type Watchdog } from "./watchdog.js";

export interface ServerSpec {
  /** For messages, e.g. "PostgreSQL". */
  name: string;
  command: string;
  args(port: number): string[];
  /** Temp dir holding the data dir, log and pid file; removed by destroy(). */
  dir: string;
  runAs: RunAs | undefined;
  /** Signal that triggers a fast, clean shutdown. */
  stopSignal: NodeJS.Signals;
  isReady(pid: number, logSinceStart: string): boolean;
  startTimeoutMs?: number;
}

const PORT_IN_USE = /address already in use|bind on tcp\/ip port|could not create listen socket/i;
const STOP_TIMEOUT_MS = 30_000;
const START_ATTEMPTS = 5;

class StartFailure extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

interface Running {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
  hasExited: () => boolean;
}

/** A database server process owned by this Node process. */
export class LocalServer implements OwnedServer {
  readonly #spec: ServerSpec;
  readonly #logFile: string;
  readonly #pidFile: string;
  readonly #watchdog: Watchdog;
  readonly #unregisterExitHook: () => void;
  #port = 0;
  #running: Running | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #destroyed = false;

  private constructor(spec: ServerSpec) {
    this.#spec = spec;
    this.#logFile = join(spec.dir, "server.log");
    this.#pidFile = join(spec.dir, "server.pid");
    this.#watchdog = startWatchdog(spec.dir, this.#pidFile);
    this.#unregisterExitHook = onProcessExit(() => this.#destroySync());
  }

  /** Starts the server on a free port, retrying with another port if it was taken meanwhile. */
  static async launch(spec: ServerSpec): Promise<LocalServer> {
    const server = new LocalServer(spec);
    try {
      for (let attempt = 1; ; attempt++) {
        server.#port = await findFreePort();
        try {
          await server.#spawnAndWait();
          return server;
        } catch (error) {
          if (!(error instanceof StartFailure && error.portInUse) || attempt >= START_ATTEMPTS) throw error;
        }
      }
    } catch (error) {
      await server.destroy();
      throw error;
    }
  }

  get port(): number {
    return this.#port;
  }

  get pid(): number | undefined {
    return this.#running?.pid;
  }

  start(): Promise<void> {
    return this.#serial(async () => {
      this.#assertUsable();
      if (!this.#running) await this.#spawnAndWait();
    });
  }

  stop(): Promise<void> {
    return this.#serial(() => this.#stop());
  }

  kill(): Promise<void> {
    return this.#serial(async () => {
      const running = this.#running;
      if (!running) return;
      running.child.ref();
      killGroup(running.pid);
      await running.exited;
      await waitForPortClosed(this.#port);
    });
  }

  /** Stops the server and removes its directory. Idempotent. */
  destroy(): Promise<void> {
    return this.#serial(async () => {
      if (this.#destroyed) return;
      this.#destroyed = true;
      try {
        await this.#stop();
      } finally {
        if (this.#running) {
          killGroup(this.#running.pid);
          await this.#running.exited;
        }
        rmSync(this.#spec.dir, { recursive: true, force: true, maxRetries: 3 });
        this.#watchdog.stop();
        this.#unregisterExitHook();
      }
    });
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task, task);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #assertUsable(): void {
    if (this.#destroyed) throw new Error(`${this.#spec.name} test server was disposed`);
  }

  async #stop(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    running.child.ref();
    signal(running.pid, this.#spec.stopSignal);
    if (!(await settlesWithin(running.exited, STOP_TIMEOUT_MS))) {
      killGroup(running.pid);
      await running.exited;
    }
    await waitForPortClosed(this.#port);
  }

  async #spawnAndWait(): Promise<void> {
    const spec = this.#spec;
    const logOffset = fileSize(this.#logFile);
    const log = openSync(this.#logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args(this.#port), {
        cwd: spec.dir,
        env: childEnv(spec.runAs),
        // Own process group: kill() takes the whole server (postmaster and backends) down at once.
        detached: true,
        stdio: ["ignore", log, log],
        ...(spec.runAs ? { uid: spec.runAs.uid, gid: spec.runAs.gid } : {}),
      });
    } finally {
      closeSync(log);
    }
    const pid = await spawned(child);
    let exited = false;
    const running: Running = {
      child,
      pid,
      hasExited: () => exited,
      exited: new Promise((resolve) =>
        child.once("exit", () => {
          exited = true;
          if (this.#running === running) this.#running = undefined;
          resolve();
        }),
      ),
    };
    this.#running = running;
    writeFileSync(this.#pidFile, `${pid}\n`);
    try {
      await this.#waitReady(running, logOffset);
    } catch (error) {
      if (!running.hasExited()) {
        killGroup(pid);
        await running.exited;
      }
      throw error;
    } finally {
      child.unref();
    }
  }

  async #waitReady(running: Running, logOffset: number): Promise<void> {
    const spec = this.#spec;
    const timeoutMs = spec.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (running.hasExited()) {
        const log = readLog(this.#logFile, logOffset);
        throw new StartFailure(`${spec.name} exited during startup on port ${this.#port}:\n${tail(log)}`, PORT_IN_USE.test(log));
      }
      if (spec.isReady(running.pid, readLog(this.#logFile, logOffset)) && (await isPortOpen(this.#port))) return;
      if (Date.now() > deadline) {
        throw new StartFailure(`${spec.name} did not become ready within ${timeoutMs} ms:\n${tail(readLog(this.#logFile, logOffset))}`, false);
      }
      await sleep(25);
    }
  }

  #destroySync(): void {
    const running = this.#running;
    if (running && !running.hasExited()) {
      killGroup(running.pid);
      waitUntilDeadSync(running.pid, 3_000);
    }
    rmSync(this.#spec.dir, { recursive: true, force: true, maxRetries: 3 });
    this.#watchdog.stop();
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function killGroup(pid: number): void {
  if (!signal(-pid, "SIGKILL")) signal(pid, "SIGKILL");
}

function spawned(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => {
      child.off("error", reject);
      child.on("error", () => {});
      resolve(child.pid as number);
    });
  });
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readLog(path: string, offset: number): string {
  try {
    return readFileSync(path).subarray(offset).toString("utf8");
  } catch {
    return "";
  }
}

function tail(log: string, lines = 25): string {
  return log.trimEnd().split("\n").slice(-lines).join("\n");
}
