import { spawn } from "node:child_process";
import type { Socket } from "node:net";

// Blocks on stdin until this process dies (its end of the pipe closes, even on SIGKILL or
// worker-thread termination), then kills the server group named in the pid file and removes the dir.
const SCRIPT = `
read line
pid=$(cat "$1" 2>/dev/null)
if [ -n "$pid" ]; then
  if [ ! -d /proc/self ] || grep -qaF -- "$2" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    sleep 1
  fi
fi
rm -rf -- "$2"
`;

export interface Watchdog {
  stop(): void;
}

export function startWatchdog(dir: string, serverPidFile: string): Watchdog {
  const child = spawn("/bin/sh", ["-c", SCRIPT, "dataflow-test-watchdog", serverPidFile, dir], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  child.on("error", () => {});
  child.unref();
  (child.stdin as Socket | null)?.unref();
  return {
    stop() {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    },
  };
}
