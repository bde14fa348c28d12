/**
 * Reads certificate files with Node's own X.509 support (node:crypto `X509Certificate`, the
 * system's OpenSSL underneath): no ASN.1 parsing of ours. RKE2 writes leaf certificates as
 * bundles (the leaf, then the CA that signed it), so a file may hold several PEM blocks; the
 * first one is the certificate the file is named after.
 */
import { X509Certificate } from "node:crypto";

export interface ParsedCertificate {
  subject: string;
  issuer: string;
  notBeforeMs: number;
  notAfterMs: number;
  /** basicConstraints CA:TRUE. */
  isCA: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every PEM certificate block in the text, in order; keys and other blocks are ignored. */
export function pemCertificateBlocks(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

/** Parses every certificate in a PEM text; throws with the block number when one is malformed. */
export function parseCertificates(pem: string): ParsedCertificate[] {
  return pemCertificateBlocks(pem).map((block, index) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (err) {
      throw new Error(
        `certificate ${index + 1} is not valid X.509: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    return {
      subject: cert.subject,
      issuer: cert.issuer,
      notBeforeMs: cert.validFromDate.getTime(),
      notAfterMs: cert.validToDate.getTime(),
      isCA: cert.ca,
    };
  });
}

/** The certificate a file stands for (its first block); undefined when the file holds none. */
export function primaryCertificate(pem: string): ParsedCertificate | undefined {
  const first = pemCertificateBlocks(pem)[0];
  return first === undefined ? undefined : parseCertificates(first)[0];
}
