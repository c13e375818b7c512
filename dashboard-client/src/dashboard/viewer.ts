import { createContext, useContext } from 'react';
import type { Viewer } from '../shared/session';

/** The roles of people; most panels read what only they (and ECP's services) may. */
export const PEOPLE = ['ANALYST', 'OPERATOR', 'ADMIN'] as const;
/** Who may approve or reject a held decision. */
export const REVIEWERS = ['OPERATOR', 'ADMIN'] as const;

export const ViewerContext = createContext<Viewer | null>(null);

/** The signed-in viewer; only below the dashboard's provider. */
export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error('useViewer() needs the dashboard’s ViewerContext');
  return viewer;
}

export function holdsAny(viewer: Viewer, roles: readonly string[]): boolean {
  return viewer.roles.some((role) => roles.includes(role));
}

/** `ANALYST, OPERATOR or ADMIN`. */
export function roleList(roles: readonly string[]): string {
  if (roles.length <= 1) return roles.join('');
  return `${roles.slice(0, -1).join(', ')} or ${roles.at(-1)}`;
}
