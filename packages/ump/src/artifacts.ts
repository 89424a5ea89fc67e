// Content-addressed artifact cache with integrity checks.
export {};
