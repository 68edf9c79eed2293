/**
 * The domain's nouns as plain data (domain.md). Stores keep their own document shapes
 * (`_id`, indexes); these are what domain functions read and return.
 */

export type Locale = 'fi' | 'sv' | 'en';

/** The themes of the starting catalogue (src/domain/catalog.ts). */
export type DefaultThemeId =
  | 'mental-health' | 'substance-use' | 'gambling' | 'child-protection' | 'family' | 'disability' | 'chronic-illness'
  | 'ageing' | 'caregiver' | 'homelessness' | 'criminal-sanctions' | 'immigration' | 'youth' | 'loneliness';

/** The task types of the starting catalogue; each maps to one fee tariff row. */
export type DefaultTaskTypeId =
  | 'training' | 'co-development' | 'client-pair' | 'peer-group' | 'talk' | 'working-group' | 'independent-reception';

/**
 * A deployment may replace the catalogue with its own ids, so stored data can hold ids
 * outside the defaults; `string & {}` keeps editor completion for the defaults.
 */
export type ThemeId = DefaultThemeId | (string & {});
export type TaskTypeId = DefaultTaskTypeId | (string & {});

export type ExpertLanguage = Locale | 'other';
export type OrderLanguage = Locale;
export type OrderMode = 'onsite' | 'remote' | 'hybrid';
export type FeePreference = 'fee' | 'volunteer';

export interface Expert {
  id: string;
  aadObjectId: string;
  displayName: string;
  /** Health and social-care history: special-category data (GDPR art. 9). */
  themes: ThemeId[];
  taskTypes: TaskTypeId[];
  municipalities: string[];
  remoteOk: boolean;
  languages: ExpertLanguage[];
  description: string;
  training?: { organisation: string; year: number };
  feePreference: FeePreference;
  /** A kokemustoimija: acting from lived experience without the full training. */
  untrained?: boolean;
  status: 'pending' | 'active' | 'rejected';
  paused: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * 'unfilled': the start came with nobody accepted (src/domain/orderLifecycle.ts); final, like
 * 'done' and 'cancelled'.
 */
export type OrderStatus = 'new' | 'offering' | 'filled' | 'done' | 'cancelled' | 'unfilled';

/** 'filled', 'cancelled', 'expired': closed with the order (OfferRepo.closeOpen); declining costs nothing, ever. */
export type OfferStatus = 'open' | 'accepted' | 'declined' | 'expired' | 'filled' | 'cancelled' | 'withdrawn';


/** A seat given back is not a status: the seat is freed and the withdrawal kept apart (store/assignments.ts). */
export type AssignmentStatus = 'accepted' | 'cancelled' | 'done';
