/** Version of the device contract. Bump the minor on additions, the major on incompatible changes. */
export const SPEC_VERSION = { major: 1, minor: 0 } as const;
