import type { ResourceType } from "./types.ts";

/** The core `v1` Node: every layer that lists, watches or patches Nodes uses this one declaration. */
export const NODE_RESOURCE: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };
