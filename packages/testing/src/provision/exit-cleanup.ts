import { isMainThread } from "node:worker_threads";

type Hook = () => void;

const hooks = new Set<Hook>();
const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let installed = false;

function runHooks(): void {
  for (const hook of [...hooks]) {
    hooks.delete(hook);
    try {
      hook();
    } catch {
      // best effort: the process is going away
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runHooks();
  // Our listener suppressed the default action; restore it unless someone else handles the signal.
  if (process.listenerCount(signal) === 1) {
    uninstall();
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runHooks);
  if (isMainThread) for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", runHooks);
  if (isMainThread) for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Runs `hook` synchronously on exit, SIGINT, SIGTERM or SIGHUP. Returns the unregister function. */
export function onProcessExit(hook: Hook): () => void {
  hooks.add(hook);
  install();
  return () => {
    hooks.delete(hook);
    if (hooks.size === 0) uninstall();
  };
}
