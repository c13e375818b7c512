import { ApiError, graphql, type Me, whoAmI } from '../shared/api';

/**
 * `whoAmI()`, also against a gateway whose `Agent` has no `email` field (one from before people could
 * sign in with a password): it asks again without it. Null when nobody is signed in.
 */
export async function whoIsSignedIn(): Promise<Me | null> {
  try {
    return await whoAmI();
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'GRAPHQL_VALIDATION_FAILED') throw err;
  }
  try {
    return (await graphql<{ me: Me | null }>('{ me { id name roles } }')).me;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') return null;
    throw err;
  }
}
