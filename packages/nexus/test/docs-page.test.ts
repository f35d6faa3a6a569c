import { mkdtempSync, rmSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Nexus } from "../src/index.js";
import type { Backend } from "./helpers.js";
import { sqliteBackend, startNexus } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
// CI installs Debian's chromium (.ci/run); on a machine without it the test says so instead of passing.
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install -y chromium)`;
if (missing && process.env.CI) throw new Error(missing);

describe.skipIf(missing !== undefined)(`/docs in headless Chromium${missing ? ` [${missing}]` : ""}`, () => {
  let backend: Backend;
  let nexus: Nexus;
  let base: string;
  let profile: string;
  beforeAll(async () => {
    backend = sqliteBackend();
    ({ nexus, base } = await startNexus(backend.url));
    profile = mkdtempSync(join(tmpdir(), "nexus-chromium-"));
  });
  afterAll(async () => {
    await nexus.stop();
    await backend.dispose();
    rmSync(profile, { recursive: true, force: true });
  });

  it("lists every model's operations, loads nothing from elsewhere, and runs a workflow from the page", async () => {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
    try {
      const page = await context.newPage();
      const foreign: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(base)) foreign.push(r.url());
      });
      const response = await page.goto(`${base}/docs`);
      expect(response?.status()).toBe(200);
      const headings = await page.locator("section h2").allTextContents();
      expect(headings).toEqual(["User", "Order"]);
      const userOps = await page.locator("section:has(h2:text-is('User')) td.op").allTextContents();
      expect(userOps).toEqual(["Create", "Read", "Update", "Delete", "List", "Count", "Upsert", "BulkCreate", "BulkUpdate", "BulkDelete", "BulkUpsert"]);
      expect(await page.locator("tr[data-workflow='Order_List'] td.access").textContent()).toBe("read");

      await page.click("button[data-try='User_Create']");
      await page.fill("#try textarea", JSON.stringify({ data: { id: "d1", name: "Docs", email: "docs@x.org" } }));
      await page.click("#run");
      await page.waitForFunction('document.querySelector("#try pre")?.textContent?.startsWith("200")');
      expect(await page.locator("#try pre").textContent()).toContain('"email": "docs@x.org"');
      expect(foreign).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
