import { asApiStatus, kubeErrorFromStatus } from "./adapter-errors.ts";
import { KubeError } from "./errors.ts";
import type { KubeObject, ResourceType, WatchEvent, WatchEventType } from "./types.ts";

/**
 * Splits a byte stream into lines. Chunks may end anywhere, even inside a multi-byte UTF-8
 * character; the streaming decoder and the carried-over remainder make that invisible.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder("utf-8");
  private remainder = "";

  /** The complete lines this chunk finished (without their newline); empty lines are skipped. */
  push(chunk: Uint8Array): string[] {
    const text = this.remainder + this.decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    this.remainder = parts.pop() ?? "";
    return parts.map((line) => line.trim()).filter((line) => line !== "");
  }

  /** What is left when the stream ends: a last line the server did not terminate. */
  end(): string[] {
    const last = (this.remainder + this.decoder.decode()).trim();
    this.remainder = "";
    return last === "" ? [] : [last];
  }
}

/** What one line of a watch stream means for the watch. */
export type WatchLine<T extends KubeObject> =
  | { kind: "event"; event: WatchEvent<T> }
  /** The stream must end with this error: an ERROR event (410 Expired included) or garbage. */
  | { kind: "error"; error: KubeError };

const EVENT_TYPES: ReadonlySet<string> = new Set<WatchEventType>(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Decodes one line of a watch stream. Objects get the type's apiVersion and kind when the server
 * left them out (it may, as it does for list items), so handlers can rely on both fields.
 */
export function decodeWatchLine<T extends KubeObject>(type: ResourceType, line: string): WatchLine<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: "error", error: protocolError(`a watch line is not JSON: ${line.slice(0, 100)}`) };
  }
  if (!isRecord(parsed) || typeof parsed.type !== "string" || !isRecord(parsed.object)) {
    return { kind: "error", error: protocolError(`a watch line is not an event: ${line.slice(0, 100)}`) };
  }
  if (parsed.type === "ERROR") {
    const status = asApiStatus(parsed.object);
    if (!status) return { kind: "error", error: protocolError("a watch ERROR event without a Status") };
    // An ERROR event arrives inside a 200 answer; the Status's own code is the one that counts.
    return { kind: "error", error: kubeErrorFromStatus(status, status.code ?? 500) };
  }
  if (!EVENT_TYPES.has(parsed.type)) {
    return { kind: "error", error: protocolError(`unknown watch event type ${parsed.type}`) };
  }
  const object = withTypeMeta(type, parsed.object);
  if (!isRecord(object.metadata)) {
    return { kind: "error", error: protocolError(`a ${parsed.type} event without metadata`) };
  }
  return { kind: "event", event: { type: parsed.type as WatchEventType, object: object as unknown as T } };
}

/** Fills apiVersion and kind from the resource type when the server omitted them. */
export function withTypeMeta(type: ResourceType, object: Record<string, unknown>): Record<string, unknown> {
  if (typeof object.apiVersion === "string" && typeof object.kind === "string") return object;
  return { ...object, apiVersion: type.apiVersion, kind: type.kind };
}

function protocolError(message: string): KubeError {
  return new KubeError("Retriable", message, { code: 0 });
}
