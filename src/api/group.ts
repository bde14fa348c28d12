/** The API group and version of the operator's own kinds. */
export const API_GROUP = "rke2-lifecycle.io";
export const API_VERSION = "v1alpha1";
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
/** `kubectl get rke2` lists every kind of the operator. */
export const CATEGORY = "rke2";

/** The READY and AGE columns every kind prints, after its own. */
export const READY_COLUMN = {
  name: "READY",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: "Status of the Ready condition.",
} as const;
export const AGE_COLUMN = { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" } as const;
/** Last, as it is the longest: the one line a person needs (status.message). */
export const MESSAGE_COLUMN = {
  name: "MESSAGE",
  type: "string",
  jsonPath: ".status.message",
  description: "Why the object is in its phase, and what to change when it is blocked.",
} as const;
