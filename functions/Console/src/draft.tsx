// The template draft being edited (kept in app state so "Test a template" can run it).
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export interface Draft {
  text: string;
  /** The template (id) the draft was started from, if any. */
  baseId: string | null;
  baseVersion: number | null;
}

interface DraftState {
  draft: Draft | null;
  setDraft: (d: Draft | null) => void;
}

const DraftContext = createContext<DraftState | null>(null);

export function DraftProvider({ children }: { children: ReactNode }) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const value = useMemo(() => ({ draft, setDraft }), [draft]);
  return <DraftContext.Provider value={value}>{children}</DraftContext.Provider>;
}

export function useDraft(): DraftState {
  const ctx = useContext(DraftContext);
  if (!ctx) throw new Error('useDraft outside DraftProvider');
  return ctx;
}
