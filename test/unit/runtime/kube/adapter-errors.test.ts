import { describe, expect, it } from "@jest/globals";
import { asApiStatus, kubeErrorFromResponse, parseRetryAfter } from "../../../../src/runtime/kube/adapter-errors.ts";

describe("parseRetryAfter", () => {
  it.each([
    [null, undefined],
    ["5", 5],
    [" 12 ", 12],
    ["Wed, 21 Oct 2015 07:28:00 GMT", undefined],
    ["-1", undefined],
  ])("%j → %j", (header, expected) => {
    expect(parseRetryAfter(header)).toBe(expected);
  });
});

describe("asApiStatus", () => {
  it("ignores what is not a Status and fields of the wrong type", () => {
    expect(asApiStatus({ kind: "Pod" })).toBeUndefined();
    expect(asApiStatus("Status")).toBeUndefined();
    expect(asApiStatus({ kind: "Status", code: "409", reason: 5, details: { causes: [1, { field: "x" }] } })).toEqual({
      kind: "Status",
      details: { causes: [{ field: "x" }] },
    });
  });
});

describe("kubeErrorFromResponse", () => {
  it.each([
    { code: 404, body: '{"kind":"Status","code":404,"reason":"NotFound","message":"x"}', errorClass: "NotFound" },
    {
      code: 409,
      body: '{"kind":"Status","code":409,"reason":"AlreadyExists","message":"x"}',
      errorClass: "AlreadyExists",
    },
    { code: 409, body: '{"kind":"Status","code":409,"reason":"Conflict","message":"x"}', errorClass: "Conflict" },
    { code: 400, body: "", errorClass: "BadRequest" },
    { code: 401, body: "Unauthorized", errorClass: "Unauthorized" },
    { code: 503, body: "upstream connect error", errorClass: "Retriable" },
  ])("$code $body → $errorClass", ({ code, body, errorClass }) => {
    expect(kubeErrorFromResponse(code, body).errorClass).toBe(errorClass);
  });

  it("prefers the Retry-After header over the Status details", () => {
    const error = kubeErrorFromResponse(
      429,
      '{"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":1}}',
      "9",
    );
    expect(error.details.retryAfterSeconds).toBe(9);
  });

  it("quotes a non-Status body in the message", () => {
    expect(kubeErrorFromResponse(502, "<h1>Bad Gateway</h1>").message).toBe(
      "the API answered 502: <h1>Bad Gateway</h1>",
    );
  });
});
