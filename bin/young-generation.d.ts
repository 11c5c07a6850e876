/** Types of young-generation.js (plain JavaScript, run before anything else is loaded). */
export declare function keepYoungGenerationSmall(): void;
