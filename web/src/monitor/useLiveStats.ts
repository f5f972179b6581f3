/**
 * The statistics of a window, live: an EventSource on the stream (the session cookie goes with
 * it), reconnecting with backoff. The browser retries a dropped connection itself; a refused one
 * (401, 403) is looked at through the snapshot API, so the page can say why.
 */
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api.ts';
import { useSession } from '../session.tsx';
import type { Snapshot, WindowName } from './types.ts';

export interface LiveStats {
  snapshot: Snapshot | null;
  live: boolean;
  error: unknown;
}

export function useLiveStats(window: WindowName): LiveStats {
  const { expired } = useSession();
  const [state, setState] = useState<LiveStats>({ snapshot: null, live: false, error: null });
  useEffect(() => {
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let delay = 1000;
    setState({ snapshot: null, live: false, error: null });
    const connect = () => {
      source = new EventSource(`/api/v1/statistics/stream?window=${window}`);
      source.onmessage = (e: MessageEvent<string>) => {
        delay = 1000;
        setState({ snapshot: JSON.parse(e.data) as Snapshot, live: true, error: null });
      };
      source.onerror = () => {
        setState((s) => ({ ...s, live: false }));
        if (source?.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
        source.close();
        // Closed for good: ask the snapshot API why (and show its figures meanwhile), then try again unless refused.
        const again = () => {
          if (stopped) return;
          timer = setTimeout(connect, delay);
          delay = Math.min(delay * 2, 30_000);
        };
        api<Snapshot>('GET', `/api/v1/statistics?window=${window}`).then(
          (snapshot) => {
            if (stopped) return;
            setState({ snapshot, live: false, error: null });
            again();
          },
          (error: unknown) => {
            if (stopped) return;
            setState((s) => ({ ...s, live: false, error }));
            if (error instanceof ApiError && error.status === 401) expired();
            else if (!(error instanceof ApiError && error.status === 403)) again();
          },
        );
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [window, expired]);
  return state;
}
