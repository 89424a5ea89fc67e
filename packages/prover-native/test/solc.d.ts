// The part of solc-js the on-chain test uses (it ships no types for this entry point).
declare module "solc" {
  export function compile(input: string): string;
}
