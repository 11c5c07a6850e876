/** Types of compiled-cli.js (plain JavaScript, so that it runs before anything is compiled). */
export declare function compiledIsCurrent(sourcesDir: string, builtJson: string): boolean;
