/** English: what the command line (bin/) prints for a person; its logs stay in English. */
export const cli = {} as const;
