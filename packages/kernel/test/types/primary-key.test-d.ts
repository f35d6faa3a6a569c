// Type tests for models whose primary key is not named `id` (`{ primaryKey: "order_no" }`).
import { describe, expectTypeOf, it } from "vitest";
import type { OperationOutputs, OperationParams, Row } from "../../src/index.js";
import { DataFlow, field } from "../../src/index.js";

declare const db: DataFlow;
const Order = db.model("Order", { customer: field.string(), total: field.int() }, { table: "orders", primaryKey: "order_no", timestamps: false });
const Account = db.model("Account", { account_id: field.uuid(), owner: field.string() }, { primaryKey: "account_id", timestamps: false });

describe("a primary key under its own name", () => {
  it("rows carry the key under its name, not as id", () => {
    expectTypeOf<Row<typeof Order>>().toEqualTypeOf<{ customer: string; total: number; order_no: number }>();
    expectTypeOf<Row<typeof Account>>().toEqualTypeOf<{ account_id: string; owner: string }>();
  });

  it("Create takes an undeclared key as optional, a declared one as required; Update cannot change it", () => {
    expectTypeOf<{ customer: "a"; total: 1 }>().toExtend<OperationParams<typeof Order>["Create"]["data"]>();
    expectTypeOf<{ customer: "a"; total: 1; order_no: 5 }>().toExtend<OperationParams<typeof Order>["Create"]["data"]>();
    expectTypeOf<{ owner: "a" }>().not.toExtend<OperationParams<typeof Account>["Create"]["data"]>();
    expectTypeOf<OperationParams<typeof Account>["Update"]["fields"]>().toEqualTypeOf<{ owner?: string }>();
  });

  it("Read, Update and Delete take the key's value as id; Delete returns it as id", () => {
    expectTypeOf<{ id: 5 }>().toExtend<OperationParams<typeof Order>["Read"]>();
    expectTypeOf<{ id: "x" }>().toExtend<OperationParams<typeof Account>["Delete"]>();
    expectTypeOf<OperationOutputs<typeof Order>["Delete"]["result"]["id"]>().toEqualTypeOf<number>();
    expectTypeOf<{ where: { order_no: 5 } }>().toExtend<OperationParams<typeof Order>["Upsert"]>();
  });
});
