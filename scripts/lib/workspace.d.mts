// Types of scripts/lib/workspace.mjs (for the TypeScript tests that import it).

/** A `packages/<dir>` folder and its parsed package.json. */
export interface WorkspacePackage {
  dir: string;
  path: string;
  pkg: {
    name: string;
    version: string;
    private?: boolean;
    exports?: Record<string, unknown>;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    [key: string]: unknown;
  };
}

/** The repository root. */
export const ROOT: string;
/** Every `packages/<dir>` with a package.json (published and private), sorted by folder name. */
export function workspacePackages(root?: string): WorkspacePackage[];
/** The non-private packages in dependency order; throws on a dependency cycle. */
export function publishedPackages(root?: string): WorkspacePackage[];
/** `[specifier, absolute src file]` per subpath of the package's `exports`. */
export function sourceEntries(p: WorkspacePackage): Array<[string, string]>;
