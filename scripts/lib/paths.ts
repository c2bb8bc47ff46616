// Where things are. A leaf module, so that anything may import it without an import cycle.
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where playground/ and .workshop/ live: the repo, unless WORKSHOP_HOME points elsewhere (the tests do). */
export const HOME = process.env.WORKSHOP_HOME ?? ROOT;
