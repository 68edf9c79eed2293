/**
 * Which version of an expert's profile a coordinator reviews, and what an edit does to it.
 * Plain data in, plain data out: the store writes what these decide.
 *
 * Rules:
 * - Every save that changes the profile gets a new version number. A coordinator approves or
 *   rejects exactly one version: the one the approval card showed (its number is in the card's
 *   action data); any other version is "stale" and the current one is shown instead.
 * - A pending (or rejected) profile is the version under review itself: an edit replaces it.
 * - An active profile keeps serving (matching, offers, orderers' cards) as approved. An edit of
 *   what others see (name, introduction, themes, contact) becomes a draft under review; other
 *   fields (task types, places, languages, training, fee preference) apply at once. Approving
 *   the draft makes it the served profile; rejecting it drops it and the approved one stays.
 */

export type ExpertStatus = 'pending' | 'active' | 'rejected';
export type ExpertLanguage = 'fi' | 'sv' | 'en' | 'other';

/** What an expert fills in on the profile card: the version a coordinator reviews. */
export interface ExpertProfile {
  displayName: string;
  /** How the orderer of an accepted task reaches the expert (shown only then). */
  phone?: string;
  email?: string;
  themes: string[];
  taskTypes: string[];
  municipalities: string[];
  remoteOk: boolean;
  languages: ExpertLanguage[];
  description: string;
  training?: { organisation: string; year: number };
  feePreference: 'fee' | 'volunteer';
}

/** The fields others see about an expert: changing one of these needs a coordinator's review. */
export const VISIBLE_FIELDS = ['displayName', 'description', 'themes', 'phone', 'email'] as const;

const PROFILE_FIELDS = [
  'displayName', 'phone', 'email', 'themes', 'taskTypes', 'municipalities', 'remoteOk', 'languages', 'description', 'training', 'feePreference',
] as const;

export interface ReviewState<P extends ExpertProfile> {
  status: ExpertStatus;
  version?: number;
  draft?: { profile: P; version: number; submittedAt: Date };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function profileOf<P extends ExpertProfile>(doc: P): P {
  const out: Record<string, unknown> = {};
  for (const k of PROFILE_FIELDS) if (doc[k] !== undefined) out[k] = doc[k];
  return out as unknown as P;
}

export function sameProfile(a: ExpertProfile, b: ExpertProfile): boolean {
  return PROFILE_FIELDS.every((k) => same(a[k], b[k]));
}

export function visibleChanged(a: ExpertProfile, b: ExpertProfile): boolean {
  return VISIBLE_FIELDS.some((k) => !same(a[k], b[k]));
}

/** The current version number of a stored profile (profiles saved before versions: 1). */
export function versionOf(doc: { version?: number }): number {
  return doc.version ?? 1;
}

/** The version waiting for a coordinator, if any: a pending profile, or an active one's draft. */
export function reviewOf<P extends ExpertProfile>(doc: P & ReviewState<P>): { profile: P; version: number; kind: 'new' | 'changes' } | null {
  if (doc.status === 'pending') return { profile: profileOf(doc), version: versionOf(doc), kind: 'new' };
  if (doc.status === 'active' && doc.draft) return { profile: doc.draft.profile, version: doc.draft.version, kind: 'changes' };
  return null;
}

/** What the expert last submitted (the draft if one waits): what their own card and form show. */
export function latestOf<P extends ExpertProfile>(doc: P & ReviewState<P>): P {
  return doc.status === 'active' && doc.draft ? doc.draft.profile : profileOf(doc);
}

export type EditOutcome =
  /** Nothing changed. */
  | 'unchanged'
  /** A pending or rejected profile: the submitted version replaces it and waits for review. */
  | 'review'
  /** An active profile's visible change: a draft waits for review; the approved one serves. */
  | 'changesForReview'
  /** An active profile's change nobody else sees (or an edit back to the approved one): applied. */
  | 'applied';

export interface EditPlan<P> {
  outcome: EditOutcome;
  /** The served profile fields to write (absent: unchanged). */
  served?: P;
  /** The draft to write; null: remove the draft. */
  draft?: { profile: P; version: number } | null;
  status?: 'pending';
  version: number;
}

/** What saving `next` over the stored profile does. */
export function planEdit<P extends ExpertProfile>(before: P & ReviewState<P>, next: P): EditPlan<P> {
  const version = versionOf(before);
  if (before.status !== 'active') {
    if (sameProfile(profileOf(before), next) && before.status === 'pending') return { outcome: 'unchanged', version };
    return { outcome: 'review', served: next, status: 'pending', version: version + 1 };
  }
  const approved = profileOf(before);
  if (sameProfile(latestOf(before), next)) return { outcome: 'unchanged', version };
  if (!visibleChanged(approved, next)) {
    // Nothing others see differs from the approved profile: apply, and drop a draft the edit undid.
    return { outcome: 'applied', served: next, draft: before.draft ? null : undefined, version: before.draft ? version + 1 : version };
  }
  // The served profile keeps its visible fields; the fields nobody else sees apply at once.
  const served = { ...next } as P;
  for (const k of VISIBLE_FIELDS) {
    if (approved[k] === undefined) delete (served as Record<string, unknown>)[k];
    else (served as Record<string, unknown>)[k] = approved[k];
  }
  return { outcome: 'changesForReview', served, draft: { profile: next, version: version + 1 }, version: version + 1 };
}
