/** The message of whatever a backend or SQLite threw, for an error or problem that names its cause. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
