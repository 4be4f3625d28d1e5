// The baseline of bench/consumer-compile.mjs: an app that compiles nothing of ours.
export const answer: number = 42;
