/** The client configuration cannot be loaded; the message says what to pass or fix. */
export class KubeConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KubeConfigError";
  }
}
