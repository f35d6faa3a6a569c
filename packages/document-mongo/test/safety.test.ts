import { ValidationError } from "@dataflow/kernel";
import { Code, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { MAX_MQL_DEPTH, MAX_PIPELINE_STAGES, checkCollectionName, checkDocument, checkMqlObject, checkPipeline, checkUpdate } from "../src/index.js";

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("server-side JavaScript is refused wherever it appears", () => {
  it.each([
    ["$where at the top of a filter", { $where: "this.a > 1" }, "filter.$where"],
    ["$where inside $or", { $or: [{ a: 1 }, { $where: "sleep(1000)" }] }, "filter.$or[1].$where"],
    ["$function inside $expr", { $expr: { $function: { body: "function(){return true}", args: [], lang: "js" } } }, "filter.$expr.$function"],
    ["$accumulator deep in an expression", { $expr: { $eq: [{ $accumulator: {} }, 1] } }, "filter.$expr.$eq[0].$accumulator"],
  ])("%s", (_label, filter, path) => {
    const e = refusal(() => checkMqlObject(filter, "filter"));
    expect(e.field).toBe(path);
    expect(e.message).toContain(path);
    expect(e.fix).toBeTruthy();
  });

  it("in update documents and pipeline stages", () => {
    expect(refusal(() => checkUpdate({ $set: { a: { $function: {} } } }, "update")).field).toBe("update.$set.a.$function");
    const pipeline = [{ $match: {} }, { $group: { _id: null, x: { $accumulator: { init: "function(){}" } } } }];
    expect(refusal(() => checkPipeline(pipeline, "pipeline")).field).toBe("pipeline[1].$group.x.$accumulator");
    expect(refusal(() => checkPipeline([{ $match: { $where: "1" } }], "pipeline")).field).toBe("pipeline[0].$match.$where");
  });

  it("as BSON Code values and JavaScript functions", () => {
    expect(refusal(() => checkMqlObject({ a: new Code("function(){}") }, "filter")).field).toBe("filter.a");
    expect(refusal(() => checkMqlObject({ a: () => true }, "filter")).field).toBe("filter.a");
    expect(refusal(() => checkDocument({ nested: { f: () => 1 } }, "document")).field).toBe("document.nested.f");
  });

  it("while BSON values and ordinary operators pass", () => {
    const id = new ObjectId();
    expect(checkMqlObject({ _id: id, at: { $gte: new Date(0) }, name: /^a/, $or: [{ n: { $in: [1, 2] } }] }, "filter")._id).toBe(id);
    expect(checkPipeline([{ $match: { a: 1 } }, { $group: { _id: "$a", n: { $sum: 1 } } }], "pipeline")).toHaveLength(2);
  });
});

describe("$out and $merge need allowWriteStages", () => {
  it("refuses them by default, naming the option", () => {
    const e = refusal(() => checkPipeline([{ $match: {} }, { $out: "copy" }], "pipeline"));
    expect(e.field).toBe("pipeline[1].$out");
    expect(e.fix).toContain("allowWriteStages");
    expect(refusal(() => checkPipeline([{ $merge: { into: "x" } }], "pipeline")).field).toBe("pipeline[0].$merge");
  });

  it("accepts them with the option", () => {
    expect(checkPipeline([{ $match: {} }, { $out: "copy" }], "pipeline", { allowWriteStages: true })).toHaveLength(2);
  });
});

describe("bounds and shapes", () => {
  it("bounds pipeline length", () => {
    const ok = Array.from({ length: MAX_PIPELINE_STAGES }, () => ({ $match: {} }));
    expect(checkPipeline(ok, "pipeline")).toHaveLength(MAX_PIPELINE_STAGES);
    expect(refusal(() => checkPipeline([...ok, { $match: {} }], "pipeline")).message).toContain(`at most ${MAX_PIPELINE_STAGES}`);
  });

  it("bounds nesting depth", () => {
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < MAX_MQL_DEPTH + 2; i++) deep = { $and: [deep] };
    expect(refusal(() => checkMqlObject(deep, "filter")).message).toContain("nested more than");
  });

  it("wants one operator per stage", () => {
    expect(refusal(() => checkPipeline([{ $match: {}, $sort: { a: 1 } }], "pipeline")).field).toBe("pipeline[0]");
    expect(refusal(() => checkPipeline([{ match: {} }], "pipeline")).field).toBe("pipeline[0]");
    expect(refusal(() => checkPipeline({ $match: {} }, "pipeline")).field).toBe("pipeline");
  });

  it("wants update operators or a pipeline, not a replacement document", () => {
    expect(refusal(() => checkUpdate({ name: "x" }, "update")).fix).toContain("$set");
    expect(refusal(() => checkUpdate({}, "update")).field).toBe("update");
    expect(checkUpdate([{ $set: { a: 1 } }], "update")).toHaveLength(1);
  });

  it("filters must be plain objects", () => {
    expect(refusal(() => checkMqlObject("a == 1", "filter")).field).toBe("filter");
    expect(refusal(() => checkMqlObject([{ a: 1 }], "filter")).field).toBe("filter");
  });
});

describe("collection names", () => {
  it.each(["", "a$b", "system.users", ".x", "x.", "a\0b", "x".repeat(121)])("refuses %j", (name) => {
    expect(refusal(() => checkCollectionName(name)).field).toBe("collection");
  });
  it("accepts ordinary names", () => {
    expect(checkCollectionName("users")).toBe("users");
    expect(checkCollectionName("app.events-2024")).toBe("app.events-2024");
  });
});
