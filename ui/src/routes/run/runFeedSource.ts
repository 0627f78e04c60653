/** Where a RunFeed reads from in the app: the REST API and the run's event stream. */

import { api, runEventsUrl } from '../../lib/api/endpoints';
import { ApiError } from '../../lib/api/problems';
import { RunUnavailable, type RunFeedSource } from '../../lib/live/RunFeed.svelte';

export const runFeedSource: RunFeedSource = {
  async loadRun(id) {
    try {
      return await api.run(id);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
        throw new RunUnavailable(error.message);
      }
      throw error;
    }
  },
  openEvents(id, lastEventId) {
    return new EventSource(runEventsUrl(id, lastEventId), { withCredentials: true });
  },
};
