import { describe, expect, it } from "@jest/globals";
import { decodeWatchLine, LineSplitter } from "../../../../src/runtime/kube/watch-stream.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";

const NODES: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };

describe("LineSplitter", () => {
  const text = '{"type":"ADDED","object":{"metadata":{"name":"nöde-ü"}}}\n\n{"type":"BOOKMARK"}\n{"last":1}';
  const bytes = new TextEncoder().encode(text);

  it.each(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))(
    "gives the same lines whatever byte %i the stream is cut at",
    (cut) => {
      const splitter = new LineSplitter();
      const lines = [...splitter.push(bytes.slice(0, cut)), ...splitter.push(bytes.slice(cut)), ...splitter.end()];
      expect(lines).toEqual([
        '{"type":"ADDED","object":{"metadata":{"name":"nöde-ü"}}}',
        '{"type":"BOOKMARK"}',
        '{"last":1}',
      ]);
    },
  );

  it("byte by byte", () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    for (const byte of bytes) lines.push(...splitter.push(Uint8Array.of(byte)));
    lines.push(...splitter.end());
    expect(lines).toHaveLength(3);
  });
});

describe("decodeWatchLine", () => {
  it.each([
    {
      name: "an ADDED event gets type meta filled in",
      line: '{"type":"ADDED","object":{"metadata":{"name":"n1"}}}',
      expected: {
        kind: "event",
        event: { type: "ADDED", object: { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } } },
      },
    },
    {
      name: "a BOOKMARK event",
      line: JSON.stringify({
        type: "BOOKMARK",
        object: { kind: "Node", apiVersion: "v1", metadata: { name: "", resourceVersion: "12" } },
      }),
      expected: {
        kind: "event",
        event: {
          type: "BOOKMARK",
          object: { kind: "Node", apiVersion: "v1", metadata: { name: "", resourceVersion: "12" } },
        },
      },
    },
  ])("$name", ({ line, expected }) => {
    expect(decodeWatchLine(NODES, line)).toEqual(expected);
  });

  it.each([
    {
      name: "ERROR 410 Expired → Gone",
      line: JSON.stringify({
        type: "ERROR",
        object: {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          message: "too old resource version: 1 (9)",
          reason: "Expired",
          code: 410,
        },
      }),
      errorClass: "Gone",
      code: 410,
    },
    {
      name: "ERROR 500 → Retriable",
      line: '{"type":"ERROR","object":{"kind":"Status","code":500,"reason":"InternalError","message":"boom"}}',
      errorClass: "Retriable",
      code: 500,
    },
    { name: "not JSON", line: '{"type":"ADD', errorClass: "Retriable", code: 0 },
    { name: "no object", line: '{"type":"ADDED"}', errorClass: "Retriable", code: 0 },
    { name: "unknown type", line: '{"type":"RENAMED","object":{"metadata":{}}}', errorClass: "Retriable", code: 0 },
    { name: "ERROR without a Status", line: '{"type":"ERROR","object":{"x":1}}', errorClass: "Retriable", code: 0 },
    {
      name: "object without metadata",
      line: '{"type":"MODIFIED","object":{"kind":"Node"}}',
      errorClass: "Retriable",
      code: 0,
    },
  ])("$name", ({ line, errorClass, code }) => {
    const decoded = decodeWatchLine(NODES, line);
    expect(decoded.kind).toBe("error");
    if (decoded.kind !== "error") return;
    expect(decoded.error.errorClass).toBe(errorClass);
    expect(decoded.error.details.code).toBe(code);
  });
});
