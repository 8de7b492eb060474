import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, expect } from "vitest";
import { takeViolations } from "./fakeApi";

afterEach(() => {
  cleanup();
  localStorage.clear();
  expect(takeViolations(), "requests the real API would refuse (checked against its OpenAPI document)").toEqual([]);
});
