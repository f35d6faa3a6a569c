import { writeFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { DataFlow, renderModelsModule } from "@dataflow/kernel";
import type { CommandModule } from "../command.js";
import { ConfigError } from "../config.js";

interface PullOptions {
  url?: string;
  out?: string;
  tables?: string;
  existing?: boolean;
}

/** `dataflow pull`: a typed models module written from a live database's schema. */
export const pullCommand: CommandModule = {
  name: "pull",
  register(program, context) {
    program
      .command("pull")
      .description("write a typed models module from a live database (tables, views, keys, relations, comments)")
      .option("--url <url>", "database to read (default: url from dataflow.config.ts)")
      .option("-o, --out <file>", "write the module here (default: print it)")
      .option("--tables <names>", "only these tables and views, comma-separated")
      .option("--existing", "declare the models { existing: true }: DataFlow never runs DDL on their tables")
      .action(async (options: PullOptions) => {
        const ctx = context();
        const url = options.url ?? (await ctx.config()).url;
        if (url === undefined || url === "") {
          throw new ConfigError("pull needs a database URL", { field: "url", fix: "Pass --url, or set url (DATABASE_URL) in dataflow.config.ts" });
        }
        const db = new DataFlow({ url, autoMigrate: false });
        try {
          ctx.output.progress("reading the schema");
          const schema = await db.discoverSchema();
          if (schema.tables.length === 0) {
            // Most often a mistyped URL: an empty module would look like success.
            throw new ConfigError(`The ${schema.database} database has no tables or views to pull`, {
              field: "url",
              fix: "Check that --url (or DATABASE_URL) names the existing database; pull reads tables and creates none",
            });
          }
          const tables = options.tables
            ?.split(",")
            .map((t) => t.trim())
            .filter((t) => t !== "");
          const text = renderModelsModule(schema, { ...(tables ? { tables } : {}), existing: options.existing === true });
          const picked = tables ?? schema.tables.map((t) => t.name);
          if (options.out === undefined) {
            if (ctx.output.json) ctx.output.result({ ok: true, tables: picked, module: text });
            else process.stdout.write(text);
            return;
          }
          const file = isAbsolute(options.out) ? options.out : resolve(ctx.cwd, options.out);
          await writeFile(file, text);
          ctx.output.result({ ok: true, tables: picked, file });
          ctx.output.line(`wrote ${picked.length} models to ${file}`);
        } finally {
          await db.close();
        }
      });
  },
};
