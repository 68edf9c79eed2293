/** A string as a literal in a regular expression (ids in keys, e.g. `offer:<order>:<aad>`). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
