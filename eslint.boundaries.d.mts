/** Types of eslint.boundaries.mjs, for the test that lints with its zones. */
export interface BoundaryZone {
  target: string;
  from: string[];
  message: string;
}

export declare function boundaryZones(): BoundaryZone[];
