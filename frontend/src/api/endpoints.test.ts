import { describe, expect, it } from "vitest";
import { strategyList } from "./endpoints";

const schema = { type: "object", properties: { fast: { type: "integer", minimum: 1 } } };

describe("strategyList", () => {
  it("reads the registry keyed by name, as app.strategies.schemas() gives it", () => {
    expect(strategyList({ sma_crossover: { title: "SMA crossover", params: schema } })).toEqual([
      { name: "sma_crossover", title: "SMA crossover", description: undefined, params_schema: schema },
    ]);
  });
  it("reads a list or a page of strategies", () => {
    const list = [{ name: "rsi", title: "RSI", params_schema: schema }];
    expect(strategyList(list)[0]?.name).toBe("rsi");
    expect(strategyList({ items: list })[0]?.params_schema).toBe(schema);
  });
});
