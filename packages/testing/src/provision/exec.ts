import { spawn } from "node:child_process";
import type { RunAs } from "./run-as.js";

export interface ExecOptions {
  cwd: string;
  runAs?: RunAs | undefined;
  timeoutMs?: number;
}

export function childEnv(runAs?: RunAs): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C", LANG: "C" };
  if (runAs) {
    env.USER = runAs.user;
    env.LOGNAME = runAs.user;
  }
  return env;
}

/** Runs a tool to completion; rejects with its output on failure. */
export function execTool(command: string, args: readonly string[], options: ExecOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: childEnv(options.runAs),
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${signal ?? `code ${code}`}:\n${output.trim()}`));
    });
  });
}
