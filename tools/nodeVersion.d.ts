/** The lowest supported Node.js major version (package.json engines). */
export declare const requiredMajor: number;
/** Undefined on a supported Node; otherwise one line naming the version needed and how to get it. */
export declare function nodeVersionProblem(version?: string): string | undefined;
