import type { AdapterStats } from "@dataflow/kernel/plugin";
import type { MongoClient } from "mongodb";

/** Connection and command counters of one MongoClient, from the driver's pool monitoring events. */
export class MongoPoolStats {
  private created = 0;
  private closed = 0;
  private checkedOut = 0;
  private checkedIn = 0;
  private checkOutsStarted = 0;
  private checkOutsFailed = 0;
  commands = 0;
  private readonly errors: Record<string, number> = Object.create(null);

  /** Listens to the client's pool; `onWait` is told when a command has to wait for a connection. */
  watch(client: MongoClient, onWait: () => void): void {
    client.on("connectionCreated", () => this.created++);
    client.on("connectionClosed", () => this.closed++);
    client.on("connectionCheckOutStarted", () => {
      this.checkOutsStarted++;
      if (this.inUse() >= this.open() && this.waiting() > 0) onWait();
    });
    client.on("connectionCheckedOut", () => this.checkedOut++);
    client.on("connectionCheckOutFailed", () => this.checkOutsFailed++);
    client.on("connectionCheckedIn", () => this.checkedIn++);
  }

  recordError(error: unknown): void {
    const name = error instanceof Error ? error.name : "Error";
    this.errors[name] = (this.errors[name] ?? 0) + 1;
  }

  private open(): number {
    return this.created - this.closed;
  }

  private inUse(): number {
    return this.checkedOut - this.checkedIn;
  }

  private waiting(): number {
    return Math.max(0, this.checkOutsStarted - this.checkedOut - this.checkOutsFailed);
  }

  snapshot(): AdapterStats {
    const total = this.open();
    return {
      connections: { total, idle: Math.max(0, total - this.inUse()), waiting: this.waiting() },
      statements: this.commands,
      errors: { ...this.errors },
    };
  }
}
