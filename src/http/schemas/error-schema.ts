import { z } from 'zod';

/** Every refusal and failure the API answers: a stable code and a sentence a person understands. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, e.g. ValidationError, Unauthorized, Forbidden, NotFound, Conflict, RateLimited.' }),
      message: z.string().meta({ description: 'What went wrong, as a sentence.' }),
    }),
  })
  .meta({ id: 'Error' });
