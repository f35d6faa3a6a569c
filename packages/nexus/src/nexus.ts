// The Nexus server: REST, the docs, OpenAPI and MCP (Streamable HTTP) on one Fastify instance.
// Stateless between requests (rate-limit counters aside, unless their store is shared): scale by running more processes.
import type { Workflows } from "@dataflow/kernel";
import { NotFoundError } from "@dataflow/kernel";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import Fastify from "fastify";
import { docsPage } from "./docs-page.js";
import type { GatewayOptions } from "./gateway.js";
import { Gateway } from "./gateway.js";
import type { McpOptions } from "./mcp.js";
import { createMcpServer, planTools } from "./mcp.js";
import type { OpenApiInfo } from "./openapi.js";
import { openApiDocument } from "./openapi.js";
import { toProblem } from "./problem.js";
import { credentialsOf, fastifyErrorToDataFlow, registerHealthRoutes, registerRestRoutes, sendProblem } from "./rest.js";

export interface NexusOptions extends GatewayOptions {
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Pending-connection queue of the socket (default 2048): a burst of new clients waits instead of being reset. */
  readonly backlog?: number;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** MCP over Streamable HTTP at /mcp (default on, read-only); false turns it off. */
  readonly mcp?: McpOptions | false;
  readonly info?: OpenApiInfo;
  /** Close the DataFlow (its pools) in stop() (default true). */
  readonly closeDatabase?: boolean;
}

export class Nexus {
  readonly gateway: Gateway;
  readonly app: FastifyInstance;
  private stopping = false;
  private address: string | undefined;

  constructor(
    readonly workflows: Workflows,
    readonly options: NexusOptions = {},
  ) {
    this.gateway = new Gateway(workflows, options);
    const bodyLimit = options.bodyLimit ?? 1024 * 1024;
    this.app = Fastify({ bodyLimit, logger: false, return503OnClosing: true });
    this.app.setErrorHandler((error, _request, reply) =>
      sendProblem(reply, this.gateway.problem(fastifyErrorToDataFlow(error as { statusCode?: number }, bodyLimit), { surface: "rest" })),
    );
    this.app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, toProblem(new NotFoundError(`No route ${request.method} ${request.url.split("?")[0]}`))),
    );

    const visible = this.gateway.visible();
    const openapi = openApiDocument(visible, workflows.models, options.info ?? {}, this.gateway.policy.authRequired);
    const docs = docsPage(visible, options.info?.title ?? "DataFlow API");
    this.app.get("/openapi.json", (_request, reply) => reply.type("application/json").send(openapi));
    this.app.get("/docs", (_request, reply) => reply.type("text/html; charset=utf-8").send(docs));
    registerHealthRoutes(this.app, workflows, () => this.stopping);
    registerRestRoutes(this.app, this.gateway, workflows);
    if (options.mcp !== false) this.registerMcp(options.mcp ?? {});
  }

  /** Streamable HTTP, stateless: one MCP server and transport per request, the caller from its headers. */
  private registerMcp(mcp: McpOptions): void {
    const tools = planTools(this.gateway.visible(!(mcp.allowWrites ?? false)), mcp);
    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
      const server = createMcpServer(this.gateway, tools, credentialsOf(request, "mcp"), mcp);
      const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
      reply.hijack();
      reply.raw.on("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    };
    this.app.post("/mcp", handle);
    this.app.get("/mcp", handle);
    this.app.delete("/mcp", handle);
  }

  /** The base URL once started, e.g. `http://127.0.0.1:3000`. */
  get url(): string {
    if (!this.address) throw new Error("Nexus is not started");
    return this.address;
  }

  /** Prepares the tables and listens. A failure (a `SchemaError`, say) is logged with its cause, then thrown. */
  async start(): Promise<string> {
    try {
      await this.workflows.dataflow.initialize();
    } catch (error) {
      this.gateway.logger.error({ err: error }, "Nexus could not start: the database is not ready");
      throw error;
    }
    const address = await this.app.listen({ port: this.options.port ?? 3000, host: this.options.host ?? "127.0.0.1", backlog: this.options.backlog ?? 2048 });
    this.address = address.replace("[::1]", "127.0.0.1");
    return this.address;
  }

  /** Stops taking requests, waits for the ones in flight, then closes the database pools. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.app.close();
    if (this.options.closeDatabase ?? true) await this.workflows.dataflow.close();
  }
}
