/** Types of build-cli.js (plain JavaScript, so that it runs before anything is compiled). */
export declare const OUT_DIR: string;
export declare const ENTRY: string;
export declare function buildCli(): Promise<void>;
export declare function compile(entryPoints: Record<string, string>, outDir: string): Promise<void>;
